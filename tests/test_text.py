"""The plain-text part: same parts, same order, 78 columns, numbered references."""

from __future__ import annotations

import re

from conftest import soup

from composer import markdown

REFERENCE = re.compile(r"^\[(\d+)\] (\S+)$")


def test_same_parts_in_the_same_order(example):
    text, edition = example.text, example.edition
    issue, house = edition.issue, edition.house
    parts = [
        f"{issue.kind} | {markdown.inline_to_text(issue.section)}".upper(),
        edition.title,
        markdown.inline_to_text(issue.dek),
        house.lead_ins.other_news,
        "— ",
        house.lead_ins.state_department,
        *(["Dear RS readers:"] if edition.appeal else []),  # many weeks run no appeal
        "Unsubscribe: ",
        house.postal_address,
    ]
    flat = " ".join(text.split())
    positions = [flat.index(" ".join(part.split())) for part in parts]
    assert positions == sorted(positions)


def test_lines_fit_in_78_columns(example):
    for line in example.text.splitlines():
        assert len(line) <= 78, line


def test_items_keep_their_em_dash(example):
    starts = [line for line in example.text.splitlines() if line.startswith("— ")]
    assert len(starts) == len(example.edition.issue.items)


def test_block_quotes_are_marked(example):
    # A quote that belongs to an item is indented under the item's em dash.
    quoted_blocks = [b.replace("\n  ", "\n")[2:] if b.startswith("  > ") else b
                     for b in example.text.split("\n\n") if b.startswith(("> ", "  > "))]
    quotes = soup(example.html).find_all("blockquote")
    assert len(quoted_blocks) == len(quotes)  # each quote of the HTML is one marked block, and no other
    for block in quoted_blocks:
        assert all(line == ">" or line.startswith("> ") for line in block.splitlines())
    unquoted = [" ".join(re.sub(r" \[\d+\]", "", b.replace(">", " ")).split()) for b in quoted_blocks]
    for quote in quotes:
        assert " ".join(quote.get_text(" ").split()).replace(" .", ".").replace(" ,", ",") in unquoted


def test_the_examples_hold_block_quotes(built_examples):
    """So that the test above compares quotes for at least one example, not only empty lists."""
    assert any(soup(built.html).find("blockquote") for built in built_examples.values())


def test_a_quote_of_two_paragraphs_stays_one_marked_block():
    from composer.render_text import TextWriter

    writer = TextWriter()
    writer.markdown("Before it.\n\n> First paragraph of the quote.\n>\n> Second one.\n\nAfter it.")
    assert writer.text() == "Before it.\n\n> First paragraph of the quote.\n>\n> Second one.\n\nAfter it.\n"


def test_links_become_numbered_references_after_their_section(example):
    lines = example.text.splitlines()
    references = {}
    for number, line in enumerate(lines):
        match = REFERENCE.match(line)
        if match:
            references.setdefault(int(match[1]), (number, match[2]))
    markers = [(number, int(n)) for number, line in enumerate(lines) for n in re.findall(r" \[(\d+)\]", line)
               if not REFERENCE.match(line)]
    assert markers, "the examples have links"
    for line_number, n in markers:
        assert n in references, f"[{n}] has no reference line"
        # Listed after the text that uses it, and before the next blank-line-separated section heading.
        assert references[n][0] > line_number
    assert sorted(references) == list(range(1, len(references) + 1))


def test_no_line_starts_with_a_reference_marker(example):
    """"[5]" alone at the start of a line reads as a reference, not as the marker of the word before it."""
    for line in example.text.splitlines():
        assert not re.match(r"\[\d+\]", line) or REFERENCE.match(line), line


def test_every_html_link_is_in_the_text(example):
    hrefs = {a["href"] for a in soup(example.html).find_all("a", href=True)}
    for href in hrefs:
        assert href in example.text, href


def test_text_has_no_markup(example):
    assert "<" not in example.text.replace("<https", "")
    assert "**" not in example.text and "](" not in example.text


def test_image_credits_of_the_html_are_in_the_text(example):
    credits = [" ".join(p.get_text(" ").split()) for p in soup(example.html).select(".dw-credit p, p.dw-credit")]
    flat = " ".join(example.text.split())
    for credit in credits:
        assert credit in flat, credit


def test_teaser_image_credits_reach_the_text(built_examples):
    teasers = [t for built in built_examples.values() for t in built.edition.issue.teasers if t.image and t.image.credit]
    assert teasers, "an example has a teaser image with a credit"
    for built in built_examples.values():
        for teaser in built.edition.issue.teasers:
            if teaser.image and teaser.image.credit:
                assert f"Top image credit: {markdown.inline_to_text(teaser.image.credit)}" in built.text
