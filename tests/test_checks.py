"""`composer check`: for every code, a fixture that triggers it where expected and one that passes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT, run_cli

from composer.codes import CODES

CHECK = FIXTURES / "check"

# code -> (line, column) of the finding in tests/fixtures/check/<code>-bad.yaml
EXPECTED = {
    "DW001": (2, 7),     # kind: Opinion
    "DW002": (122, 36),  # the ` #` that cuts the last item short
    "DW101": (87, 5),    # the first item, which lost its link
    "DW102": (87, 5),    # the first item, linking only the newsletter's own site
    "DW103": (91, 26),   # [the New York Times](https://apnews.com/…)
    "DW104": (90, 66),   # "according to the New York Times", linking only the Pentagon
    "DW201": (88, 8),    # "next Tuesday"
    "DW202": (15, 38),   # "March 20" in the lead
    "DW203": (88, 8),    # "Tuesday, March 15"
    "DW204": (1, 7),     # dated on a Thursday for a Friday house
    "DW301": (91, 26),   # https://nytimes/...
    "DW302": (91, 26),   # the second use of the same link
    "DW303": (91, 26),   # bit.ly
    "DW304": (91, 5),    # [click here]
    "DW305": (91, 26),   # ?utm_source=twitter
    "DW401": (87, 5),    # "-- On Tuesday"
    "DW402": (15, 52),   # the ' of '90s
    "DW403": (2, 16),    # "kind: Reporting  "
    "DW404": (4, 11),    # headline: Diplomacy Watch on …
    "DW405": (5, 6),     # dek ending with a period
    "DW406": (11, 1),    # a one-paragraph lead
    "DW501": (8, 10),    # an 87-character subject
    "DW502": (9, 12),    # an 18-character preheader
    "DW503": (9, 12),    # the preheader repeats the subject
    "DW505": (8, 8),     # alt: image
}


def check(*args: str):
    result = run_cli("check", *args, "--format", "json")
    return result, json.loads(result.stdout)


def findings(report: dict) -> list[dict]:
    return [f for entry in report["files"] for f in entry["findings"]]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_bad_fixture_triggers_the_code_at_its_line(code: str):
    path = CHECK / f"{code}-bad.yaml"
    result, report = check(str(path))
    found = [f for f in findings(report) if f["code"] == code]
    assert [(f["line"], f["column"]) for f in found] == [EXPECTED[code]]
    assert found[0]["path"] == str(path)
    assert found[0]["severity"] == CODES[code][0]
    assert result.exit_code == (1 if CODES[code][0] == "error" else 0)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_good_fixture_passes(code: str):
    result, report = check(str(CHECK / f"{code}-good.yaml"))
    assert findings(report) == []
    assert result.exit_code == 0


def test_dw504_clipping_budget(tmp_path: Path):
    text = (CHECK / "base.yaml").read_text()
    filler = "".join(f"  Paragraph {n}, padding the lead with a [source](https://example.org/{n}).\n\n" for n in range(900))
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    bad = tmp_path / "2023-03-17.yaml"
    bad.write_text(text.replace("lead: |\n", "lead: |\n" + filler, 1))
    result, report = check(str(bad))
    [found] = [f for f in findings(report) if f["code"] == "DW504"]
    assert (found["line"], found["column"], found["severity"]) == (11, 1, "error")
    assert "over Gmail's clipping limit" in found["message"] and "lead " in found["message"]
    assert result.exit_code == 1
    _, report = check(str(CHECK / "base.yaml"))
    assert not [f for f in findings(report) if f["code"] == "DW504"]


def test_dw506_without_house_config():
    _, report = check(str(FIXTURES / "check-nohouse" / "2023-03-17.yaml"))
    [found] = [f for f in findings(report) if f["code"] == "DW506"]
    assert (found["line"], found["column"]) == (1, 1)
    assert "unsubscribe_url and postal_address not set in house.yaml" in found["message"]
    _, report = check(str(CHECK / "base.yaml"))  # beside a house.yaml that sets both
    assert findings(report) == []


def test_tracking_reaches_every_link_whatever_template_wrote_it(tmp_path: Path):
    """Image credits and an override that names no part are tracked too: one pass over the finished email."""
    from urllib.parse import parse_qs, urlsplit

    from conftest import soup

    issue = FIXTURES / "check-tracking" / "2023-03-17.yaml"  # its theme's lead.mjml.j2 passes no part name
    result = run_cli("build", str(issue), "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "2023-03-17.html").read_text()
    text = (tmp_path / "2023-03-17.txt").read_text()
    parts = {}
    for a in soup(html).find_all("a", href=True):
        url = urlsplit(a["href"])
        query = parse_qs(url.query)
        if url.geturl() in ("https://responsiblestatecraft.org/newsletter/unsubscribe/",
                            "https://responsiblestatecraft.org/diplomacy-watch/2023-03-17/"):
            assert not query  # the reader's own pages are never tagged
            continue
        assert query["utm_campaign"] == ["diplomacy-watch-2023-03-17"], a["href"]
        parts.setdefault(url.netloc + url.path, set()).update(query["utm_content"])
        assert a["href"] in text, a["href"]  # the text part's reference carries the same tags
    assert parts["photos.example.org/kremlin-pool/"] == {"image-credit"}
    assert parts["agency.example.org/photo/1"] == {"image-credit"}
    assert parts["tass.com/politics/1591457"] == {"lead"}
    assert parts["responsiblestatecraft.org/2023/03/16/beijing-peacemaker/"] == {"teaser-1"}
    assert parts["www.bbc.com/news/world-europe-64981153"] == {"item-3"}
    assert parts["responsiblestatecraft.org/donate/"] == {"appeal", "donate"}


def test_link_tracking_in_html_and_text():
    from conftest import soup

    from composer.pipeline import render

    built = render(FIXTURES / "check-tracking-good" / "2023-03-17.yaml")
    links = {a["href"] for a in soup(built.html).find_all("a", href=True)}
    reuters = next(href for href in links if "reuters.com/world/china/xi-moscow-trip" in href)
    assert reuters.endswith("?utm_source=diplomacy-watch&utm_medium=email&utm_campaign=diplomacy-watch-2023-03-17&utm_content=lead")
    item = next(href for href in links if "black-sea-drone" in href)
    assert item.endswith("utm_content=item-1")
    assert "https://responsiblestatecraft.org/newsletter/unsubscribe/" in links  # never tagged
    for href in links:
        assert href in built.text
    # Parameters already on a link are kept.
    from composer.tracking import tag

    assert tag("https://x.org/a?id=7&utm_source=me", source="s", medium="m", campaign="c", content="k") == (
        "https://x.org/a?id=7&utm_source=me&utm_medium=m&utm_campaign=c&utm_content=k")
    assert tag("mailto:desk@example.org", source="s", medium="m", campaign="c", content="k") == "mailto:desk@example.org"


def _spamassassin_or_skip():
    if not shutil.which("spamassassin"):
        if os.environ.get("CI"):
            pytest.fail("CI must install spamassassin (see .ci/run)", pytrace=False)
        pytest.skip("SpamAssassin is not installed (apt-get install spamassassin)")


def test_dw701_spam_score():
    _spamassassin_or_skip()
    result, report = check(str(CHECK / "DW701-bad.yaml"), "--spam")
    [found] = [f for f in findings(report) if f["code"] == "DW701"]
    assert (found["line"], found["column"]) == (1, 1)
    assert report["files"][0]["spam"]["score"] >= 5.0
    assert "MONEY_BACK" in found["message"]
    assert result.exit_code == 1


def test_examples_score_below_2_and_have_no_errors():
    _spamassassin_or_skip()
    result = run_cli("check", str(EXAMPLES), "--spam", "--format", "json", "--strict")
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert findings(report) == []
    for entry in report["files"]:
        assert entry["spam"]["score"] < 2.0
    assert '"score": -0.0' not in result.stdout  # a score of nothing reads 0.0, as the text output says


def test_text_output_and_exit_codes(tmp_path: Path):
    result = run_cli("check", str(CHECK / "DW405-bad.yaml"))
    assert result.exit_code == 0  # warnings only
    assert result.stdout.strip() == (
        f"{CHECK / 'DW405-bad.yaml'}:5:6: warning DW405 the dek ends with a period; the house style leaves it off; "
        "delete the final period"
    )
    assert run_cli("check", str(CHECK / "DW405-bad.yaml"), "--strict").exit_code == 1
    result = run_cli("check", str(CHECK / "DW404-bad.yaml"))
    assert result.exit_code == 1
    assert re.match(r".*DW404-bad\.yaml:4:11: error DW404 ", result.stdout)


def test_silencing_by_code(tmp_path: Path):
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    issue = tmp_path / "2023-03-17.yaml"
    issue.write_text((CHECK / "DW405-bad.yaml").read_text() + "silence: [DW405]\n")
    result, report = check(str(issue))
    assert findings(report) == [] and result.exit_code == 0
    issue.write_text((CHECK / "DW405-bad.yaml").read_text() + "silence: [DW999]\n")
    result, report = check(str(issue))
    [found] = findings(report)
    assert found["code"] == "DW001" and "no check has the code 'DW999'" in found["message"]


def test_build_runs_the_same_checks(tmp_path: Path):
    out = tmp_path / "out"
    result = run_cli("build", str(CHECK / "DW404-bad.yaml"), "-o", out)
    assert result.exit_code == 2
    assert ":4:11: error DW404 the headline repeats" in result.stderr
    assert not out.exists()
    result = run_cli("build", str(CHECK / "DW405-bad.yaml"), "-o", out)
    assert result.exit_code == 0
    assert ":5:6: warning DW405 the dek ends with a period" in result.stderr
    assert (out / "DW405-bad.html").exists()


def test_json_output_matches_the_documented_schema():
    import jsonschema

    schema = json.loads((ROOT / "composer" / "check_schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in [CHECK / "DW404-bad.yaml", CHECK / "DW001-bad.yaml", EXAMPLES]:
        _, report = check(str(path))
        jsonschema.validate(report, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "files": [{"path": "x", "findings": [{"code": "X1"}]}],
                             "summary": {"errors": 0, "warnings": 0, "failed": False}}, schema)


def test_every_code_is_explained_with_bad_and_good_examples():
    # The registry is what `composer explain` prints and the docs' "The checks, one by one" shows
    # (tests/test_docs.py reads that page back).
    for code, entry in CODES.items():
        assert entry.severity in ("error", "warning"), code
        assert all((entry.summary, entry.explanation, entry.bad, entry.good)), f"{code} needs all four"
        assert entry.bad != entry.good, code


def _issue_with(tmp_path: Path, old: str, new: str, *, date_line: str | None = None) -> Path:
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    text = (CHECK / "base.yaml").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    if date_line:
        text = text.replace("date: 2023-03-17", date_line, 1)
    issue = tmp_path / "issue.yaml"
    issue.write_text(text)
    return issue


def codes_in(issue: Path) -> list[tuple[str, int, int]]:
    _, report = check(str(issue))
    return [(f["code"], f["line"], f["column"]) for f in findings(report)]


def test_dates_without_a_year_take_the_nearest_one(tmp_path: Path):
    # An issue of early January: "December 28" is the December before, and was a Thursday.
    issue = _issue_with(tmp_path, "Word of the trip first surfaced on Monday,",
                        "Word of the trip first surfaced on Thursday, December 28,", date_line="date: 2024-01-05")
    assert not [c for c in codes_in(issue) if c[0] in ("DW202", "DW203")]


def test_weekday_and_date_with_a_year(tmp_path: Path):
    good = _issue_with(tmp_path, "    On Tuesday, a Russian", "    On Monday, March 14, 2022, a Russian")
    assert not [c for c in codes_in(good) if c[0] == "DW203"]
    bad = _issue_with(tmp_path, "    On Tuesday, a Russian", "    On Tuesday, March 14, 2022, a Russian")
    assert [c for c in codes_in(bad) if c[0] == "DW203"] == [("DW203", 88, 8)]


def test_this_coming_weekday_is_in_the_future(tmp_path: Path):
    issue = _issue_with(tmp_path, "    On Tuesday, a Russian", "    On this coming Monday, a Russian")
    _, report = check(str(issue))
    [found] = [f for f in findings(report) if f["code"] == "DW201"]
    assert "2023-03-20" in found["message"]


def test_text_split_over_lines_is_checked_as_one():
    from composer import markdown

    assert markdown.block_to_text("talks\nresumed on\nTuesday, March 14") == "talks resumed on Tuesday, March 14"


def test_dw402_points_at_the_quote_after_an_em_dash(tmp_path: Path):
    issue = _issue_with(tmp_path, "Word of the trip first surfaced on Monday,",
                        "Word of the trip -- the first since the '90s -- first surfaced on Monday,")
    assert [c for c in codes_in(issue) if c[0] == "DW402"] == [("DW402", 15, 43)]


def test_aligned_comments_are_not_doubled_spaces(tmp_path: Path):
    issue = _issue_with(tmp_path, "kind: Reporting\n", "kind: Reporting   # or Analysis\n")
    assert not [c for c in codes_in(issue) if c[0] == "DW403"]


def test_tracking_keeps_the_query_as_written():
    from composer.tracking import tag

    signed = "https://x.org/a?q=a%20b&flag&sig=ab%2Bc/d"
    assert tag(signed, source="s", medium="m", campaign="c", content="k") == (
        signed + "&utm_source=s&utm_medium=m&utm_campaign=c&utm_content=k")


def test_tracking_with_a_logo(tmp_path: Path):
    from conftest import soup

    from composer.pipeline import render

    shutil.copy(CHECK / "base.yaml", tmp_path / "2023-03-17.yaml")
    house = (CHECK / "house.yaml").read_text()
    (tmp_path / "house.yaml").write_text(house + "tracking: {enabled: true}\nlogo:\n  url: https://x.org/logo.png\n"
                                         "  alt: Responsible Statecraft\n")
    result = run_cli("build", str(tmp_path / "2023-03-17.yaml"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    built = render(tmp_path / "2023-03-17.yaml")
    logo_link = soup(built.html).find("img", alt="Responsible Statecraft").find_parent("a")["href"]
    assert logo_link.endswith("utm_content=masthead") and logo_link in built.text


def test_check_with_no_issue_files(tmp_path: Path):
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert "no issue files found" in result.stderr


def test_dw302_points_at_each_repeat_once(tmp_path: Path):
    """The same link three times in the lead: two findings, each at its own repeat, naming the first use."""
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    link = "[the report](https://www.reuters.com/world/europe/report-302/)"
    text = (CHECK / "DW302-good.yaml").read_text()
    lines = text.splitlines()
    lead = lines.index("lead: |")
    lines.insert(lead + 1, f"  First {link} said so.")
    lines.insert(lead + 2, f"  Then {link} said it again,")
    lines.insert(lead + 3, f"  and {link} a third time.")
    issue = tmp_path / "2023-03-17.yaml"
    issue.write_text("\n".join(lines) + "\n")
    _, report = check(str(issue))
    found = [(f["line"], f["column"], f["message"]) for f in findings(report) if f["code"] == "DW302"]
    first = lead + 2  # 1-based line of the first use
    assert [(line, column) for line, column, _ in found] == [(first + 1, 21), (first + 2, 20)]
    assert all(f"also appears at line {first}" in message for _, _, message in found)


def test_a_future_date_is_a_warning_that_one_line_can_silence(tmp_path: Path):
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    issue = tmp_path / "2023-03-17.yaml"
    bad = (CHECK / "DW202-bad.yaml").read_text()
    issue.write_text(bad)
    result = run_cli("build", str(issue), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr  # upcoming events are news: the build goes on
    assert ":15:38: warning DW202 'March 20' is 2023-03-20" in result.stderr
    assert "silence: [DW202@15]" in result.stderr

    issue.write_text(bad + "silence: [DW202@15]\n")
    _, report = check(str(issue))
    assert findings(report) == []
    issue.write_text(bad + "silence: [DW202@16]\n")  # another line: still reported
    _, report = check(str(issue))
    assert [(f["code"], f["line"]) for f in findings(report)] == [("DW202", 15)]
    issue.write_text(bad + "silence: [DW202@here]\n")
    _, report = check(str(issue))
    [refused] = findings(report)
    assert refused["code"] == "DW001" and "should name a line after the @, as in DW202@39" in refused["message"]


def test_spamassassin_missing_or_stuck_is_one_clean_line(tmp_path: Path, monkeypatch):
    from composer.checks import spam

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = run_cli("check", str(CHECK / "DW701-bad.yaml"), "--spam")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: --spam needs SpamAssassin, which is not installed; install it with "
                                     "`apt-get install spamassassin`, or check without --spam")

    stuck = empty / "spamassassin"
    stuck.write_text(f"#!{shutil.which('sh', path=os.defpath)}\nexec {shutil.which('sleep', path=os.defpath)} 30\n")
    stuck.chmod(0o755)
    monkeypatch.setattr(spam, "TIMEOUT", 1)
    result = run_cli("check", str(CHECK / "DW701-bad.yaml"), "--spam")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: SpamAssassin gave no answer in 1 s;")


def test_a_future_weekday_and_date_reported_as_past_is_an_error(tmp_path: Path):
    """"On Monday, March 20, the Kremlin said …" in the issue of March 17 cannot be right; a talk
    announced for that day can ("talks that officials announced will resume"), and stays a warning."""
    shutil.copy(CHECK / "house.yaml", tmp_path / "house.yaml")
    lines = (CHECK / "DW202-good.yaml").read_text().splitlines()
    lead = lines.index("lead: |")
    lines[lead + 1:lead + 1] = ["  On Monday, March 20, the Kremlin said the visit was confirmed.", "",
                                "  On Monday, March 20, talks that officials announced will resume.", ""]
    issue = tmp_path / "2023-03-17.yaml"
    issue.write_text("\n".join(lines) + "\n")
    result, report = check(str(issue))
    found = [(f["line"], f["severity"], f["message"]) for f in findings(report) if f["code"] == "DW202"]
    assert [(line, severity) for line, severity, _ in found] == [(lead + 2, "error"), (lead + 4, "warning")]
    assert found[0][2].endswith("yet the sentence reports it as past ('said')")
    assert result.exit_code == 1
