"""Every editor mistake ends as `file:line:col: message` lines, exit code 2, and no files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli

BAD = FIXTURES / "bad"

# fixture name -> the problems expected: (line, column, words the message must contain)
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "empty.yaml": [(1, 1, "the file is empty")],
    "not-a-mapping.yaml": [(1, 1, "holds a list, not `key: value` lines")],
    "tab-indent.yaml": [(13, 1, "tab character")],
    "duplicate-key.yaml": [(5, 1, 'the key "headline" appears twice (first at line 4)')],
    "wrong-type.yaml": [(4, 11, "`headline` should be text")],
    "bad-date.yaml": [(1, 7, "'2024-13-45' is not a date; write it as YYYY-MM-DD")],
    "missing-headline.yaml": [(1, 1, "`headline` is missing; add a line `headline: …`")],
    "unknown-key.yaml": [(4, 1, "unknown key `haedline`; did you mean `headline`?")],
    "unknown-nested-key.yaml": [(9, 3, "unknown key `image.credti`; did you mean `credit`?")],
    "item-without-link.yaml": [(13, 5, "`items[1]`: this item has no link")],
    "javascript-link.yaml": [(12, 62, "only https:, http: and mailto: links are allowed")],
    "ftp-link.yaml": [(13, 54, "uses 'ftp:'")],
    "relative-link.yaml": [(8, 13, "the link '/world/europe/' is relative")],
    "http-image-path.yaml": [(7, 8, "`image.url`: the link 'images/top.jpg' is relative")],
    "raw-html.yaml": [(10, 11, "raw HTML ('<b>') is not allowed"), (10, 23, "raw HTML ('</b>')")],
    "unterminated-quote.yaml": [(5, 6, "has no closing quote")],
    "not-utf8.yaml": [(4, 52, "not UTF-8 (byte 0xe9)")],
    "bad-kind.yaml": [(2, 7, "`kind` must be one of 'Reporting' or 'Analysis', not 'Opinion'")],
    "items-not-a-list.yaml": [(11, 8, "`items` should be a list")],
    "item-two-paragraphs.yaml": [(13, 5, "`items[1]`: an item is a single paragraph")],
    "item-text-after-quote.yaml": [(13, 5, "a paragraph follows after the quote, which would fall outside the item")],
    "appeal-true.yaml": [(15, 11, "`footer.appeal` should be Markdown text, or false to print none, but it is true")],
    "item-opens-with-quote.yaml": [(13, 5, "it must open with its own paragraph (the one with the link)")],
    "heading-in-lead.yaml": [(10, 3, "headings are not used inside the text")],
    "indented-code.yaml": [(10, 7, "indented by four or more spaces")],
    "image-in-lead.yaml": [(10, 3, "images inside the text are not supported")],
    "image-without-alt.yaml": [(7, 3, "`alt` is missing; add a line `alt: …` under `image`")],
    "image-without-height.yaml": [(7, 3, "`height` is missing; add a line `height: …` under `image`")],
    "colon-in-value.yaml": [(5, 21, "a colon followed by a space starts a new key")],
    "two-state-department-choices.yaml": [(12, 24, "remove one of the two")],
    "too-many-teasers.yaml": [(28, 5, "`teasers` holds at most 4 entries")],
    "no-items.yaml": [(11, 8, "`items` needs at least 1 entry"), (12, 1, "unknown key `notes`")],
    "blank-headline.yaml": [(4, 11, "`headline` is empty; write the text here")],
    "date-as-number.yaml": [(1, 7, "'1704931200' is not a date; write it as YYYY-MM-DD")],
    "control-character.yaml": [(4, 29, "`headline`: a line break runs through this value")],
}

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


def problems(stderr: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in stderr.strip().splitlines():
        match = LINE.match(line)
        assert match, f"not a file:line:col line: {line!r}"
        found.append((match["path"], int(match["line"]), int(match["col"]), match["message"]))
    return found


def test_every_fixture_is_covered():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_issue_reports_the_line_and_writes_nothing(name: str, tmp_path: Path):
    out = tmp_path / "out"
    result = run_cli("build", BAD / name, "-o", out)

    assert result.exit_code == 2
    assert result.stdout == ""
    reported = problems(result.stderr)
    assert [(line, col) for _, line, col, _ in reported] == [(line, col) for line, col, _ in EXPECTED[name]]
    for (path, _, _, message), (_, _, words) in zip(reported, EXPECTED[name], strict=True):
        assert path == str(BAD / name)
        assert words in message
    assert not out.exists()


def test_every_fixture_in_one_real_process_gives_lines_not_a_traceback(tmp_path: Path):
    """The console script as an editor runs it: all problems of all files, then exit code 2."""
    import subprocess
    import sys

    out = tmp_path / "out"
    fixtures = sorted(BAD.glob("*.yaml"))
    result = subprocess.run([sys.executable, "-m", "composer", "build", *map(str, fixtures), "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    reported = problems(result.stderr)
    assert len(reported) == sum(len(expected) for expected in EXPECTED.values())
    assert {path for path, *_ in reported} == {str(p) for p in fixtures}
    assert not out.exists()


def test_missing_file(tmp_path: Path):
    result = run_cli("build", tmp_path / "no-such-issue.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert problems(result.stderr) == [
        (str(tmp_path / "no-such-issue.yaml"), 1, 1, "file not found; check the path and the file name")
    ]
    assert not (tmp_path / "out").exists()


def test_output_folder_blocked_by_a_file(issue_dir: Path):
    blocker = issue_dir / "out"
    blocker.write_text("not a folder")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", blocker / "inner")
    assert result.exit_code == 2
    [(path, line, col, message)] = problems(result.stderr)
    assert path == str(blocker / "inner")
    assert "cannot create the output folder" in message and "-o" in message
    assert blocker.read_text() == "not a folder"


def test_house_config_problems_point_into_house_yaml(tmp_path: Path):
    result = run_cli("build", FIXTURES / "bad-house" / "2024-01-12.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    house = str(FIXTURES / "bad-house" / "house.yaml")
    reported = problems(result.stderr)
    assert [(p, line, col) for p, line, col, _ in reported] == [(house, 2, 1), (house, 4, 18)]
    assert "did you mean `colors`?" in reported[0][3]
    assert "one-click unsubscribe" in reported[1][3]
    assert not (tmp_path / "out").exists()


def test_problems_in_several_issues_are_all_reported_and_nothing_is_written(tmp_path: Path, issue_dir: Path):
    out = tmp_path / "out"
    result = run_cli("build", BAD / "bad-date.yaml", issue_dir / "2024-01-12.yaml", BAD / "bad-kind.yaml", "-o", out)
    assert result.exit_code == 2
    assert [p for p, *_ in problems(result.stderr)] == [str(BAD / "bad-date.yaml"), str(BAD / "bad-kind.yaml")]
    assert not out.exists()


def test_failed_build_leaves_the_previous_files_intact(issue_dir: Path):
    out = issue_dir / "build"
    issue = issue_dir / "2024-01-12.yaml"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    issue.write_text(issue.read_text().replace("kind: Reporting", "kind: Opinion"))
    assert run_cli("build", issue, "-o", out).exit_code == 2

    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_two_issues_with_the_same_slug_are_refused_naming_both(tmp_path: Path, issue_dir: Path):
    """a/2024-01-12.yaml and b/2024-01-12.yaml would both write 2024-01-12.html: the second would
    silently replace the first. And an explicit `slug:` that clashes is pointed at."""
    other = tmp_path / "other"
    other.mkdir()
    first, second = issue_dir / "2024-01-12.yaml", other / "2024-01-12.yaml"
    second.write_text(first.read_text())
    out = tmp_path / "out"
    result = run_cli("build", first, second, "-o", out)
    assert result.exit_code == 2
    [(path, line, col, message)] = problems(result.stderr)
    assert (path, line, col) == (str(second), 1, 1)
    assert str(first) in message and "2024-01-12.html" in message and "`slug:`" in message
    assert not out.exists()

    third = other / "special.yaml"
    third.write_text(first.read_text() + "slug: 2024-01-12\n")
    result = run_cli("build", first, third, "-o", out)
    assert result.exit_code == 2
    [(path, line, col, _)] = problems(result.stderr)
    assert (path, line, col) == (str(third), len(first.read_text().splitlines()) + 1, 1)
    assert not out.exists()
