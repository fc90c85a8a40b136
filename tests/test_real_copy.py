"""Correct copy as working editors write it builds unchanged; broken copy is stopped at its line.

Each case comes from a real week that composer refused, changed or let through (issue 22).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, soup
from test_bad_input import problems

from composer.render_text import TextWriter

CHECK = FIXTURES / "check"
MINIMAL = FIXTURES / "good" / "minimal.yaml"


def week(tmp_path: Path, *replacements: tuple[str, str], date: str | None = None, extra: str = "") -> Path:
    """The full-length check fixture with some text replaced, beside the fixtures' house.yaml."""
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    text = (CHECK / "base.yaml").read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    if date:
        text = text.replace("date: 2023-03-17", f"date: {date}", 1)
    issue = tmp_path / f"{date or '2023-03-17'}.yaml"
    issue.write_text(text + extra)
    return issue


def minimal(tmp_path: Path, *replacements: tuple[str, str], extra: str = "") -> Path:
    text = MINIMAL.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    issue = tmp_path / "2024-01-12.yaml"
    issue.write_text(text + extra)
    return issue


def findings(issue: Path) -> list[dict]:
    result = run_cli("check", issue, "--format", "json")
    return [f for entry in json.loads(result.stdout)["files"] for f in entry["findings"]]


def found(issue: Path, code: str) -> list[tuple[int, int]]:
    return [(f["line"], f["column"]) for f in findings(issue) if f["code"] == code]


def line_of(issue: Path, text: str) -> int:
    return next(n for n, line in enumerate(issue.read_text().splitlines(), 1) if text in line)


def built(issue: Path, out: Path):
    result = run_cli("build", issue, "-o", out)
    assert result.exit_code == 0, result.stderr
    return soup((out / f"{issue.stem}.html").read_text()), (out / f"{issue.stem}.txt").read_text()


def words(element) -> str:
    return " ".join(element.get_text().split())


# -- 1. a link or emphasis touching a letter ---------------------------------------------------------------

def test_links_and_emphasis_that_touch_letters_build(tmp_path: Path):
    issue = minimal(
        tmp_path,
        ("according to\n  [Reuters](https://www.reuters.com/world/).",
         "one of them told[PBS](https://www.pbs.org/newshour/) it was **un**likely to last."),
        ("the talks continued, according to [the AP](https://apnews.com/).",
         "the first [F-16](https://apnews.com/article/f16)s arrived, according to the AP."),
    )
    doc, text = built(issue, tmp_path / "out")
    lead = next(p for p in doc.select(".dw-lead p") if "told" in p.get_text())
    assert words(lead) == "On Tuesday, negotiators met in Istanbul, one of them toldPBS it was unlikely to last."
    assert lead.find("a")["href"] == "https://www.pbs.org/newshour/" and lead.find("strong").get_text() == "un"
    item = doc.select(".dw-item")[0]
    assert words(item) == "— On Wednesday, the first F-16s arrived, according to the AP."
    assert "toldPBS [1] it was unlikely" in " ".join(text.split())


def override_other_news(issue_dir: Path, old: str, new: str) -> None:
    """A house theme whose other-news template is the built-in one with `old` replaced by `new`."""
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True, exist_ok=True)
    original = (Path(__file__).parent.parent / "templates" / "parts" / "other_news.mjml.j2").read_text()
    assert old in original
    (theme / "other_news.mjml.j2").write_text(original.replace(old, new))
    (issue_dir / "house.yaml").write_text("templates: theme\n")


def test_a_theme_that_drops_one_item_is_still_refused(issue_dir: Path):
    override_other_news(issue_dir, "{% for item in issue.items %}", "{% for item in issue.items[:1] %}")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert (line, column) == (13, 5) and "the text of `items[1]` is missing from the finished HTML" in message
    assert not (issue_dir / "out").exists()


