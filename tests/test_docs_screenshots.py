"""docs/tools/screenshots.py: the docs' screenshots, taken into a scratch folder and read back with Pillow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from PIL import Image, ImageChops, ImageStat

SCRIPT = ROOT / "docs" / "tools" / "screenshots.py"
NAMES = ["email-desktop", "email-phone", "email-dark", "email-parts", "preview", "web-page"]
EMAIL = 600  # px: the email's width, centred in each shot of it
LIMIT = 350_000  # bytes; the script aims under 300 KB a file, and a file far past that is a mistake


def email_area(image: Image.Image) -> Image.Image:
    left = (image.width - EMAIL) // 2
    return image.convert("RGB").crop((left, 0, left + EMAIL, image.height))


def luminance(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0] / 255


def inked(image: Image.Image) -> int:
    """How many pixels are strongly coloured (the labels' inks; the page and the text are greys)."""
    hsv = image.convert("RGB").convert("HSV")
    saturation, value = hsv.getchannel("S"), hsv.getchannel("V")
    mask = ImageChops.multiply(saturation.point(lambda s: 255 if s > 150 else 0), value.point(lambda v: 255 if v > 120 else 0))
    return mask.histogram()[255]


def leftovers() -> list[str]:
    """Processes still running with the script's scratch folder on their command line."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "composer-screenshots-" in line:
            found.append(line)
    return found


@pytest.fixture(scope="module")
def shots(tmp_path_factory, browser) -> dict[str, Path]:
    # `browser` (conftest) only checks that chromium is there: skipped without it, failed under CI=true.
    out = tmp_path_factory.mktemp("images")
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--json"], capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    sizes = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(sizes) == sorted(NAMES)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.png" for name in NAMES)  # no temporary left
    return {name: out / f"{name}.png" for name in NAMES}


def test_every_screenshot_is_a_small_png(shots):
    for name, path in shots.items():
        with Image.open(path) as image:
            assert image.format == "PNG", name
        assert 1_000 < path.stat().st_size < LIMIT, (name, path.stat().st_size)


def test_the_widths(shots):
    with Image.open(shots["email-desktop"]) as desktop, Image.open(shots["email-dark"]) as dark:
        assert desktop.width >= 800
        assert dark.size == desktop.size
        assert desktop.height > 2000  # the whole email, not the first screen of it
    with Image.open(shots["email-phone"]) as phone:
        assert phone.width == 375 * 2  # device scale 2
    with Image.open(shots["email-parts"]) as parts, Image.open(shots["email-desktop"]) as desktop:
        assert parts.width > desktop.width and parts.height == desktop.height
    with Image.open(shots["preview"]) as preview:
        assert preview.width >= 1000
    with Image.open(shots["web-page"]) as web:
        assert web.width >= 1000


def test_dark_mode_is_dark_and_the_light_email_light(shots):
    with Image.open(shots["email-desktop"]) as desktop, Image.open(shots["email-dark"]) as dark:
        assert luminance(email_area(desktop)) > 0.75
        assert luminance(email_area(dark)) < 0.3
    with Image.open(shots["email-phone"]) as phone:
        assert luminance(phone) > 0.75


def test_the_parts_are_drawn_over_the_same_email(shots):
    with Image.open(shots["email-parts"]) as parts_image, Image.open(shots["email-desktop"]) as desktop_image:
        parts, desktop = parts_image.convert("RGB"), desktop_image.convert("RGB")
    # The email itself is the same, but for the outlines drawn over it.
    changed = ImageChops.difference(email_area(parts), email_area(desktop)).convert("L").point(lambda d: 255 if d > 40 else 0)
    share = changed.histogram()[255] / (EMAIL * parts.height)
    assert 0.005 < share < 0.2, share
    # Labels stand in the margins, where the plain email has only the page's colour.
    gutter = (parts.width - EMAIL) // 2
    assert inked(parts.crop((0, 0, gutter, parts.height))) > 20_000
    assert inked(desktop.crop((0, 0, (desktop.width - EMAIL) // 2, desktop.height))) == 0
    # The first label, the masthead's, at the top of the left margin.
    assert inked(parts.crop((0, 0, gutter, 60))) > 1_000


def test_the_script_leaves_no_process_behind(shots):
    if not Path("/proc/self/cmdline").exists():
        pytest.skip("no /proc to list processes in")
    assert leftovers() == []
