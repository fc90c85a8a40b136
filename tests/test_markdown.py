"""House typography and the Markdown the house accepts."""

from __future__ import annotations

import pytest
from conftest import soup

from composer import markdown
from composer.render_text import TextWriter


def test_straight_quotes_become_curly():
    html = markdown.to_html("He said \"we're ready\" and 'soon'.")
    assert soup(html).p.get_text() == "He said “we’re ready” and ‘soon’."


def test_double_hyphen_and_three_dots():
    assert soup(markdown.to_html("Talks -- stalled... again")).p.get_text() == "Talks — stalled… again"


def test_cut_mark_in_brackets_is_kept():
    html = markdown.to_html('> "We will [...] keep going"')
    assert soup(html).blockquote.get_text().strip() == "“We will [...] keep going”"


def test_urls_and_code_are_not_touched():
    source = "See [the report...](https://example.org/a--b/c...d?q=\"x\") and `a -- b` <https://x.org/a--b>"
    doc = soup(markdown.to_html(source))
    hrefs = [a["href"] for a in doc.find_all("a")]
    assert hrefs[0] == "https://example.org/a--b/c...d?q=%22x%22"
    assert hrefs[1] == "https://x.org/a--b"
    assert doc.find_all("a")[1].get_text() == "https://x.org/a--b"
    assert doc.code.get_text() == "a -- b"
    assert doc.find_all("a")[0].get_text() == "the report…"


def test_prose_supports_emphasis_quotes_and_lists():
    doc = soup(markdown.to_html("*one* **two**\n\n> quoted\n\n- a\n- b\n\n1. x\n2. y"))
    assert doc.em.get_text() == "one" and doc.strong.get_text() == "two"
    assert doc.blockquote.p.get_text() == "quoted"
    assert [li.get_text() for li in doc.ul.find_all("li")] == ["a", "b"]
    assert [li.get_text() for li in doc.ol.find_all("li")] == ["x", "y"]


@pytest.mark.parametrize(
    "href, ok",
    [
        ("https://example.org/", True),
        ("http://example.org/", True),
        ("mailto:desk@example.org", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,hi", False),
        ("/relative/path", False),
        ("example.org/page", False),
        ("https:///nohost", False),
        ("mailto:", False),
    ],
)
def test_link_schemes(href, ok):
    assert (markdown.link_problem(href) is None) == ok


def test_raw_html_is_refused_not_rendered():
    findings = markdown.block_findings("Fine <span>text</span>\n\n<div>\nblock\n</div>")
    assert [f.snippet for f in findings] == ["<span>", "</span>", "<div>"]


def test_plain_text_wraps_and_numbers_links():
    writer = TextWriter()
    writer.markdown(("word " * 30) + "[a link](https://example.org/a) and [again](https://example.org/a)")
    writer.end_section()
    text = writer.text()
    assert all(len(line) <= 78 for line in text.splitlines())
    assert "a link [1] and again [1]" in " ".join(text.split())
    assert text.rstrip().endswith("[1] https://example.org/a")


def test_plain_text_never_breaks_a_url():
    url = "https://example.org/" + "a" * 90
    writer = TextWriter()
    writer.markdown(f"Read <{url}> now")
    writer.end_section()
    assert f"[1] {url}" in writer.text().splitlines()


def test_plain_text_lists_and_nested_quotes():
    writer = TextWriter()
    writer.markdown("- first point\n- second point\n\n> outer\n>\n> > inner")
    assert writer.text() == "- first point\n- second point\n\n> outer\n>\n> > inner\n"
