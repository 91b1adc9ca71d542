#!/usr/bin/env bash
# Install what tests/test_browser.py needs: Debian's chromium (the browser Playwright drives;
# we never run `playwright install`, which downloads browsers) and the Python packages of the
# browser view. Usage: .ci/browser_setup.sh [PYTHON]   (default: python3 on the PATH)
#
# Versions: solara and solara-assets are pinned together, because solara-assets bundles the
# exact front-end files (normally fetched from a CDN) that this solara version asks for, so
# the page loads without internet access. ipyvuetify/ipyvue stay on the 1.x (Vuetify 2)
# line that Mesa's SolaraViz layout is written for.
set -euo pipefail
PY="${1:-python3}"

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-liberation
fi

"$PY" -m pip install -q "solara==1.58.2" "solara-assets==1.58.2" "ipyvuetify>=1.9,<2" \
    "ipyvue>=1.10,<2" "altair>=5" "playwright>=1.40"

/usr/bin/chromium --version
"$PY" -c "import playwright, solara, solara_assets; print('solara', solara.__version__)"
