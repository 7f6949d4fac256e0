"""A headless Chromium for checking and photographing the animation page.

Uses Debian's ``chromium`` and ``chromedriver`` through Selenium (a test
extra), with explicit paths so that nothing is ever downloaded. Used by the
browser test and by ``python -m tools.make_pictures``. A development tool: it is
not part of the installed package.

>>> reason = why_unavailable()
>>> reason is None or isinstance(reason, str)
True
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["BrowserUnavailableError", "headless_chromium", "screenshot_frame", "why_unavailable"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class BrowserUnavailableError(RuntimeError):
    """Chromium, chromedriver or Selenium is missing; the message says which."""


def _find(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    fallback = Path("/usr/bin") / name
    return str(fallback) if fallback.is_file() and os.access(fallback, os.X_OK) else None


def why_unavailable() -> str | None:
    """None when a headless browser can start, else what is missing."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if _find("chromium") is None:
        return "chromium is not installed (apt install chromium)"
    if _find("chromedriver") is None:
        return "chromedriver is not installed (apt install chromium-driver)"
    return None


@contextlib.contextmanager
def headless_chromium(
    width: int = 1280, height: int = 800, *, scale: float = 1.0, flags: Sequence[str] = ()
) -> Iterator[WebDriver]:
    """A Selenium driver for headless Chromium with a fresh profile, closed on exit.

    ``scale`` is the device pixel ratio (2 gives sharp screenshots); ``flags``
    are more command-line switches.

    Browser console messages are collected: read them with
    ``driver.get_log("browser")``.
    """
    reason = why_unavailable()
    if reason is not None:
        raise BrowserUnavailableError(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="autograd-lite-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(_find("chromium"))
        size = f"--window-size={width},{height}"
        for flag in (
            *FLAGS,
            f"--user-data-dir={profile}",
            size,
            f"--force-device-scale-factor={scale}",
            *flags,
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(str(_find("chromedriver"))), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def screenshot_frame(page: str | os.PathLike[str], png: str | os.PathLike[str], frame: int) -> Path:
    """Open an ``animate_backward`` page, move the slider to ``frame`` and save a PNG.

    The page opens at fit width (``#fit``): the picture shows the whole drawing.
    """
    with headless_chromium(scale=2.0) as driver:
        driver.get(Path(page).resolve().as_uri() + "#fit")
        driver.execute_script(
            "var s = document.getElementById('slider'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input'));",
            frame,
        )
        # Grow the window until the whole page fits (the window has a frame of its own).
        for _ in range(3):
            page_height = int(driver.execute_script("return document.documentElement.scrollHeight"))
            inner = int(driver.execute_script("return window.innerHeight"))
            if inner >= page_height:
                break
            size = driver.get_window_size()
            driver.set_window_size(size["width"], size["height"] + page_height - inner)
        driver.save_screenshot(str(png))
    return Path(png)
