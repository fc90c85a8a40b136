"""The HTML part, parsed: the house parts in house order, and nothing an email must not carry."""

from __future__ import annotations

import re

from composer import markdown
from conftest import soup

PADDING = "\u034f\u200c\u00a0"


def visible_text(element) -> str:
    return " ".join(element.get_text(" ").split())


def test_document_head(example):
    html, edition = example.html, example.edition
    assert html.startswith("<!doctype html>")
    doc = soup(html)
    assert doc.html["lang"] == "en"
    title = doc.title.get_text()
    assert title.startswith("Diplomacy Watch: ")
    # Browsers and screen readers cut longer titles; the subject line may stay longer.
    assert len(title) <= 70
    if len(edition.title) <= 70:
        assert title == edition.title
    else:
        assert title.endswith("…") and edition.title.startswith(title[:-1].rstrip())
        assert edition.title[len(title[:-1].rstrip())] == " ", "cut between words"


def test_content_sits_in_the_accessible_email_wrapper(example):
    # The wrapper email accessibility guides recommend: webmail shows the email inside
    # its own main landmark, so the email is an article named by its subject.
    doc, edition = soup(example.html), example.edition
    [wrapper] = doc.body.find_all(recursive=False)
    assert wrapper.name == "div" and wrapper["role"] == "article"
    assert wrapper["aria-roledescription"] == "email"
    assert wrapper["aria-label"] == edition.subject
    assert wrapper["lang"] == edition.house.language and wrapper["dir"] == "ltr"
    assert visible_text(wrapper) == visible_text(doc.body)


def test_preheader_is_hidden_and_padded(example):
    doc = soup(example.html)
    hidden = doc.select_one("div.dw-preheader")
    assert "display:none" in hidden["style"].replace(" ", "")
    text = hidden.get_text()
    assert text.startswith(example.edition.preheader)
    # The padding must fill the inbox preview, so no body text follows the preheader there.
    padding = text[len(example.edition.preheader) :]
    assert set(padding) == set(PADDING) and len(padding) >= 200
    # It is the first thing in the body, before any visible text.
    assert visible_text(doc.body).startswith(visible_text(hidden))


def test_house_parts_in_house_order(example):
    doc = soup(example.html)
    issue, house = example.edition.issue, example.edition.house
    elements = doc.body.find_all(True)
    position = {id(el): i for i, el in enumerate(elements)}

    def first(predicate, what):
        for el in elements:
            if el.name in ("p", "h1", "a", "blockquote", "li") and predicate(visible_text(el), el):
                return position[id(el)]
        raise AssertionError(f"{what} not found")

    lead_start = " ".join(markdown.inline_to_text(issue.lead.split("\n\n")[0].replace("\n", " ")).split())[:30]
    order = [
        first(lambda t, el: t == f"{issue.kind} | {markdown.inline_to_text(issue.section)}", "label line"),
        first(lambda t, el: el.name == "h1", "headline"),
        first(lambda t, el: t == markdown.inline_to_text(issue.dek), "dek"),
        first(lambda t, el: t.startswith(lead_start[:20]), "lead story"),
        first(lambda t, el: t == house.lead_ins.other_news, "other-news lead-in"),
        first(lambda t, el: t.startswith("— "), "first item"),
        first(lambda t, el: t == house.lead_ins.state_department, "State Department lead-in"),
        # Many weeks run no appeal (`appeal: false`); when one runs, it opens the footer.
        *([first(lambda t, el: t.startswith("Dear RS readers:"), "appeal")] if example.edition.appeal else []),
        first(lambda t, el: el.name == "a" and t.startswith("Unsubscribe"), "unsubscribe link"),
        first(lambda t, el: t == house.postal_address, "postal address"),
    ]
    assert order == sorted(order)


def test_headline_is_the_only_h1_and_carries_the_house_prefix(example):
    doc = soup(example.html)
    [h1] = doc.find_all("h1")
    assert visible_text(h1) == example.edition.title


def test_lead_ins_are_bold(example):
    doc = soup(example.html)
    house = example.edition.house
    for lead_in in (house.lead_ins.other_news, house.lead_ins.state_department):
        strong = doc.find("strong", string=lead_in)
        assert strong is not None, lead_in


def test_every_item_is_one_paragraph_opening_with_an_em_dash(example):
    doc = soup(example.html)
    items = [p for p in doc.find_all("p") if visible_text(p).startswith("— ")]
    assert len(items) == len(example.edition.issue.items)
    for p, source in zip(items, example.edition.issue.items, strict=True):
        assert p.find("a", href=True), "every item credits its source with a link"
        assert [a["href"] for a in p.find_all("a")] == markdown.links(source)


def test_state_department_standard_line_exactly_when_the_editor_wrote_none(example):
    text = visible_text(soup(example.html).body)
    edition = example.edition
    lines = edition.house.state_department_lines
    if edition.issue.state_department:
        assert lines.standard not in text and lines.prior_to_publication not in text
        assert soup(example.html).select(".dw-state-department blockquote")
    elif edition.issue.state_department_line == "prior-to-publication":
        assert text.count(lines.prior_to_publication) == 1 and lines.standard not in text
    else:
        assert text.count(lines.standard) == 1 and lines.prior_to_publication not in text


def test_examples_cover_all_three_state_department_forms(built_examples):
    forms = {
        "summary" if b.edition.issue.state_department else b.edition.issue.state_department_line
        for b in built_examples.values()
    }
    assert forms == {"summary", "standard", "prior-to-publication"}


def test_nothing_external_is_loaded(example):
    doc = soup(example.html)
    assert doc.find("link") is None
    assert doc.find("script") is None
    styles = " ".join(s.get_text() for s in doc.find_all("style"))
    assert "@import" not in styles and "url(" not in styles
    assert "url(" not in " ".join(el.get("style", "") for el in doc.find_all(style=True))


def test_no_mjml_left_unconverted(example):
    assert not soup(example.html).find(re.compile(r"^mj-"))


def test_every_image_has_alt_text(example):
    for img in soup(example.html).find_all("img"):
        assert img.get("alt", "").strip(), img


def test_every_link_is_absolute(example):
    for a in soup(example.html).find_all("a"):
        assert re.match(r"^(https?://[^/]+|mailto:[^@]+@)", a["href"]), a["href"]


def test_single_600px_column(example):
    doc = soup(example.html)
    widths = {div["style"] for div in doc.find_all("div", style=re.compile("max-width:600px"))}
    assert widths, "the body sits in a 600px-wide column"
    assert not doc.select(".mj-column-per-50, .mj-column-per-33-333333333333336")


def test_typography_reaches_the_html(example):
    text = visible_text(soup(example.html).body)
    assert '"' not in text and " -- " not in text
    assert "“" in text and "’" in text


def test_styles_are_inlined(example):
    doc = soup(example.html)
    link = doc.select_one(".dw-lead a")
    assert "color:" in link["style"]
    assert "font-size:28px" in doc.h1["style"].replace(" ", "")


def test_dark_mode_rules_survive_inlining_with_important(example):
    styles = " ".join(s.get_text() for s in soup(example.html).find_all("style"))
    dark = styles[styles.index("prefers-color-scheme: dark") :]
    assert "!important" in dark
