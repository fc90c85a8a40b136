"""Smaller input faults: a bad escape in quotes, sizes that are not sizes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli


def build(issue_dir: Path, extra: str):
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text() + extra)
    return run_cli("build", issue, "-o", issue_dir / "out"), issue


def test_a_lone_surrogate_escape_is_named_as_such(issue_dir: Path):
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text().replace("dek: Negotiators", 'dek: "Bad \\ud800 here" #'))
    result = run_cli("build", issue, "-o", issue_dir / "out")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{issue}:5:11: this escape sequence in quotes is not a character (a lone \\ud800-\\udfff is half of a pair, "
        "never a character on its own); type the character itself, or a valid escape such as \\u00e9")


def test_an_unknown_escape_is_not_an_unclosed_quote(issue_dir: Path):
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text().replace("dek: Negotiators", 'dek: "C:\\qfolder" #'))
    result = run_cli("build", issue, "-o", issue_dir / "out")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"{issue}:5:9: this backslash starts an escape sequence YAML does not know")


@pytest.mark.parametrize("height, message", [
    ("true", "`image.height` should be a whole number, but it is true or false"),
    ("99999", "`image.height`: input should be less than or equal to 2000"),
    ("0", "`image.height`: input should be greater than 0"),
])
def test_image_heights_are_whole_numbers_within_bounds(issue_dir: Path, height, message):
    result, issue = build(issue_dir, f"image:\n  url: https://example.org/a.jpg\n  alt: A map\n  height: {height}\n")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{issue}:17:11: {message}"


def test_logo_height_true_is_refused(issue_dir: Path):
    (issue_dir / "house.yaml").write_text("logo:\n  url: https://example.org/l.png\n  alt: Logo\n  height: true\n")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{issue_dir / 'house.yaml'}:4:11: `logo.height` should be a whole number, but it is true or false")


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_preview_port_out_of_range_is_one_line(issue_dir: Path, port):
    result = run_cli("preview", issue_dir / "2024-01-12.yaml", "--no-open", "--port", port)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: --port {port} is not a port number; give one from 1 to 65535, or 0 for any free one")


def test_a_line_break_in_a_command_line_value_stays_on_one_line(tmp_path: Path):
    """Every message is one line, also when the value came from the command line."""
    shutil.copy(EXAMPLES / "2023-03-17.yaml", tmp_path)
    shutil.copy(EXAMPLES / "house.yaml", tmp_path)
    issue = tmp_path / "2023-03-17.yaml"
    result = run_cli("send", issue, "--to", "a@b.c\r\nBcc: x@y.z", "--dry-run")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: --to 'a@b.c\\r\\nBcc: x@y.z' is not an e-mail address")
    result = run_cli("send", issue, "--to", "ed@example.org", "--provider", "outbox\nBcc: x", "--dry-run")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown provider 'outbox\\nBcc: x'; choose one of outbox, smtp, postmark, sendgrid, mailgun, ses"]


def _shown(path: Path) -> str:
    return str(path).replace("\n", "\\n")


def test_a_line_break_in_an_output_path_stays_on_one_line(issue_dir: Path):
    """`build -o $'out\\nINJECTED'`: each path composer echoes shows its line break as `\\n`."""
    out = issue_dir / "out\nINJECTED"
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {_shown(out / name)}  ({(out / name).stat().st_size:,} bytes)"
                                          for name in ("2024-01-12.html", "2024-01-12.txt")]
    schema = issue_dir / "issue\nINJECTED.json"
    result = run_cli("schema", "-o", schema)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {_shown(schema)}  ({schema.stat().st_size:,} bytes)"]
    site = issue_dir / "site\nINJECTED"
    result = run_cli("site", issue_dir, "-o", site, "--base-url", "https://example.org/dw/")
    assert result.exit_code == 0, result.stderr
    *wrote, summary = result.stdout.splitlines()
    written = [p for p in site.rglob("*") if p.is_file() and p.name != ".composer-site.json"]  # the manifest is not listed
    assert sorted(wrote) == sorted(f"wrote {_shown(p)}  ({p.stat().st_size:,} bytes)" for p in written)
    assert summary == f"1 issue on the site: {len(written)} files written, 0 removed, 0 unchanged, in {_shown(site)}"
