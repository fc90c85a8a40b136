"""Every example through the Nu HTML Checker (vnu), the W3C's validator.

Only the documented email idioms may remain as errors: the VML and Office
namespaces Outlook needs, Outlook's mso-* properties, and Apple Mail's
supported-color-schemes. (The conditional comments are comments, which vnu
accepts.) vnu's warnings are about presentational attributes such as
cellpadding and bgcolor, which Outlook needs, so they are not failures.
"""

from __future__ import annotations

import json
import re
import subprocess

from composer.pipeline import render
from conftest import FIXTURES
from npm_tools import vnu

EMAIL_IDIOMS = [
    re.compile(r"^Attribute “xmlns:[vo]” not allowed here\.$"),
    re.compile(r"^CSS: “mso-[a-z-]+”: Property “mso-[a-z-]+” doesn't exist\.$"),
    re.compile(r"^CSS: “supported-color-schemes”: Property “supported-color-schemes” doesn't exist\.$"),
]


def errors(paths) -> list[dict]:
    result = subprocess.run([*vnu(), "--format", "json", *map(str, paths)], capture_output=True, text=True,
                            timeout=300)
    report = json.loads(result.stderr)  # vnu writes its report to stderr
    return [m for m in report["messages"] if m["type"] in ("error", "non-document-error")]


def test_every_example_is_valid_html_but_for_email_idioms(built_examples, tmp_path):
    # The examples, and the houses with a logo: on a plate, and swapped for a light one in dark mode.
    built = {slug: b.html for slug, b in built_examples.items()}
    for house in ("logo-house", "logo-swap-house"):
        built[house] = render(FIXTURES / house / "2024-01-12.yaml").html
    paths = []
    for slug, html in built.items():
        path = tmp_path / f"{slug}.html"
        path.write_text(html)
        paths.append(path)
    found = errors(paths)
    unexpected = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in found
        if not any(idiom.match(m["message"]) for idiom in EMAIL_IDIOMS)
    ]
    assert not unexpected, "\n".join(unexpected)
    # The idioms are really there, so the allow list is not hiding a checker that saw nothing.
    assert any(EMAIL_IDIOMS[0].match(m["message"]) for m in found)


def test_the_checker_catches_an_invalid_attribute(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="en"><head><title>t</title></head><body>'
                    '<table role="presentation"><tr><td vertical-align="middle">x</td></tr></table></body></html>')
    [message] = [m["message"] for m in errors([page])]
    assert message == "Attribute “vertical-align” not allowed on element “td” at this point."
