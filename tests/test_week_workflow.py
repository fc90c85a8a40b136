"""The week's workflow: next week's draft never holds back this week's site or reaches readers,
the skeleton's examples work as written, the house's ranges agree everywhere, and what the
format could not say before (an image caption, a one-off State Department line). Issue 22."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT, run_cli, soup
from lists import list_issue, write_list
from test_bad_input import problems
from test_site import snapshot, write_issues

from composer import markdown
from composer.ledger import ledger_path
from composer.model import ranges

MINIMAL = (FIXTURES / "good" / "minimal.yaml").read_text()
BASE = "https://responsiblestatecraft.org/diplomacy-watch/"


def issue_file(folder: Path, extra: str = "", *, name: str = "2024-01-12.yaml", text: str = MINIMAL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text + extra)
    return path


def as_draft(text: str) -> str:
    return text.replace("date: 2024-01-12\n", "date: 2024-01-12\nstatus: draft\n", 1)


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def site(folder: Path, out: Path, *options: str):
    return run_cli("site", folder, "-o", out, "--base-url", BASE, *options)


# -- 10. drafts, and a site built issue by issue ------------------------------------------------------------

def test_next_weeks_draft_is_left_out_of_the_site_with_one_line(tmp_path: Path):
    folder = tmp_path / "issues"
    shutil.copytree(EXAMPLES, folder)
    assert run_cli("new", folder).exit_code == 0
    draft = folder / "2023-11-24.yaml"
    result = run_cli("site", folder, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.stderr
    line = line_of(draft, "status: draft")
    assert result.stderr.splitlines() == [f"{draft}:{line}:9: left out of the site: this issue is a draft "
                                          "(`status: draft`); set `status: ready` to publish it"]
    assert result.stdout.splitlines()[-1].startswith("4 issues on the site (1 left out): ")
    assert (tmp_path / "site" / "2023-11-17" / "index.html").is_file()
    assert not (tmp_path / "site" / "2023-11-24").exists()


def test_a_draft_builds_and_goes_out_as_a_test_send(tmp_path: Path):
    draft = issue_file(tmp_path, text=as_draft(MINIMAL))
    result = run_cli("build", draft, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert soup((tmp_path / "out" / "2024-01-12.html").read_text()).h1
    result = run_cli("send", draft, "--to", "ed@example.org")
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_sends_to_readers_refuse_a_draft_before_anything_is_saved_or_sent(tmp_path: Path):
    issue = list_issue(tmp_path)
    issue.write_text(issue.read_text().replace("date: 2023-03-17\n", "date: 2023-03-17\nstatus: draft\n", 1))
    status = (line_of(issue, "status: draft"), 9)
    expected = ("this issue is a draft (`status: draft`), so it is not sent to the list; a draft builds, previews "
                "and goes out as a test send (`composer send`): set `status: ready` when it is finished")
    result = run_cli("publish", issue, "--send", "--yes")
    assert result.exit_code == 2
    assert problems(result.stderr) == [(str(issue), *status, expected)]
    assert not list(tmp_path.glob("*.publish.json"))

    csv = write_list(tmp_path / "list.csv", ["ann@example.org"])
    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 2
    assert problems(result.stderr) == [(str(issue), *status, expected)]
    assert not ledger_path(issue).exists() and not (tmp_path / "outbox").exists()

    # Saving the draft at the platform, for review, is no send: it goes on to ask for the platform.
    result = run_cli("publish", issue)
    assert result.exit_code == 1 and "no platform configured" in result.stderr


def test_an_issue_with_a_problem_keeps_its_page_and_the_others_are_published(tmp_path: Path):
    paths = write_issues(tmp_path / "issues", 3)
    out = tmp_path / "site"
    assert run_cli("site", tmp_path / "issues", "-o", out).exit_code == 0
    before = snapshot(out)
    paths[0].write_text(paths[0].read_text().replace("headline:", "haedline:"))
    paths[1].write_text(paths[1].read_text().replace("Talks about talks", "Talks, at last,"))
    result = run_cli("site", tmp_path / "issues", "-o", out)
    assert result.exit_code == 2
    assert f"{paths[0]}:4:1: unknown key `haedline`" in result.stderr
    assert result.stderr.splitlines()[-1] == f"not published: {paths[0]}; the others are on the site"
    assert "Talks, at last," in (out / paths[1].stem / "index.html").read_text()
    kept = f"{paths[0].stem}/index.html"
    assert snapshot(out)[kept] == before[kept]  # its previous page stays, as `build` keeps previous files
    archive = soup((out / "index.html").read_text())
    assert [li.time["datetime"] for li in archive.select("ol.archive > li")] == [p.stem for p in reversed(paths)]


def test_an_issue_dated_after_today_waits_for_its_day(tmp_path: Path):
    today = date.today()
    folder = tmp_path / "issues"
    past = issue_file(folder, name="past.yaml", text=MINIMAL.replace("2024-01-12", (today - timedelta(7)).isoformat()))
    coming = issue_file(folder, name="coming.yaml",
                        text=MINIMAL.replace("2024-01-12", (today + timedelta(7)).isoformat()))
    out = tmp_path / "site"
    result = site(folder, out)
    assert result.exit_code == 0, result.stderr
    left_out = [line for line in result.stderr.splitlines() if "left out" in line]
    assert left_out == [f"{coming}:1:7: left out of the site until {(today + timedelta(7)).isoformat()}, its date "
                        f"(today is {today.isoformat()}); pass --include-future to publish it now"]
    assert (out / past.stem).is_dir() and not (out / coming.stem).exists()
    assert site(folder, out, "--include-future").exit_code == 0
    assert (out / coming.stem / "index.html").is_file()
    result = site(folder, out)  # without the option again: the page goes until its day
    assert result.exit_code == 0 and not (out / coming.stem).exists()


def test_a_folder_of_drafts_publishes_nothing_and_says_so(tmp_path: Path):
    draft = issue_file(tmp_path / "issues", text=as_draft(MINIMAL))
    result = site(tmp_path / "issues", tmp_path / "site")
    assert result.exit_code == 2 and not (tmp_path / "site").exists()
    assert [message for *_, message in problems(result.stderr)] == [
        "nothing to publish: every issue is a draft or dated after today; the site is left as it was",
        "left out of the site: this issue is a draft (`status: draft`); set `status: ready` to publish it"]
    assert str(draft) in result.stderr


def test_the_site_honours_silence_at_one_line_as_build_does(tmp_path: Path):
    issue = issue_file(tmp_path / "issues", text=MINIMAL.replace(
        "  \"We are listening,\" one of them said.", "  \"We are listening,\" one of them said before the talks of January 19."))
    line = line_of(issue, "January 19")
    result = site(tmp_path / "issues", tmp_path / "site")
    assert f":{line}:" in result.stderr and "DW202" in result.stderr
    issue.write_text(issue.read_text() + f"silence: [DW202@{line}]\n")
    result = site(tmp_path / "issues", tmp_path / "site")
    assert result.exit_code == 0 and "DW202" not in result.stderr


# -- 11. the skeleton's examples, valid as written ---------------------------------------------------------------

FILLED = {
    'kind: ""': "kind: Reporting",
    'section: ""': "section: QiOSK",
    'headline: ""': "headline: Talks about talks resume in Istanbul",
    'dek: ""': "dek: Negotiators met for the first time in months",
}


def test_the_skeletons_image_example_builds_once_uncommented(tmp_path: Path):
    shutil.copy(EXAMPLES / "house.yaml", tmp_path / "house.yaml")
    assert run_cli("new", tmp_path, "--date", "2024-01-12").exit_code == 0
    made = tmp_path / "2024-01-12.yaml"
    lines, filled, inside = made.read_text().splitlines(), [], False
    for line in lines:
        inside = line == "# image:" or (inside and line.startswith("#   "))
        filled.append(line[2:] if inside else line)  # what an editor's "uncomment" does
    text = "\n".join(filled) + "\n"
    for old, new in FILLED.items():
        text = text.replace(old, new)
    lead = "".join(f"  On Tuesday, paragraph {n} of the lead, according to [Reuters](https://www.reuters.com/{n}).\n\n"
                   for n in range(8))
    text = text.replace("lead: |\n", "lead: |\n" + lead).replace('  - ""\n', "  - On Wednesday, the talks went on, "
                                                                 "according to [the AP](https://apnews.com/).\n")
    made.write_text(text)
    result = run_cli("build", made, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    doc = soup((tmp_path / "out" / "2024-01-12.html").read_text())
    image = doc.find("img", src="https://responsiblestatecraft.org/media-library/top-image.jpg")
    assert image["height"] == "338" and image["alt"].startswith("What the picture shows")
    assert doc.select_one(".dw-caption-text").get_text().startswith("What is happening in it")
    assert "height × 600 ÷ its own width" in made.read_text()


def test_a_missing_height_in_braces_is_asked_for_inside_them(tmp_path: Path):
    issue = issue_file(tmp_path, 'image: {url: "https://example.org/a.jpg", alt: Delegates at a table}\n')
    result = run_cli("build", issue, "-o", tmp_path / "out")
    [(path, line, column, message)] = problems(result.stderr)
    assert line == line_of(issue, "image: {")
    assert message == "`height` is missing; add `, height: …` inside the braces of `image`"


# -- 12. an issue off the house's schedule ---------------------------------------------------------------------

def test_an_issue_dated_off_the_schedule_is_a_warning(tmp_path: Path):
    issue = issue_file(tmp_path, text=MINIMAL.replace("date: 2024-01-12", "date: 2024-01-11"), name="2024-01-11.yaml")
    result = run_cli("check", issue, "--format", "json")
    found = [f for f in json.loads(result.stdout)["files"][0]["findings"] if f["code"] == "DW204"]
    assert [(f["line"], f["column"], f["severity"]) for f in found] == [(1, 7, "warning")]
    assert "a Thursday; the house publishes on Fridays" in found[0]["message"]
    (tmp_path / "house.yaml").write_text("schedule: thursday\n")
    result = run_cli("check", issue, "--format", "json")
    assert not [f for f in json.loads(result.stdout)["files"][0]["findings"] if f["code"] == "DW204"]


# -- 13. one source for the house's ranges -----------------------------------------------------------------------

RANGE_PHRASE = re.compile(r"(\d+) ?(?:to|–) ?(\d+) (paragraphs|words|items|teasers)")
BY_UNIT = {"paragraphs": [ranges.LEAD_PARAGRAPHS], "words": [ranges.LEAD_WORDS, ranges.ITEM_WORDS],
           "items": [ranges.ITEMS], "teasers": [ranges.TEASERS]}


def test_the_docs_show_the_house_ranges_of_the_code():
    from composer.codes import CODES

    assert (f"lead {ranges.LEAD_PARAGRAPHS} paragraphs and {ranges.LEAD_WORDS} words, items {ranges.ITEM_WORDS} "
            f"words, {ranges.ITEMS} items, and {ranges.TEASERS} teasers") in CODES["DW406"].explanation
    # Every range a page of the docs writes by hand is the code's.
    found = [(page, *phrase) for page in (ROOT / "docs").rglob("*.md") for phrase in RANGE_PHRASE.findall(page.read_text())]
    assert len(found) >= 3
    for page, low, high, unit in found:
        assert ranges.Range(int(low), int(high)) in BY_UNIT[unit], f"{page}: {low} to {high} {unit}"


def test_the_skeleton_and_the_check_use_the_same_ranges(tmp_path: Path):
    assert run_cli("new", tmp_path, "--date", "2024-01-12").exit_code == 0
    skeleton = (tmp_path / "2024-01-12.yaml").read_text()
    assert f"{ranges.LEAD_PARAGRAPHS} paragraphs, {ranges.LEAD_WORDS} words" in skeleton
    assert f"{ranges.ITEMS} items, each one Markdown paragraph of {ranges.ITEM_WORDS} words" in skeleton
    # A lead of 380 words in 9 paragraphs is short of the house's 400.
    lead = "".join("  " + " ".join(["word"] * 41) + " [x](https://example.org/).\n\n" for _ in range(9))
    issue = issue_file(tmp_path / "check", text=re.sub(r"lead: \|\n(  .*\n|\n)*", "lead: |\n" + lead + "items:\n",
                                                    MINIMAL).replace("items:\nitems:\n", "items:\n"))
    result = run_cli("check", issue, "--format", "json")
    [lead_finding] = [f for f in json.loads(result.stdout)["files"][0]["findings"]
                      if f["code"] == "DW406" and "lead" in f["message"]]
    assert lead_finding["message"] == (f"the lead is 378 words in 9 paragraphs; the house runs "
                                       f"{ranges.LEAD_PARAGRAPHS} paragraphs, {ranges.LEAD_WORDS} words")


# -- 14. small things a reader or an editor sees -------------------------------------------------------------------

def test_counts_read_as_english(tmp_path: Path):
    issue_file(tmp_path / "issues")
    result = site(tmp_path / "issues", tmp_path / "site")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"1 issue on the site: \d+ files written, 0 removed, 0 unchanged, in .+",
                        result.stdout.splitlines()[-1])
    result = run_cli("check", FIXTURES / "check" / "DW405-bad.yaml")
    assert result.stderr.strip() == "0 errors, 1 warning"


def test_a_spam_score_never_reads_minus_zero():
    from composer.commands.check import text_lines

    report = {"files": [{"path": "issue.yaml", "findings": [], "spam": {
        "score": -0.04, "required": 5.0, "rules": [{"name": "HTML_MESSAGE", "score": -0.001, "description": ""}]}}]}
    assert text_lines(report) == ["issue.yaml: SpamAssassin score 0.0 (spam at 5.0); rules: HTML_MESSAGE (+0.0)"]


def test_the_example_house_config_names_files_that_exist():
    named = re.findall(r"composer/[\w/]+\.py", (EXAMPLES / "house.yaml").read_text())
    assert named and all((ROOT / path).is_file() for path in named), named


# -- what the format can now say -------------------------------------------------------------------------------------

CAPTIONED = """image:
  url: https://example.org/top.jpg
  alt: Two delegations facing each other across a long table
  caption: Ukrainian and Russian negotiators in Istanbul on Tuesday
  credit: Jane Smith via Reuters
  height: 338
