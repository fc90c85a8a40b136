"""What mail clients need from the HTML: Outlook fallbacks, accessibility, sizes, links."""

from __future__ import annotations

import re

import mjml

from composer.mjml_fixes import merge_outlook_blocks
from composer.render_html import compile_mjml, inline_css, render_css, render_mjml
from conftest import soup

MSO = re.compile(r"<!--\[if [^\]]*mso[^\]]*\]>")
MSO_BLOCK = re.compile(r"<!--\[if mso \| IE\]>(.*?)<!\[endif\]-->", re.S)
ADJACENT_MSO = re.compile(r"(?<!<!--)<!\[endif\]-->\s*<!--\[if mso \| IE\]>")
VAGUE_LINK_TEXT = {"click here", "here", "read more", "more", "this link", "link", "learn more"}


def test_every_mso_conditional_survives_inlining(example):
    edition = example.edition
    compiled = compile_mjml(render_mjml(edition))
    inlined = inline_css(compiled, render_css(edition, "inline.css.j2"))
    before = MSO.findall(compiled)
    assert len(before) > 10
    assert MSO.findall(inlined) == before


def outlook_blocks(html: str) -> list[str]:
    return MSO_BLOCK.findall(html)


def test_columns_keep_their_outlook_width(example):
    html = example.html
    columns = html.count('class="mj-outlook-group-fix mj-column-per-100"')
    assert columns > 5
    cells = sum(block.count('<td style="vertical-align:top;width:600px;">') for block in outlook_blocks(html))
    assert cells == columns


def test_outlook_tables_carry_every_class_of_their_section(example):
    # Official MJML suffixes each of a section's classes with -outlook, not only the last.
    sections = soup(example.html).select("div.dw-band, div.dw-fineprint")
    assert len(sections) > 5 and any(len(div["class"]) > 1 for div in sections)
    tables = [soup(block).find("table", class_=True) for block in outlook_blocks(example.html)]
    outlook = [" ".join(t["class"]) for t in tables if t is not None and "mj-outlook-group-fix" not in t["class"]]
    assert outlook == [" ".join(f"{name}-outlook" for name in div["class"]) for div in sections]


def test_adjacent_outlook_blocks_are_merged(example):
    # One Outlook-only block that ends where the next begins is only bytes against Gmail's clipping limit.
    assert not ADJACENT_MSO.search(example.html)
    assert len(outlook_blocks(example.html)) > 5


def test_merging_keeps_what_every_client_sees(example):
    compiled = mjml.mjml2html(render_mjml(example.edition), fonts={}, disable_comments=True)
    merged = merge_outlook_blocks(compiled)
    assert len(ADJACENT_MSO.findall(compiled)) > 10  # what mjml-python leaves
    assert not ADJACENT_MSO.search(merged)

    def outlook_view(html: str) -> str:  # Outlook opens every block
        return re.sub(r"(?<!<!--)<!\[endif\]-->|<!--\[if mso \| IE\]>", "", html)

    assert outlook_view(merged) == outlook_view(compiled)
    assert MSO_BLOCK.sub("", merged) == MSO_BLOCK.sub("", compiled)  # everyone else skips them


def test_outlook_blocks_as_official_mjml_writes_them(example):
    from npm_tools import official_mjml

    source = render_mjml(example.edition)
    official, ours = official_mjml(source), compile_mjml(source)

    def outlook_classes(html: str) -> list[str]:
        return [" ".join(t["class"]) for block in outlook_blocks(html) for t in soup(block).find_all("table", class_=True)]

    assert len(outlook_blocks(ours)) == len(outlook_blocks(official))
    assert outlook_classes(ours) == outlook_classes(official)
    assert not ADJACENT_MSO.search(official)


def test_links_open_the_clients_own_way(example):
    # Gmail ignores target=_blank and caniemail flags it; every client opens links outside the email anyway.
    assert not soup(example.html).find_all(target=True)


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
