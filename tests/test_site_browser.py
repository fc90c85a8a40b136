"""The web edition in real headless Chromium: a phone and a desktop, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import contrast, open_email, screenshot
from conftest import EXAMPLES, run_cli
from test_browser import TEXT_COLOURS

PAGES = ["2023-09-22/index.html", "2023-06-09/index.html", "index.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_cli("site", EXAMPLES, "-o", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1200], ids=["375px", "1200px"])
@pytest.mark.parametrize("name", PAGES, ids=["issue", "issue-with-image", "archive"])
def test_page_reads_well_at_every_width_and_scheme(browser, site, name, width, scheme):
    html = (site / name).read_text()
    page = open_email(browser, html, width=width, scheme=scheme)
    try:
        screenshot(page, f"site-{name.replace('/', '-')}-{width}-{scheme}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of horizontal scroll"
        sizes = page.evaluate("""() => [...document.body.querySelectorAll('*')]
            .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(el => el.getClientRects().length)
            .map(el => [el.tagName, el.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(el).fontSize)])""")
        assert len(sizes) > 10
        small = [s for s in sizes if s[2] < 16]
        assert not small, small
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert ("rgb(29, 29, 31)" if scheme == "dark" else "rgb(255, 255, 255)") == background
        faint = [(c["tag"], c["text"], round(contrast(c["fg"], c["bg"]), 2))
                 for c in page.evaluate(TEXT_COLOURS) if contrast(c["fg"], c["bg"]) < 4.5]
        assert not faint, faint
    finally:
        page.context.close()


@pytest.mark.parametrize("name", PAGES, ids=["issue", "issue-with-image", "archive"])
def test_narrowest_phone_and_print(browser, site, name):
    page = open_email(browser, (site / name).read_text(), width=320)
    try:
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.emulate_media(media="print", color_scheme="dark")
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        assert page.evaluate("() => getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
        hidden = page.evaluate("""() => [...document.querySelectorAll('.site-nav, .teasers, .button, .pagination')]
            .map(el => getComputedStyle(el).display)""")
        assert hidden and set(hidden) == {"none"}
    finally:
        page.context.close()


@pytest.mark.parametrize("name", PAGES, ids=["issue", "issue-with-image", "archive"])
def test_axe_finds_no_violation(browser, site, name):
    from npm_tools import axe_source

    page = open_email(browser, (site / name).read_text(), width=1200)
    try:
        page.add_script_tag(content=axe_source())
        violations = page.evaluate(
            """async () => {
                 const result = await axe.run(document, {resultTypes: ['violations']});
                 return result.violations.map(v => ({id: v.id, impact: v.impact,
                                                     nodes: v.nodes.map(n => n.target.join(' '))}));
               }""")
        assert violations == []
    finally:
        page.context.close()
