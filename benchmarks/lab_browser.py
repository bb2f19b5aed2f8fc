"""The built lab in a real browser: a local static server and headless Chromium that records
every request. Shared by the lab's browser tests and its benchmark (:mod:`benchmarks.lab`).

    with serve(Path("site/lab")) as (base, served), chromium() as driver:
        driver.get(base)
        wait_until_ready(driver)
        requested_urls(driver)   # every URL the page and its worker asked for
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Flags that let headless Chromium run here, and keep it from calling home.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def missing_tools() -> list[str]:
    """What the lab's browser runs need and this machine lacks (empty when all is there)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    missing += [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return missing


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; remembers each path asked for; no log lines on stderr."""

    def __init__(self, *args: Any, served: list[str], **kwargs: Any) -> None:
        self.served = served
        # Set before the base class handles the request (it does so inside __init__).
        self.extensions_map = {
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".mjs": "text/javascript",
            ".js": "text/javascript",
            ".wasm": "application/wasm",
        }
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.served.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder`` on 127.0.0.1 at a free port; yields its URL and the paths served."""
    served: list[str] = []
    handler = functools.partial(_Handler, directory=str(folder), served=served)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def chromium(width: int = 1400, height: int = 900, profile: Path | None = None) -> Iterator[Any]:
    """Headless Chromium under Selenium, logging every network request (Chrome's performance
    log). ``profile``: a user-data folder to keep (its HTTP cache makes a warm start)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="lab-chromium-") as fresh:
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile or fresh}"):
            options.add_argument(flag)
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.set_script_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def requested_urls(driver: Any) -> list[str]:
    """Every URL requested since the last call (the page, its frames and its workers)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for(driver: Any, script: str, timeout: float, what: str, *args: Any) -> Any:
    """Poll ``script`` (JavaScript returning a value, given ``args`` as ``arguments``) until
    it is truthy; returns it.

    Raises:
        TimeoutError: not within ``timeout`` seconds (``what`` names the wait, and the lab's
            status line is quoted).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            status = driver.execute_script(
                "const s = document.getElementById('status'); return s && s.textContent"
            )
            raise TimeoutError(f"{what}: not within {timeout:.0f} s (lab status: {status!r})")
        time.sleep(0.1)


def wait_until_ready(driver: Any, timeout: float = 90) -> dict[str, float]:
    """Wait until the editor has drawn its first graph; returns the page's timings (ms)."""
    wait_for(driver, "return window.lab && window.lab.ready", timeout, "the lab's first graph")
    timings: dict[str, float] = driver.execute_script("return window.lab.timings")
    return timings


def wait_for_playground(driver: Any, timeout: float = 90) -> None:
    """Open the Playground tab and wait for its first picture from the worker."""
    driver.find_element("id", "tab-playground").click()
    wait_for(
        driver,
        "const p = window.lab && window.lab.playground; return p && p.state && p.grid && 1",
        timeout,
        "the Playground's first picture",
    )
