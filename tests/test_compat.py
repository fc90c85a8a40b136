"""The caniemail report over the examples names a fallback for every flagged feature, and the
fallbacks that are claims about the HTML hold in the HTML composer builds."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, soup


def _fallbacks() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("compat_report", ROOT / "benchmarks" / "compat_report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FALLBACKS


def test_every_flagged_feature_has_a_fallback_and_no_fallback_is_stale():
    if not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("npm is needed for the compatibility report in CI", pytrace=False)
        pytest.skip("npm is not installed, so doiuse-email cannot run")
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compat_report.py")], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    summary = lines[-1]
    flagged = {line for line in lines[:-1] if line and not line.startswith(" ")}
    assert summary == f"{len(flagged)} features flagged, 0 unhandled"
    # A fallback for a feature no longer flagged describes HTML composer no longer writes.
    assert set(_fallbacks()) == flagged
    for client in ("gmail.", "apple-mail.", "outlook."):
        assert client in result.stdout


def test_the_fallbacks_that_describe_the_html_hold(example):
    """The claims the report makes about composer's own HTML, checked in each example."""
    doc = soup(example.html)
    fallbacks = _fallbacks()
    assert "the inline height:auto keeps their shape" in fallbacks["height attribute"]
    assert "Images also carry a CSS width" in fallbacks["width attribute"]
    for img in doc.find_all("img"):
        style = img.get("style", "").replace(" ", "")
        assert img.get("width") and img.get("height"), img  # what Outlook sizes by
        assert re.search(r"(?<![-\w])width:(\d+px|100%)", style) and "height:auto" in style, img
    assert "max-height:0, font-size:1px, opacity:0 and mso-hide:all" in fallbacks["display:none"]
    preheader = doc.select_one(".dw-preheader")["style"].replace(" ", "")
    for rule in ("display:none", "max-height:0", "font-size:1px", "opacity:0", "mso-hide:all"):
        assert rule in preheader, rule
    assert "Outlook-only 600px table" in fallbacks["max-width"]
    assert re.search(r"<!--\[if mso \| IE\]><table[^>]*width=\"600\"", example.html)
