"""The screenshots in the docs (docs/images/*.png), taken of a real issue in the test suite's browser.

    .venv/bin/python docs/tools/screenshots.py [--out docs/images]

The issue is examples/2023-11-17.yaml with two changes, so that one email shows every part of the
house format: a top image, and the house's appeal (that week switches it off). It is rendered with
composer's own pipeline and shown in Debian's chromium through Playwright (tests/browser.py; never
`playwright install`). Nothing is fetched from the network: every image the pages ask for is a
placeholder drawn here, and every other request to a host that is not this machine is refused.

    email-desktop.png  the email at 800 px           email-phone.png  at 375 px, device scale 2
    email-dark.png     with prefers-color-scheme: dark
    email-parts.png    the desktop shot with each part of the house format outlined and labelled
    preview.png        `composer preview`, run in a subprocess on a free port and stopped afterwards
    web-page.png       the issue's page of the web edition, built by `composer site` into a temporary folder

Each file is written to a temporary name beside its final one, then renamed. The same checkout and the
same chromium give the same bytes.
"""

from __future__ import annotations

import argparse
import colorsys
import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from composer.hosts import LOOPBACK

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE = "2023-11-17.yaml"
DEFAULT_OUT = ROOT / "docs" / "images"
NAMES = ("email-desktop", "email-phone", "email-dark", "email-parts", "preview", "web-page")

DESKTOP = 800  # px: the email is 600 px wide, with the page's colour either side
PHONE = 375
PHONE_SCALE = 2
PHONE_HEIGHT = 1100  # CSS px of the phone shot: the masthead, headline, top image and the lead's start
PREVIEW_WIDTH, PREVIEW_HEIGHT = 1280, 860  # px: the preview page as a laptop shows it
WEB_WIDTH = 1100
WEB_HEIGHT = 1500  # CSS px of the web page shown: its header, the top image and the lead's start
COLORS = 64  # each PNG's palette; screenshots of text need few colours, and no dithering

# The top image the example gets: its picture is drawn here, like every other image.
TOP_IMAGE = {
    "url": "https://responsiblestatecraft.org/media-library/dnipro-crossing.jpg",
    "alt": "A river crossing on the lower Dnipro, seen from the western bank",
    "credit": "Placeholder Photographer via Example Agency",
    "width": 600,
    "height": 338,
}

# The parts of the house format, as the theme marks them (templates/parts/*.mjml.j2), in house order.
# "box" outlines the first match, "union" one box round every match, "each" every match with a dashed line.
# A part's label sits in the page's margin left of the email; an "each" box's number in the margin right of it.
PARTS: list[dict[str, str]] = [
    {"label": "Masthead: web copy link, name or logo, social links", "select": ".dw-part-masthead", "kind": "box"},
    {"label": "Label, headline, dek and byline", "select": ".dw-part-header:not(:has(.dw-image))", "kind": "box"},
    {"label": "Top image and its credit", "select": ".dw-part-header:has(.dw-image)", "kind": "box"},
    {"label": "Lead story", "select": ".dw-part-lead", "kind": "box"},
    {"label": "\u201cIn other diplomatic news\u201d: the lead-in and the items", "select": ".dw-part-items",
     "kind": "box"},
    {"label": "item", "select": ".dw-item-with-quote, p.dw-item:not(.dw-item-with-quote *)", "kind": "each"},
    {"label": "U.S. State Department news", "select": ".dw-part-state-department", "kind": "box"},
    {"label": "Appeal and donate button (house.yaml; off for some weeks)", "select": ".dw-appeal, .dw-button",
     "kind": "union"},
    {"label": "Subscribe blurb (house.yaml)", "select": ".dw-subscribe", "kind": "box"},
    {"label": "Teasers: more from the magazine", "select": ".dw-part-teasers", "kind": "union"},
    {"label": "teaser", "select": ".dw-teaser", "kind": "each"},
    {"label": "Footer: unsubscribe link, web copy link, postal address", "select": ".dw-fineprint", "kind": "box"},
]
INKS = ["#c2185b", "#1565c0"]  # part by part in turn, so that two parts that touch stay apart
PARTS_WIDTH = 1160  # px: the email's 600 px in the middle, and a margin wide enough for the labels either side

