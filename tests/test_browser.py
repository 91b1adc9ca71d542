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


#: screenshots of the page; CI keeps this folder as an artefact (see .gitignore)
SHOTS = REPO / "test-artifacts" / "screenshots"


def _shot(page, name: str, locator=None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path


def test_classroom_page_at_1024x768(server, tmp_path):
    """Drives every part of the page in Chromium at a projector's 1024x768: the map's share of
    the width and its scale, the day counted as the command line counts it, Step, the
    charts and the log, clicking a town, the information panel, slider values and bounds, the
    seed field, the export, a lever and Reset; Mesa's internals are not shown."""
    _require(CHROMIUM.exists(), f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the playwright package is not installed")
    url, _port = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768},
                                    accept_downloads=True)
            page.goto(url)
            day = page.locator(".frontline-day")
            day.wait_for(timeout=30_000)
            assert "Start · 2024-11-27 · before day 0 (days 0–11)" in day.inner_text()
            map_img = page.locator(".frontline-map img")
            map_img.wait_for(timeout=10_000)
            page.wait_for_timeout(500)
            _shot(page, "01_start_1024x768")

            # the map: at least 60% of the width, drawn at (about) its natural size
            width, natural = map_img.evaluate("e => [e.clientWidth, e.naturalWidth]")
            assert width >= 0.6 * 1024, f"map {width}px wide in a 1024px window"
            assert 0.75 * width <= natural <= 1.3 * width, \
                f"map drawn {natural}px wide, shown {width}px wide: the fonts change size"
            # Mesa's internals are hidden
            body = page.locator("body").inner_text()
            for hidden in ("Play Interval", "Render Interval", "Use Threads", "Page 0",
                           "PAGE 0", "This website runs on"):   # the banner hid a lever
                assert hidden not in body, hidden
            before = _pixels(map_img)

            step = page.get_by_role("button", name="Step")
            for k in (1, 2, 3):
                step.click()
                page.wait_for_function(         # the element is replaced while it re-renders
                    "k => (document.querySelector('.frontline-day')?.innerText ?? '')"
                    ".includes('End of day ' + (k - 1) + ' ·')", arg=k, timeout=20_000)
            assert "End of day 2 · 2024-11-29" in day.inner_text()
            page.wait_for_timeout(500)
            after = _pixels(map_img)
            assert before.shape == after.shape
            changed = (before != after).any(axis=-1).mean()
            assert changed > 0.002, f"the map hardly changed after three days ({changed:.4f})"
            rows = page.locator(".frontline-log tr")
            assert rows.count() > 1, "no control changes listed after three days"
            charts = page.locator(".frontline-charts img")
            assert charts.count() == 1 and charts.evaluate("e => e.naturalWidth") > 500
            _shot(page, "02_day2_1024x768")
            _shot(page, "03_charts_and_log", page.locator(".frontline-main").nth(1))

            # click a town on the map: its holder, garrison and supply
            page.locator(".frontline-town[data-town='Aleppo']").click()
            info = page.locator(".frontline-town-info")
            info.wait_for(timeout=10_000)
            page.wait_for_timeout(600)                  # the tab's slide transition
            text = info.inner_text()
            assert "Aleppo" in text and "Holder:" in text and "Supply:" in text
            assert "fighters" in text or "No units" in text
            _shot(page, "04_town_aleppo")

            # the information panel
            page.get_by_role("tab", name="About").click()
            about = page.get_by_text("What it models", exact=False).first
            about.wait_for(timeout=10_000)
            page.wait_for_timeout(600)
            assert "HTS-led offensive" in page.locator("body").inner_text()
            _shot(page, "05_about")

            # the export: events.csv of the run so far, as `frontline run --out` writes it
            page.get_by_role("tab", name="Export").click()
            with page.expect_download(timeout=20_000) as dl:
                page.get_by_role("button", name="Control changes (events.csv)").click()
            csv_path = tmp_path / "events.csv"
            dl.value.save_as(csv_path)
            lines = csv_path.read_text().splitlines()
            assert lines[0] == "day,date,place,new_controller,previous_controller,cause,source"
            assert len(lines) > 1 and all(int(x.split(",")[0]) <= 2 for x in lines[1:])

            # the levers: values and bounds visible, the seed a number field
            page.get_by_role("tab", name="Levers").click()
            seed = page.get_by_label("Seed (a whole number, 0 or more)")
            assert seed.input_value() == "1"
            lever = page.locator(".frontline-lever", has_text="Air support effect")
            assert "now 0.6 (bounds 0 to 2; the scenario's value: 0.6)" in lever.inner_text()
            page.wait_for_timeout(600)
            _shot(page, "06_levers")
            slider = lever.get_by_role("slider")
            slider.focus()
            slider.press("Home")
            page.get_by_text("now 0 (bounds 0 to 2").wait_for(timeout=10_000)
            seed.fill("4321")
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function(
                "() => (document.querySelector('.frontline-day')?.innerText ?? '')"
                ".includes('Start')",
                timeout=20_000)
            page.get_by_text(re.compile(r"seed 4321 · air_effect 0 ·")).wait_for(
                timeout=10_000)
            page.wait_for_timeout(500)
            assert (_pixels(map_img) != after).any(), "the map did not change on reset"
            shot = _shot(page, "07_reset_with_levers")
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