def test_a_theme_that_drops_a_letter_glued_to_a_link_is_refused(issue_dir: Path):
    """Glued words are compared glued on both sides: a theme that keeps the words (with no link) builds,
    one that loses the "s" of "F-16s" does not."""
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text().replace("the talks continued, according to [the AP](https://apnews.com/).",
                                               "the first [F-16](https://apnews.com/f16)s arrived."))
    paragraph = '{{ item | paragraph("item-" ~ loop.index) }}'
    override_other_news(issue_dir, paragraph, "{{ item | paragraph | striptags }}")
    assert run_cli("build", issue, "-o", issue_dir / "plain").exit_code == 0
    override_other_news(issue_dir, paragraph, "{{ item | replace('s arrived', ' arrived') | paragraph }}")
    result = run_cli("build", issue, "-o", issue_dir / "out")
    assert result.exit_code == 2 and "the text of `items[0]` is missing" in result.stderr


# -- 2. a date without a year in next January --------------------------------------------------------------

def test_a_date_in_next_january_resolves_forwards(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Congress convenes on Friday, Jan. 3, and word of the trip first surfaced on Monday,"),
                 date="2024-12-27")
    reported = [f for f in findings(issue) if f["code"] in ("DW202", "DW203")]
    assert [(f["code"], f["severity"], f["line"]) for f in reported] == [("DW202", "warning", 15)]
    assert "'Jan. 3' is 2025-01-03, after the issue date 2024-12-27" in reported[0]["message"]