# Drawn on a layer of its own over the page: nothing of the email moves. Returns the labels of the parts not found.
ANNOTATE = """
([parts, inks]) => {
  const layer = document.createElement("div");
  layer.id = "docs-parts";
  layer.style.cssText = "position:absolute;left:0;top:0;width:0;height:0;z-index:2147483647;pointer-events:none;";
  document.body.appendChild(layer);
  const bands = Array.from(document.querySelectorAll(".dw-band, .dw-fineprint")).map((e) => e.getBoundingClientRect());
  const columnLeft = Math.min(...bands.map((r) => r.left)) + window.scrollX;
  const columnRight = Math.max(...bands.map((r) => r.right)) + window.scrollX;
  function rectOf(elements) {
    const rects = elements.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) return null;
    return {
      left: Math.min(...rects.map((r) => r.left)) + window.scrollX,
      top: Math.min(...rects.map((r) => r.top)) + window.scrollY,
      right: Math.max(...rects.map((r) => r.right)) + window.scrollX,
      bottom: Math.max(...rects.map((r) => r.bottom)) + window.scrollY,
    };
  }
  function add(css, text) {
    const element = document.createElement("div");
    element.style.cssText = "position:absolute;box-sizing:border-box;" + css;
    if (text) element.textContent = text;
    layer.appendChild(element);
    return element;
  }
  const font = "font:bold 13px/1.3 'DejaVu Sans',Verdana,sans-serif;color:#fff;";
  const missing = [];
  let major = 0, ink = inks[0];
  for (const part of parts) {
    const found = Array.from(document.querySelectorAll(part.select));
    if (!found.length) { missing.push(part.label); continue; }
    const minor = part.kind === "each";
    if (!minor) { ink = inks[major % inks.length]; major += 1; }
    const groups = minor ? found.map((e) => [e]) : part.kind === "union" ? [found] : [found.slice(0, 1)];
    groups.forEach((group, index) => {
      const r = rectOf(group);
      if (!r) return;
      // A part's box is as wide as the email; an item's or a teaser's sits a little inside it.
      const left = minor ? Math.max(r.left - 12, columnLeft + 8) : columnLeft;
      const right = minor ? Math.min(r.right + 12, columnRight - 8) : columnRight;
      const top = minor ? r.top - 5 : r.top + 2, height = r.bottom - r.top + (minor ? 10 : -4);
      add(`left:${left}px;top:${top}px;width:${right - left}px;height:${height}px;`
          + `border:${minor ? "2px dashed" : "3px solid"} ${ink};border-radius:3px;`);
      if (minor) {
        add(`left:${columnRight + 4}px;top:${top}px;background:${ink};padding:3px 8px;border-radius:0 4px 4px 0;`
            + "white-space:nowrap;" + font, `${part.label} ${index + 1}`);
      } else {
        add(`right:${-(columnLeft + 1)}px;top:${top}px;max-width:${columnLeft - 24}px;background:${ink};`
            + `padding:6px 10px;border-radius:4px 0 0 4px;text-align:right;` + font, part.label);
      }
    });
  }
  return missing;
}
"""


# -- the example issue -------------------------------------------------------------------------------

def write_issue(folder: Path) -> Path:
    """The example issue, with a top image and the house's appeal, in `folder` beside a copy of house.yaml."""
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: the editor's block scalars stay as written
    yaml.width = 4096
    data = yaml.load((EXAMPLES / EXAMPLE).read_text(encoding="utf-8"))
    footer = data.get("footer")
    if footer is not None and footer.get("appeal") is False:
        del footer["appeal"]
        if not footer:
            del data["footer"]
    keys = list(data)
    data.insert(keys.index("preheader") + 1 if "preheader" in keys else len(keys), "image", dict(TOP_IMAGE))
    (folder / "house.yaml").write_bytes((EXAMPLES / "house.yaml").read_bytes())
    issue = folder / EXAMPLE
    with issue.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return issue


# -- images, drawn instead of fetched ----------------------------------------------------------------

