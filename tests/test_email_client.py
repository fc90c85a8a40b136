"""What mail clients need from the HTML: Outlook fallbacks, accessibility, sizes, links."""

from __future__ import annotations

import re

from composer.render_html import compile_mjml, inline_css, render_css, render_mjml
from conftest import soup

MSO = re.compile(r"<!--\[if [^\]]*mso[^\]]*\]>")
VAGUE_LINK_TEXT = {"click here", "here", "read more", "more", "this link", "link", "learn more"}


def test_every_mso_conditional_survives_inlining(example):
    edition = example.edition
    compiled = compile_mjml(render_mjml(edition))
    inlined = inline_css(compiled, render_css(edition, "inline.css.j2"))
    before = MSO.findall(compiled)
    assert len(before) > 10
    assert MSO.findall(inlined) == before


def test_columns_keep_their_outlook_width(example):
    html = example.html
    columns = html.count('class="mj-outlook-group-fix mj-column-per-100"')
    assert columns > 5
    assert html.count('<!--[if mso | IE]><td style="vertical-align:top;width:600px;"><![endif]-->') == columns


def test_buttons_keep_their_outlook_fallback(example):
    doc = soup(example.html)
    buttons = doc.select("td.dw-button a")
    if example.edition.appeal is None:  # the donate button goes with the appeal
        assert not buttons
        return
    assert buttons, "the house's donate button"
    for a in buttons:
        cell = a.find_parent("td")
        assert cell["bgcolor"].startswith("#")  # Outlook paints bgcolor, not CSS backgrounds
        assert "mso-padding-alt" in cell["style"]
        assert a.get_text(strip=True).lower() not in VAGUE_LINK_TEXT


def test_layout_tables_are_presentational(example):
    tables = soup(example.html).find_all("table")
    assert tables and all(t.get("role") == "presentation" for t in tables)


def test_one_h1_and_headings_in_order(example):
    doc = soup(example.html)
    levels = [int(h.name[1]) for h in doc.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1
    for previous, current in zip(levels, levels[1:]):
        assert current <= previous + 1, levels


def test_images_have_alt_width_and_height(example):
    images = soup(example.html).find_all("img")
    for img in images:
        assert img.get("alt", "").strip(), img  # every image in the house format carries content
        assert img["width"].isdigit() and int(img["width"]) <= 600, img
        assert img["height"].isdigit(), img


def test_no_vague_link_text(example):
    for a in soup(example.html).find_all("a"):
        text = " ".join(a.get_text(" ").split()).lower().strip(".")
        if a.find("img"):
            continue  # an image link is named by its alt text
        assert text and text not in VAGUE_LINK_TEXT, a


def test_colour_scheme_meta_tags(example):
    doc = soup(example.html)
    assert doc.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
    assert doc.find("meta", attrs={"name": "supported-color-schemes"})["content"] == "light dark"


def test_view_in_browser_at_the_top_and_footer_essentials(example):
    doc = soup(example.html)
    edition = example.edition
    links = doc.body.find_all("a")
    assert links[0].get_text() == "View this issue in your browser"
    assert links[0]["href"] == edition.web_url
    footer = doc.select(".dw-fineprint")[-1]
    assert footer.find("a", href=edition.house.unsubscribe_url)
    assert edition.house.postal_address in footer.get_text()


def test_no_web_copy_link_without_a_web_url(tmp_path):
    import shutil

    from composer.pipeline import render
    from conftest import FIXTURES

    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "issue.yaml")
    doc = soup(render(tmp_path / "issue.yaml").html)
    assert not doc.find("a", string=re.compile("View this issue"))
    assert doc.select(".dw-fineprint")[-1].find("a", string=re.compile("^Unsubscribe"))
