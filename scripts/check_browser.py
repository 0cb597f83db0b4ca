"""Open hkpr's browser mode in headless Chromium, log in as an annotator, screenshot the library.

Usage: python check_browser.py [URL] [NAME] [OUT.png]   (server: hkpr --db team.db serve --port 8765)

Set up once (Debian, as root): apt-get install -y chromium fonts-noto-cjk; pip install playwright
(never `playwright install`: the script drives /usr/bin/chromium). Then:

    hkpr --db team.db import seeds/
    hkpr --db team.db serve --port 8765 &
    python scripts/check_browser.py http://127.0.0.1:8765/ alice /tmp/library.png

and look at /tmp/library.png (and library-login.png): the library with its 繁 and 简 titles.
The terminal is drawn on a canvas, so the script waits fixed times rather than for text.
"""

import sys
import tempfile
import time

from playwright.sync_api import sync_playwright

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/"
NAME = sys.argv[2] if len(sys.argv) > 2 else "alice"
OUT = sys.argv[3] if len(sys.argv) > 3 else "/tmp/chromecheck/library.png"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

t0 = time.monotonic()
with sync_playwright() as p:
    # launch_persistent_context with a fresh dir = the "new empty --user-data-dir" the machine notes ask for
    ctx = p.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="hkpr-chrome-"),
        executable_path="/usr/bin/chromium",
        headless=True,
        args=FLAGS,
        viewport={"width": 1280, "height": 800},
    )
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.on("console", lambda m: print(f"console.{m.type}: {m.text}", file=sys.stderr))
    page.route("**/fonts.googleapis.com/**", lambda route: route.abort())  # offline: fail fast
    page.goto(URL)
    page.wait_for_selector("body.-first-byte", timeout=30_000)  # textual-serve: app's first output arrived
    page.wait_for_timeout(2_500)  # let the "Who is annotating?" screen draw
    page.screenshot(path=OUT.replace(".png", "-login.png"))
    page.click("#terminal")  # give xterm.js keyboard focus
    page.keyboard.type(NAME, delay=50)
    page.keyboard.press("Enter")
    page.wait_for_timeout(4_000)  # library loads
    page.screenshot(path=OUT)
    print(f"saved {OUT} in {time.monotonic() - t0:.1f}s")
    ctx.close()
