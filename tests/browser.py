"""Headless Chromium for the tests: Debian's chromium, driven by Playwright.

Outside CI, a machine without chromium skips the browser tests with a reason.
In CI (CI=true) a missing browser is a failure, so the tests can never be
skipped silently there.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("COMPOSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("COMPOSER_SCREENSHOTS", Path(__file__).parent / "artifacts" / "screenshots"))
INK = (26, 26, 26)
WHITE_INK = (250, 250, 250)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (see .ci/run)", pytrace=False)
    pytest.skip(reason)


def launch(playwright):
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    return start()


def png(width: int, height: int, ink: tuple[int, int, int] | None = None) -> bytes:
    """A stand-in image: a grey photo, or a logo of solid ink on a transparent ground."""
    from PIL import Image, ImageDraw

    if ink is None:
        image = Image.new("RGB", (width, height), (128, 136, 144))
    else:
        image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        ImageDraw.Draw(image).rectangle([width // 8, height // 4, width * 7 // 8, height * 3 // 4], fill=(*ink, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def serve_images(page) -> None:
    """Answer every image request locally (there is no network), and refuse everything else."""
    photo = png(1200, 675)
    logos = {"logo-ink.png": png(440, 88, INK), "logo-white.png": png(440, 88, WHITE_INK)}

    def handle(route):
        url = route.request.url
        name = url.rsplit("/", 1)[-1]
        if name in logos:
            route.fulfill(status=200, content_type="image/png", body=logos[name])
        elif route.request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=photo)
        else:
            route.abort()

    page.route("**/*", handle)


def open_email(browser, html: str, *, width: int, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    serve_images(page)
    page.set_content(html, wait_until="load")
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def relative_luminance(rgb) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
