"""house.yaml values that mail programs would read as something else, and failed builds that leave nothing behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

ENCODED = {
    "address": "=?utf-8?q?ed?=@example.org",
    "reply_to": "=?utf-8?b?ZWQ=?=@example.org",
    "unsubscribe_mailto": "desk=?us-ascii?q?x?=@example.org",
}


@pytest.mark.parametrize("field", ENCODED)
def test_an_encoded_word_in_a_sender_address_is_refused_at_its_line(issue_dir: Path, field: str):
    house = issue_dir / "house.yaml"
    house.write_text(f'sender:\n  name: Diplomacy Watch\n  {field}: "{ENCODED[field]}"\n')
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out", "--eml")
    assert result.exit_code == 2
    column = len(f"  {field}: ") + 1
    assert result.stderr == (f"{house}:3:{column}: `sender.{field}`: '{ENCODED[field]}' holds `=?…?=`, the syntax of "
                             "an encoded mail header (RFC 2047), which mail programs would decode into other text; "
                             "write the address as it is\n")
    assert not (issue_dir / "out").exists()


def test_an_address_with_an_equals_sign_or_a_question_mark_alone_still_builds(issue_dir: Path):
    (issue_dir / "house.yaml").write_text('sender:\n  address: "desk=news?@example.org"\n')
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out", "--eml")
    assert result.exit_code == 0, result.stderr
    assert b"From: Diplomacy Watch <desk=news?@example.org>" in (issue_dir / "out" / "2024-01-12.eml").read_bytes()


def test_an_issue_refused_at_its_last_check_leaves_no_empty_output_folder(issue_dir: Path):
    # Its List-Unsubscribe header would run over mail's 998 octets: found only as the message is made (--eml).
    (issue_dir / "house.yaml").write_text(f"unsubscribe_url: https://example.org/{'u' * 1500}\n")
    out = issue_dir / "out" / "weekly"
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out, "--eml")
    assert result.exit_code == 2
    assert "over the 998 that mail allows" in result.stderr
    assert sorted(os.listdir(issue_dir)) == ["2024-01-12.yaml", "house.yaml"]


def test_a_write_that_fails_removes_the_output_folder_it_made(tmp_path: Path, monkeypatch):
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")

    def disk_full(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    result = run_cli("build", tmp_path / "2024-01-12.yaml", "-o", tmp_path / "new" / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (f"{tmp_path / 'new' / 'out'}:1:1: cannot write the output (No space "
                                              "left on device); check the folder and free disk space")
    assert os.listdir(tmp_path) == ["2024-01-12.yaml"]
