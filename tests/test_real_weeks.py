"""What published issues do, in the HTML and the text alike: an item that quotes its source,
weeks without an appeal, the social line, teasers as the magazine prints them, and a briefing
quoted over several paragraphs. Most of it is shown by examples/2023-11-17.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli, soup

from composer import markdown
from composer.loader import load_edition
from composer.pipeline import render

WEEK = "2023-11-17"  # the example that uses every part below
REFERENCE = re.compile(r"^\[(\d+)\] (\S+)$")


def words(element) -> str:
    return " ".join(element.get_text(" ").split()).replace(" .", ".").replace(" ,", ",")


def references(text: str) -> dict[int, str]:
    return {int(m[1]): m[2] for line in text.splitlines() if (m := REFERENCE.match(line))}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def week(built_examples):
    return built_examples[WEEK]


# -- an item followed by a quoted passage ------------------------------------

def test_an_items_quote_is_a_block_quote_inside_the_item_in_the_html(week):
    doc = soup(week.html)
    quoted = [n for n, item in enumerate(week.edition.issue.items) if markdown.item_quote_to_html(item)]
    assert quoted == [0]
    [block] = doc.select(".dw-other-news .dw-item-with-quote")
    paragraph, quote = block.find_all(recursive=False)
    assert paragraph.name == "p" and words(paragraph).startswith("— On Monday, the European Commission")
    assert paragraph.find("a")["href"] == markdown.links(week.edition.issue.items[0])[0]
    assert quote.name == "blockquote"
    assert words(quote).startswith("The European Union cannot keep taking decisions")
    # The item is still one item: one em dash, and the quote does not start an item of its own.
    dashes = [p for p in doc.select(".dw-other-news p") if words(p).startswith("— ")]
    assert len(dashes) == len(week.edition.issue.items)
    assert quote.find_parent(class_="dw-item-with-quote") is block


def test_an_items_quote_is_indented_under_its_em_dash_in_the_text(week):
    blocks = week.text.split("\n\n")
    first = next(i for i, b in enumerate(blocks) if b.startswith("— On Monday, the European Commission"))
    quote = blocks[first + 1].splitlines()
    assert all(line.startswith("  > ") for line in quote), quote
    assert flat(" ".join(line[4:] for line in quote)).startswith("The European Union cannot keep taking decisions")
    assert blocks[first + 2].startswith("— On Wednesday")


# -- weeks without an appeal; the house's defaults ----------------------------

def test_footer_appeal_false_drops_the_appeal_and_the_donate_button(week):
    assert week.edition.appeal is None and week.edition.subscribe
    doc = soup(week.html)
    assert not doc.select(".dw-appeal") and not doc.select("td.dw-button")
    assert "Dear RS readers" not in doc.get_text() and "Dear RS readers" not in week.text
    house = week.edition.house
    assert not doc.find("a", href=house.donate.url) and house.donate.url not in week.text
    subscribe = doc.select_one(".dw-subscribe")
    assert words(subscribe).startswith("Diplomacy Watch arrives every Friday")
    assert "Diplomacy Watch arrives every Friday" in flat(week.text)


def test_the_other_examples_still_run_the_appeal_with_its_button(built_examples):
    for name, built in built_examples.items():
        if name == WEEK:
            continue
        doc = soup(built.html)
        assert words(doc.select_one(".dw-appeal")).startswith("Dear RS readers:")
        assert doc.select("td.dw-button a")


def _footer_of(issue_dir: Path, house: str, footer: str = "") -> tuple[object, str]:
    (issue_dir / "house.yaml").write_text(house)
    issue = issue_dir / "2024-01-12.yaml"
    if footer:
        issue.write_text(issue.read_text() + footer)
    built = render(issue)
    return soup(built.html), built.text


def test_house_appeal_false_is_the_default_and_an_issue_can_still_run_one(issue_dir: Path):
    doc, text = _footer_of(issue_dir, "appeal: false\n")
    assert not doc.select(".dw-appeal") and not doc.select("td.dw-button")
    assert "Dear RS readers" not in text and doc.select_one(".dw-subscribe")

    doc, text = _footer_of(issue_dir, "appeal: false\n",
                           'footer:\n  appeal: "Dear RS readers: a special request this week."\n')
    assert words(doc.select_one(".dw-appeal")) == "Dear RS readers: a special request this week."
    assert doc.select("td.dw-button a")
    assert "Dear RS readers: a special request this week." in text


def test_subscribe_false_in_the_house_or_the_issue(issue_dir: Path):
    doc, text = _footer_of(issue_dir, "subscribe: false\n")
    assert not doc.select(".dw-subscribe") and "Forwarded this email?" not in text
    assert doc.select_one(".dw-appeal")

    doc, text = _footer_of(issue_dir, "subscribe: false\n", "footer: {appeal: false}\n")
    assert not doc.select(".dw-appeal") and not doc.select(".dw-subscribe")
    assert "Dear RS readers" not in text and "Forwarded this email?" not in text
    # The legal footer stays whatever the week runs.
    assert doc.find("a", string=re.compile("^Unsubscribe")) and "Unsubscribe: " in text


# -- follow us on social ------------------------------------------------------

def test_social_line_sits_under_the_masthead_as_text_links(week):
    doc = soup(week.html)
    social = week.edition.house.social
    assert [link.name for link in social] == ["X", "Facebook", "YouTube", "LinkedIn", "Bluesky"]
    [line] = doc.select(".dw-social p")
    assert words(line).startswith("Follow us on social:")
    assert [(a.get_text(), a["href"]) for a in line.find_all("a")] == [(link.name, link.url) for link in social]
    assert not line.find("img") and not doc.select(".dw-social img")
    text = doc.body.get_text(" ")
    assert text.index("Follow us on social") < text.index(week.edition.title.split(":")[0] + ":")
    masthead = doc.select_one(".dw-part-masthead")
    assert masthead is not None and line in masthead.find_all("p")


def test_social_line_in_the_text_part_with_numbered_references(week):
    refs = references(week.text)
    line_block = next(b for b in week.text.split("\n\n") if b.startswith("Follow us on social:"))
    found = re.findall(r"(\w+) \[(\d+)\]", flat(line_block))
    assert [(name, refs[int(n)]) for name, n in found] == [(s.name, s.url) for s in week.edition.house.social]
    # After the headline block (label, headline, dek, byline), before the lead.
    byline = "By " + week.edition.issue.authors[0]
    lead = markdown.block_to_text(week.edition.issue.lead)[:30]
    text = flat(week.text)
    assert text.index(byline) < text.index("Follow us on social:") < text.index(lead)


def test_no_social_line_without_social_accounts(issue_dir: Path):
    built = render(issue_dir / "2024-01-12.yaml")
    assert not soup(built.html).select(".dw-social") and "Follow us" not in built.text


# -- teasers as the magazine prints them ---------------------------------------

def test_teasers_carry_section_label_top_image_credit_and_keep_reading(week):
    doc = soup(week.html)
    teasers = week.edition.issue.teasers
    assert {t.label for t in teasers} == {"Middle East", "Global Crises", "Reporting | QiOSK"}
    sections = doc.select(".dw-teaser")
    assert len(sections) == len(teasers)
    for section, teaser in zip(sections, teasers, strict=True):
        assert words(section.select_one(".dw-label")) == teaser.label
        assert words(section.select_one(".dw-credit")) == f"Top image credit: {teaser.image.credit}"
        last = section.find_all("a")[-1]
        assert last.get_text() == "Keep reading" and last["href"] == teaser.url
        assert last["aria-label"] == f"Keep reading: {markdown.inline_to_text(teaser.headline)}"


def test_teasers_in_the_text_end_with_a_keep_reading_reference(week):
    refs = references(week.text)
    lines = week.text.splitlines()
    for teaser in week.edition.issue.teasers:
        # The label as written, "Reporting | QiOSK" (not "QIOSK"), before the headline.
        headline = markdown.inline_to_text(teaser.headline)
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{teaser.label}: {headline[:20]}"))
        end = next(i for i in range(start, len(lines)) if lines[i].startswith("Keep reading ["))
        block = "\n".join(lines[start:end + 1])
        assert f"Top image credit: {teaser.image.credit}" in block
        assert refs[int(re.search(r"\[(\d+)\]", lines[end])[1])] == teaser.url
        assert "Read it:" not in block


# -- a briefing quoting several paragraphs with [...] cuts ---------------------

def test_multi_paragraph_briefing_stays_one_block_quote(week):
    doc = soup(week.html)
    [quote] = doc.select(".dw-state-department blockquote")
    paragraphs = quote.find_all("p")
    assert len(paragraphs) == 3
    assert all("[...]" in p.get_text() for p in paragraphs)

    part = week.text[week.text.index(week.edition.house.lead_ins.state_department):]
    quoted = [b for b in part.split("\n\n") if b.startswith("> ")]
    assert len(quoted) == 1, "one quote, its paragraphs joined by bare '>' lines"
    assert quoted[0].splitlines().count(">") == 2
    assert quoted[0].count("[...]") == 3


def test_the_new_example_is_the_latest_and_builds(tmp_path: Path):
    result = run_cli("build", Path(__file__).parent.parent / "examples" / f"{WEEK}.yaml", "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / f"{WEEK}.html").stat().st_size > 10_000
    edition = load_edition(Path(__file__).parent.parent / "examples" / f"{WEEK}.yaml")
    assert edition.issue.date.isoformat() == WEEK and edition.issue.date.strftime("%A") == "Friday"
