"""The interactive view in a real browser: `frontline viz` served on a free loopback port,
driven by Playwright in Debian's headless Chromium (installed by .ci/browser_setup.sh).

Skipped (with the reason) only outside CI when Chromium or Playwright is missing; under CI
(``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import BUILTIN, REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run; see .ci/browser_setup.sh)")
    pytest.skip(reason)


def _pixels(locator) -> np.ndarray:
    """The element as rendered on screen, as an (h, w, 3) array."""
    from PIL import Image
    img = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    return np.asarray(img)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    """`python -m sim viz` in its own process group, killed (group and all) afterwards."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", str(BUILTIN), "--port",
                             str(port)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 45
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"frontline viz exited with {proc.returncode}:\n{out[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("frontline viz did not answer within 45 s")
            time.sleep(0.3)
        yield url, port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_server_listens_on_loopback_only(server):
    _url, port = server
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("ss (iproute2) not available")
    addrs = {line.split()[3].rsplit(":", 1)[0] for line in out.stdout.splitlines() if line}
    assert addrs == {"127.0.0.1"}, out.stdout


def test_step_slider_reset_screenshot(server, tmp_path):
    _require(CHROMIUM.exists(), f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the playwright package is not installed")
    url, _port = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            day = page.locator(".frontline-day")
            day.wait_for(timeout=30_000)
            assert re.search(r"Day 0 of 12 · 2024-11-27", day.inner_text())
            map_img = page.locator(".frontline-map img")
            map_img.wait_for(timeout=10_000)
            page.wait_for_timeout(500)
            before = _pixels(map_img)

            step = page.get_by_role("button", name="Step")
            for k in (1, 2, 3):
                step.click()
                page.wait_for_function(
                    "k => document.querySelector('.frontline-day').innerText"
                    ".includes('Day ' + k + ' of')", arg=k, timeout=20_000)
            assert "Day 3 of 12 · 2024-11-30" in day.inner_text()
            page.wait_for_timeout(500)
            after = _pixels(map_img)
            assert before.shape == after.shape
            changed = (before != after).any(axis=-1).mean()
            assert changed > 0.002, f"the map hardly changed after three days ({changed:.4f})"
            rows = page.locator(".frontline-log tr")
            assert rows.count() > 1, "no control changes listed after three days"
            page.screenshot(path=str(tmp_path / "viz_day3.png"), full_page=True)

            # move the air-support slider to its minimum (0) with the keyboard, then reset
            slider = page.locator(".v-input", has_text="Air support effect").get_by_role(
                "slider")
            slider.focus()
            slider.press("Home")
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function(
                "() => document.querySelector('.frontline-day').innerText.includes('Day 0 of')",
                timeout=20_000)
            page.get_by_text(re.compile(r"air_effect 0 ·")).wait_for(timeout=10_000)
            page.wait_for_timeout(500)
            reset = _pixels(map_img)
            assert (reset != after).any(), "the map did not change on reset"

            shot = tmp_path / "viz.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