@functools.cache
def placeholder(name: str, width: int = 1200, height: int = 675) -> bytes:
    """A flat picture (hills under a sun) in a muted colour picked by its name: the same name, the same bytes."""
    from PIL import Image, ImageDraw

    hue = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) / 0xFFFF

    def tone(lightness: float, saturation: float = 0.18) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return round(r * 255), round(g * 255), round(b * 255)

    image = Image.new("RGB", (width, height), tone(0.80))
    draw = ImageDraw.Draw(image)
    draw.ellipse([width * 0.70, height * 0.14, width * 0.82, height * 0.14 + width * 0.12], fill=tone(0.92, 0.3))
    draw.polygon([(0, height), (width * 0.30, height * 0.42), (width * 0.62, height)], fill=tone(0.62))
    draw.polygon([(width * 0.35, height), (width * 0.68, height * 0.55), (width, height * 0.85), (width, height)],
                 fill=tone(0.52))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "about", "blob") or parts.hostname in LOOPBACK


def route_offline(context) -> list[str]:
    """Every image off this machine is a placeholder; any other request off it is refused. Returns what was refused."""
    refused: list[str] = []

    def handle(route) -> None:
        request = route.request
        if local(request.url):
            route.continue_()
        elif request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png",
                          body=placeholder(urlsplit(request.url).path.rsplit("/", 1)[-1] or "image"))
        else:
            refused.append(request.url)
            route.abort()

    context.route("**/*", handle)
    return refused


def settle(page) -> None:
    """Every image of the page and its frames loaded, lazy ones too, and the fonts ready."""
    for frame in page.frames:
        frame.evaluate("() => { for (const img of document.images) img.loading = 'eager'; }")
        frame.wait_for_function("() => Array.from(document.images).every((img) => img.complete)")
        frame.evaluate("() => document.fonts.ready.then(() => true)")


# -- writing the files --------------------------------------------------------------------------------