teasers:
  - label: Europe
    headline: Why the talks keep stalling
    url: https://responsiblestatecraft.org/why/
    image:
      url: https://example.org/teaser.jpg
      alt: A map of the front line
      caption: The front line as it ran in January
      height: 310
      width: 552
    summary: The first paragraph of the piece.
"""


def test_an_image_caption_is_shown_apart_from_the_alt_text_and_the_credit(tmp_path: Path):
    issue = issue_file(tmp_path / "issues", CAPTIONED)
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    doc = soup((tmp_path / "out" / "2024-01-12.html").read_text())
    assert doc.find("img", src="https://example.org/top.jpg")["alt"] == "Two delegations facing each other across a long table"
    captions = [" ".join(p.get_text().split()) for p in doc.select("p.dw-caption-text")]
    assert captions == ["Ukrainian and Russian negotiators in Istanbul on Tuesday", "The front line as it ran in January"]
    [credit] = doc.select(".dw-credit p")
    assert " ".join(credit.get_text().split()) == "Top image credit: Jane Smith via Reuters"
    text = (tmp_path / "out" / "2024-01-12.txt").read_text()
    assert ("[Image: Two delegations facing each other across a long table]\n\n"
            "Ukrainian and Russian negotiators in Istanbul on Tuesday\n\n"
            "Top image credit: Jane Smith via Reuters") in text
    assert "The front line as it ran in January" in text

    assert site(tmp_path / "issues", tmp_path / "site").exit_code == 0
    page = soup((tmp_path / "site" / "2024-01-12" / "index.html").read_text())
    figcaption = page.select_one("article.issue figure figcaption")
    assert [span.get_text() for span in figcaption.find_all("span")] == [
        "Ukrainian and Russian negotiators in Istanbul on Tuesday", "Top image credit: Jane Smith via Reuters"]
    assert page.select_one("aside.teasers figcaption").get_text().strip() == "The front line as it ran in January"


def test_a_theme_that_drops_the_caption_is_refused(tmp_path: Path):
    issue = issue_file(tmp_path, CAPTIONED)
    theme = tmp_path / "theme" / "parts"
    theme.mkdir(parents=True)
    header = (ROOT / "templates" / "parts" / "header.mjml.j2").read_text()
    (theme / "header.mjml.j2").write_text(header.replace("{{ issue.image.caption | inline }}", ""))
    (tmp_path / "house.yaml").write_text("templates: theme\n")
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "the text of `image.caption` is missing" in result.stderr


def test_the_example_issue_shows_a_caption(built_examples):
    captioned = [name for name, built in built_examples.items() if built.edition.issue.image
                 and built.edition.issue.image.caption]
    assert captioned
    for name in captioned:
        doc = soup(built_examples[name].html)
        caption = markdown.inline_to_text(built_examples[name].edition.issue.image.caption)
        assert doc.select_one("p.dw-caption-text").get_text() == caption


NOTE = "The State Department held no briefing this week because of the *holiday*."


def test_a_one_off_state_department_line_replaces_the_standard_line(tmp_path: Path):
    issue = issue_file(tmp_path / "issues", f"state_department_note: {NOTE}\n")
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    doc = soup((tmp_path / "out" / "2024-01-12.html").read_text())
    part = doc.select_one(".dw-state-department")
    paragraphs = [" ".join(p.get_text().split()) for p in part.find_all("p")]
    assert paragraphs == ["U.S. State Department news:",
                          "The State Department held no briefing this week because of the holiday."]
    assert part.find("em").get_text() == "holiday"
    text = (tmp_path / "out" / "2024-01-12.txt").read_text()
    assert "U.S. State Department news:\n\nThe State Department held no briefing this week because of the holiday.\n" in text
    assert "held no press briefing this week" not in text
    assert site(tmp_path / "issues", tmp_path / "site").exit_code == 0
    page = soup((tmp_path / "site" / "2024-01-12" / "index.html").read_text())
    assert "because of the holiday" in page.select_one(".state-department").get_text()


@pytest.mark.parametrize("other", ["state_department_line: prior-to-publication\n",
                                   "state_department: |\n  On Monday, the spokesperson said:\n\n  > Nothing.\n"])
def test_a_one_off_line_goes_alone(tmp_path: Path, other: str):
    issue = issue_file(tmp_path, f"state_department_note: {NOTE}\n{other}")
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert line == line_of(issue, "state_department_note:") and "remove one of the two" in message