def test_a_date_late_last_year_still_resolves_backwards(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Word of the trip first surfaced on Thursday, Dec. 28,"), date="2024-01-05")
    assert [f for f in findings(issue) if f["code"] in ("DW202", "DW203")] == []


# -- 3. the one-line rule only where a header is made --------------------------------------------------------

def test_fields_that_never_become_headers_fold_like_yaml(tmp_path: Path):
    issue = minimal(
        tmp_path,
        ("dek: Negotiators met for the first time in months",
         "dek: Negotiators met for the first time\n  in months, and agreed to meet again"),
        ("section: QiOSK", "section: Eastern\n  Europe"),
        extra="image:\n  url: https://example.org/top.jpg\n  alt: Delegations facing each other\n"
              "    across a long table\n  credit: Jane Smith\n    via Reuters\n  height: 338\n"
              "teasers:\n  - label: Global\n      Crises\n    headline: Why the talks\n      keep stalling\n"
              "    url: https://responsiblestatecraft.org/why/\n    summary: The first paragraph.\n",
    )
    doc, text = built(issue, tmp_path / "out")
    assert words(doc.select_one(".dw-dek")) == "Negotiators met for the first time in months, and agreed to meet again"
    assert doc.find("img", src="https://example.org/top.jpg")["alt"] == "Delegations facing each other across a long table"
    assert words(doc.select_one(".dw-credit")) == "Top image credit: Jane Smith via Reuters"
    assert words(doc.select_one(".dw-teaser .dw-label")) == "Global Crises"
    assert words(doc.select_one(".dw-teaser h3")) == "Why the talks keep stalling"
    assert "REPORTING | EASTERN EUROPE" in text and "Global Crises: Why the talks keep stalling" in text


@pytest.mark.parametrize("field", ["headline", "subject"])
def test_fields_that_become_mail_headers_keep_the_one_line_rule(tmp_path: Path, field: str):
    issue = minimal(tmp_path, extra=f"{field}: Talks about talks\n  resume in Istanbul\n" if field == "subject" else "")
    if field == "headline":
        issue.write_text(issue.read_text().replace("headline: Talks about talks resume in Istanbul",
                                                   "headline: Talks about talks\n  resume in Istanbul"))
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert line == line_of(issue, f"{field}: Talks about talks") and column == len(f"{field}: Talks about talks") + 1
    assert "a line break runs through this value" in message


# -- 4. abbreviations with an apostrophe ---------------------------------------------------------------------

def test_the_apostrophe_after_an_abbreviation_is_curled_everywhere(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Word of the U.N.'s plan and the U.S.'s answer first surfaced on Monday,"))
    doc, text = built(issue, tmp_path / "out")
    assert "the U.N.’s plan and the U.S.’s answer" in words(doc.select_one(".dw-lead"))
    assert "the U.N.’s plan and the U.S.’s answer" in " ".join(text.split())
    assert found(issue, "DW402") == []
    result = run_cli("site", tmp_path, "-o", tmp_path / "site", "--base-url", "https://responsiblestatecraft.org/diplomacy-watch/")
    assert result.exit_code == 0, result.stderr
    page = soup((tmp_path / "site" / "2023-03-17" / "index.html").read_text())
    assert "the U.N.’s plan and the U.S.’s answer" in words(page.select_one(".lead"))


def test_a_quote_opening_a_word_is_still_left_to_the_editor(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Word of the trip, the first since the '90s, first surfaced on Monday,"))
    line = issue.read_text().splitlines()[14]
    assert found(issue, "DW402") == [(15, line.index("'90s") + 1)]


# -- 5. spaces, line breaks, named days, one finding per place ----------------------------------------------------

def test_the_text_part_collapses_runs_of_spaces_as_the_html_does(tmp_path: Path):
    issue = minimal(tmp_path, ("  - On Wednesday, the talks continued, according to [the AP](https://apnews.com/).",
                               "  - >-\n    On Wednesday, the talks\tcontinued,   \n"
                               "    according to [the AP](https://apnews.com/)."))
    doc, text = built(issue, tmp_path / "out")
    item = next(line for line in text.splitlines() if line.startswith("— On Wednesday"))
    assert item == "— On Wednesday, the talks continued, according to the AP [2]."


def test_two_trailing_spaces_are_a_line_break_not_a_mistake(tmp_path: Path):
    issue = minimal(tmp_path, ('  "We are listening," one of them said.',
                               '  "We are listening,"  \n  one of them said.  '))
    doc, text = built(issue, tmp_path / "out")
    paragraph = doc.select(".dw-lead p")[1]
    assert paragraph.find("br") is not None
    assert "“We are listening,”\none of them said." in text
    # The break is Markdown's; only the spaces that end the paragraph are stray.
    assert found(issue, "DW403") == [(line_of(issue, "one of them said.  "), 20)]


def test_september_11_is_a_name_not_a_coming_date(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Word of the trip, the first since the September 11 attacks, first surfaced on Monday,"),
                 date="2023-09-08")
    assert found(issue, "DW202") == []


def test_each_finding_is_reported_once_at_its_own_place(tmp_path: Path):
    issue = week(tmp_path,
                 ("    On Tuesday, a Russian Su-27", "    On Tuesday, March 15, a Russian Su-27"),
                 ("collision; Moscow denied any contact. On Wednesday,",
                  "collision; Moscow denied any contact. On Tuesday, March 15,"))
    lines = issue.read_text().splitlines()
    places = [(n, line.index("Tuesday, March 15") + 1) for n, line in enumerate(lines, 1) if "Tuesday, March 15" in line]
    assert len(places) == 2 and found(issue, "DW203") == places


def test_the_same_straight_quote_twice_is_reported_at_each_place(tmp_path: Path):
    issue = week(tmp_path, ("Word of the trip first surfaced on Monday,",
                            "Word of the trip, the first since the '90s, first surfaced on Monday,"),
                 ("  Kuleba gave a more pointed account.", "  Kuleba, in office since the '90s, gave an account."))
    lines = issue.read_text().splitlines()
    places = [(n, line.index("'90s") + 1) for n, line in enumerate(lines, 1) if "'90s" in line]
    assert len(places) == 2 and found(issue, "DW402") == places


# -- 6. a reference marker never starts a line ------------------------------------------------------------------

@pytest.mark.parametrize("padding", range(50, 80))
def test_a_reference_marker_stays_on_the_line_of_its_link(padding: int):
    writer = TextWriter()
    writer.markdown("x" * (padding - 30) + " the talks resumed, according to [NPR](https://www.npr.org/).")
    lines = writer.text().splitlines()
    assert not [line for line in lines if line.startswith("[")], lines
    assert "NPR [1]." in writer.text()


# -- 7. broken Markdown links ------------------------------------------------------------------------------

BROKEN = {
    "address-not-closed": ("[Reuters](https://www.reuters.com/world/europe/]", "[Reuters](",
                           "its address must end with `)`"),
    "space-before-address": ("[Politico] (https://www.politico.com/)", "[Politico] (",
                             "remove the space between `]` and `(`"),
    "unclosed-bracket": ("[Reuters(https://www.reuters.com/world/)", "[Reuters(", "add the missing `]`"),
    "no-closing-parenthesis": ("[Reuters](https://www.reuters.com/world/ and more", "[Reuters](",
                               "its address must end with `)`"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_link_is_refused_at_its_line_with_the_fix(tmp_path: Path, name: str):
    written, at, fix = BROKEN[name]
    issue = minimal(tmp_path, ("[the AP](https://apnews.com/)", f"the AP and {written}"),
                    ("  [Reuters](https://www.reuters.com/world/).", f"  [Reuters](https://www.reuters.com/world/).\n"
                                                                     f"  Later, {written} said more."))
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 2
    reported = problems(result.stderr)
    lines = issue.read_text().splitlines()
    expected = [(n, lines[n - 1].index(at) + 1) for n, line in enumerate(lines, 1) if written in line]
    assert [(line, column) for _, line, column, _ in reported] == expected
    assert all(fix in message for *_, message in reported), reported
    assert not (tmp_path / "out").exists()


def test_brackets_that_are_not_links_are_left_alone(tmp_path: Path):
    issue = minimal(tmp_path, ('  "We are listening," one of them said.',
                               '  "We are [...] listening [to both sides]," one of them said [sic].'))
    built(issue, tmp_path / "out")


# -- 8. a comment that cuts the text --------------------------------------------------------------------------

def test_an_item_cut_short_by_a_comment_is_a_warning_at_the_hash(tmp_path: Path):
    issue = minimal(tmp_path, ("according to [the BBC](https://www.bbc.com/news/).",
                               "according to [the BBC](https://www.bbc.com/news/). #StandWithUkraine trended"))
    line = line_of(issue, "#StandWithUkraine")
    column = issue.read_text().splitlines()[line - 1].index("#") + 1
    [finding] = [f for f in findings(issue) if f["code"] == "DW002"]
    assert (finding["line"], finding["column"], finding["severity"]) == (line, column, "warning")
    assert "'#StandWithUkraine trended' is not printed" in finding["message"]
    assert ">-" in finding["fix"]


def test_a_comment_inside_text_that_goes_on_names_the_hash_and_the_fix(tmp_path: Path):
    issue = minimal(tmp_path, ("  - On Thursday, they paused, according to [the BBC](https://www.bbc.com/news/).",
                               "  - On Thursday, they paused all day. #StandWithUkraine trended\n"
                               "    worldwide, according to [the BBC](https://www.bbc.com/news/)."))
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert (line, column) == (13, issue.read_text().splitlines()[12].index("#") + 1)
    assert "starts a YAML comment" in message and ">-" in message


def test_comments_after_short_fields_and_hashes_inside_blocks_are_fine(tmp_path: Path):
    issue = minimal(tmp_path, ("kind: Reporting", "kind: Reporting   # or Analysis"),
                    ('  "We are listening," one of them said.', '  "We are listening," one of them said. #peace'))
    assert found(issue, "DW002") == []


# -- 9. weekdays and dates beyond the items -------------------------------------------------------------------

@pytest.mark.parametrize("where, old, new", [
    ("lead", "Word of the trip first surfaced on Monday,", "Word of the trip first surfaced on Tuesday, March 15,"),
    ("state_department", "  On Tuesday, State Department", "  On Tuesday, March 15, State Department"),
])
def test_a_weekday_beside_the_wrong_date_is_caught_outside_the_items(tmp_path: Path, where, old, new):
    issue = week(tmp_path, (old, new))
    line = line_of(issue, new.strip())
    [finding] = [f for f in findings(issue) if f["code"] == "DW203"]
    assert finding["line"] == line and "2023-03-15 was a Wednesday" in finding["message"]


def test_a_weekday_beside_the_wrong_date_in_a_teaser(tmp_path: Path):
    issue = week(tmp_path, extra="teasers:\n  - label: Europe\n    headline: Macron's trip\n"
                                 "    url: https://responsiblestatecraft.org/macron/\n"
                                 "    summary: On Tuesday, March 15, Macron said he would go.\n")
    assert found(issue, "DW203") == [(line_of(issue, "summary: On Tuesday"), 17)]