def save_png(shot: bytes, path: Path, *, height: int | None = None) -> int:
    """The screenshot cut to `height` device pixels, on a small palette, written atomically. Returns its size."""
    from PIL import Image

    image = Image.open(io.BytesIO(shot)).convert("RGB")
    if height is not None and image.height > height:
        image = image.crop((0, 0, image.width, height))
    small = image.quantize(colors=COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png.tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            small.save(out, "PNG", optimize=True)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path.stat().st_size


# -- the shots ---------------------------------------------------------------------------------------

@contextmanager
def opened(browser, *, width: int, height: int = 900, scale: float = 1, scheme: str = "light") -> Iterator[Any]:
    """A page in a fresh browser context, offline (route_offline)."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                  color_scheme=scheme, reduced_motion="reduce", locale="en-US", timezone_id="UTC")
    refused = route_offline(context)
    try:
        yield context.new_page()
    finally:
        context.close()
    for url in sorted(set(refused)):
        print(f"  refused (not on this machine): {url}", file=sys.stderr)


def email_page(browser, html: str, **view):
    @contextmanager
    def shown() -> Iterator[Any]:
        with opened(browser, **view) as page:
            page.set_content(html, wait_until="load")
            settle(page)
            yield page

    return shown()


def email_shots(browser, html: str, out: Path, save: Callable[..., Future[int]]) -> dict[str, Future[int]]:
    files: dict[str, Future[int]] = {}
    with email_page(browser, html, width=DESKTOP) as page:
        files["email-desktop"] = save(page.screenshot(full_page=True), out / "email-desktop.png")
    with email_page(browser, html, width=DESKTOP, scheme="dark") as page:
        files["email-dark"] = save(page.screenshot(full_page=True), out / "email-dark.png")
    with email_page(browser, html, width=PHONE, height=812, scale=PHONE_SCALE) as page:
        files["email-phone"] = save(page.screenshot(full_page=True), out / "email-phone.png",
                                    height=PHONE_HEIGHT * PHONE_SCALE)
    with email_page(browser, html, width=PARTS_WIDTH) as page:
        missing = page.evaluate(ANNOTATE, [PARTS, INKS])
        if missing:
            raise SystemExit(f"screenshots: no {', '.join(missing)} in the email to outline; did the theme change?")
        files["email-parts"] = save(page.screenshot(full_page=True), out / "email-parts.png")
    return files


def composer(*args: str) -> subprocess.Popen:
    """composer's command line, in a subprocess of this Python, its output (both streams) read as text."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "composer", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)


def preview_shot(browser, server, out: Path, save: Callable[..., Future[int]]) -> Future[int]:
    """`server`: the tests' PreviewProcess (tests/preview_process.py), shot once its first build is done."""
    try:
        server.wait_for("first build", timeout=60)
    except AssertionError as error:
        raise SystemExit(f"screenshots: composer preview did not start: {error}") from None
    with opened(browser, width=PREVIEW_WIDTH, height=PREVIEW_HEIGHT) as page:
        page.goto(server.url, wait_until="load")
        page.wait_for_function("() => document.getElementById('subject').textContent !== ''")
        page.wait_for_function("() => /email\\.html/.test(document.getElementById('email').src)")
        email = page.query_selector("#email")
        frame = email.content_frame() if email else None
        if frame is None:
            raise SystemExit("screenshots: the preview page shows no email")
        frame.wait_for_load_state("load")
        frame.wait_for_selector(".dw-part-masthead", state="attached")
        settle(page)
        return save(page.screenshot(), out / "preview.png")


def web_shot(browser, site: subprocess.Popen, page_file: Path, out: Path, save: Callable[..., Future[int]]):
    output, _ = site.communicate(timeout=300)
    if site.returncode != 0 or not page_file.is_file():
        raise SystemExit(f"screenshots: composer site wrote no {page_file}:\n{output}")
    with opened(browser, width=WEB_WIDTH) as page:
        page.goto(page_file.as_uri(), wait_until="load")
        settle(page)
        return save(page.screenshot(full_page=True), out / "web-page.png", height=WEB_HEIGHT)


def take(out: Path, log: Callable[[str], None] = print) -> dict[str, int]:
    """Every screenshot, into `out`; returns each file's size in bytes, by name."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import launch, sync_playwright  # the test suite's browser: Debian's chromium
    from preview_process import PreviewProcess  # and its way of running the preview

    from composer.checks import run_checks
    from composer.pipeline import render

    started = time.perf_counter()
    files: dict[str, Future[int]] = {}
    with tempfile.TemporaryDirectory(prefix="composer-screenshots-") as scratch, ThreadPoolExecutor(4) as pool:
        folder = Path(scratch)
        issue = write_issue(folder)

        def save(shot: bytes, path: Path, **options) -> Future[int]:
            return pool.submit(save_png, shot, path, **options)

        # The preview and the site start first, in their own processes, and get ready while the email is shot.
        try:
            server = PreviewProcess(issue, start_timeout=60)
        except AssertionError as error:
            raise SystemExit(f"screenshots: composer preview did not start: {error}") from None
        site = composer("site", str(folder), "-o", str(folder / "site"))
        try:
            rendered = render(issue)
            for finding in run_checks(rendered.edition, rendered.html, rendered.text).findings:
                log(f"  check: {finding}")
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    files.update(email_shots(browser, rendered.html, out, save))
                    files["preview"] = preview_shot(browser, server, out, save)
                    server.stop()
                    files["web-page"] = web_shot(browser, site, folder / "site" / issue.stem / "index.html", out, save)
                finally:
                    browser.close()
        finally:
            server.stop()
            if site.poll() is None:
                site.kill()
            site.communicate()
        sizes = {name: files[name].result() for name in NAMES}
    for name in NAMES:
        log(f"wrote {out / (name + '.png')}  ({sizes[name]:,} bytes)")
    log(f"{len(sizes)} screenshots in {time.perf_counter() - started:.1f} s")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the PNGs (default: {DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print each file's size in bytes as JSON when done")
    args = parser.parse_args(argv)
    try:
        sizes = take(args.out.resolve())
    except Exception:
        raise
    except BaseException as stop:  # tests/browser.py skips or fails (pytest's outcomes) when chromium is missing
        if type(stop).__module__.startswith("_pytest"):
            print(f"screenshots: {stop}", file=sys.stderr)
            return 1
        raise
    if args.json:
        print(json.dumps(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
