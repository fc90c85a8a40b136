"""Gmail's clipping budget, as the build reports and enforces it."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, run_cli, soup

from composer import budget


def padded_issue(folder: Path, paragraphs: int) -> Path:
    """The minimal issue with a lead long enough to push the HTML to a given size."""
    text = (FIXTURES / "good" / "minimal.yaml").read_text()
    filler = "".join(
        f"  Paragraph {n} of a very long lead, which goes on about the talks and the "
        f"[statements](https://example.org/statement-{n}) made by everyone involved.\n\n"
        for n in range(paragraphs)
    )
    issue = folder / "2024-01-12.yaml"
    issue.write_text(text.replace('  "We are listening,"', filler + '  "We are listening,"'))
    return issue


def html_size_for(paragraphs: int, tmp_path: Path) -> int:
    from composer.pipeline import render

    return len(render(padded_issue(tmp_path, paragraphs)).html.encode())


def test_full_length_examples_stay_under_50_kb(example):
    assert len(example.html.encode()) < 50 * 1024


def test_outlook_blocks_and_comments_are_not_duplicated(example):
    html = example.html
    assert html.count("<o:OfficeDocumentSettings>") == 1
    # Only MSO conditional comments remain: no template or MJML comments spend the budget.
    for comment in re.findall(r"<!--(.*?)-->", html, flags=re.S):
        assert comment.startswith(("[if", "<![endif]")) or comment == "" or comment.endswith("<![endif]"), comment[:60]


def test_part_sizes_add_up_to_most_of_the_email(example):
    report = budget.measure(example.html)
    assert set(report.parts) >= {"lead", "items", "teasers", "footer"}
    assert report.parts["lead"] > report.parts["items"] > 0
    assert 0.6 * report.total < sum(report.parts.values()) <= report.total


def test_over_the_limit_fails_and_names_the_largest_parts(tmp_path: Path):
    issue = padded_issue(tmp_path, 700)
    out = tmp_path / "out"
    result = run_cli("build", issue, "-o", out)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    match = re.match(rf"^{re.escape(str(issue))}:6:1: error DW504 the HTML is ([\d,]+) bytes, over Gmail's clipping limit", line)
    assert match, line
    assert int(match[1].replace(",", "")) > budget.CLIP_BYTES
    assert "the largest parts are lead " in line and "--allow-clipping" in line
    assert not out.exists()


def test_allow_clipping_builds_with_a_warning(tmp_path: Path):
    issue = padded_issue(tmp_path, 700)
    out = tmp_path / "out"
    result = run_cli("build", issue, "-o", out, "--allow-clipping")
    assert result.exit_code == 0
    assert re.search(r":6:1: warning DW504 the HTML is [\d,]+ bytes, over Gmail's clipping limit", result.stderr)
    assert (out / "2024-01-12.html").stat().st_size > budget.CLIP_BYTES


def test_near_the_limit_warns_but_builds(tmp_path: Path):
    # Find a lead length that lands between the warning and the limit.
    paragraphs = next(n for n in range(300, 700, 10) if html_size_for(n, tmp_path) > budget.WARN_BYTES)
    assert html_size_for(paragraphs, tmp_path) < budget.CLIP_BYTES
    out = tmp_path / "out"
    result = run_cli("build", tmp_path / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 0
    assert re.search(r":6:1: warning DW504 the HTML is [\d,]+ bytes, close to Gmail's clipping limit", result.stderr)
    size = (out / "2024-01-12.html").stat().st_size
    assert f"({size:,} bytes)" in result.stdout
    assert soup((out / "2024-01-12.html").read_text()).find("a", string=re.compile("^Unsubscribe"))
