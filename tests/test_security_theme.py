"""A house's template overrides stay inside their theme folder (the sandbox itself: test_security_sandbox.py)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import run_cli

SECRET = "smtp-password-6b1d0e"


def build_with_lead(issue_dir: Path, template: str, monkeypatch) -> tuple[object, str]:
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", SECRET)
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True, exist_ok=True)
    (theme / "lead.mjml.j2").write_text(template)
    (issue_dir / "house.yaml").write_text("templates: theme\n")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    written = b"".join(p.read_bytes() for p in (issue_dir / "out").glob("*")) if (issue_dir / "out").exists() else b""
    assert SECRET not in result.stdout + result.stderr
    assert SECRET.encode() not in written
    return result, written.decode()


def test_a_symlink_out_of_the_theme_folder_is_refused(issue_dir: Path, monkeypatch, tmp_path_factory):
    private = tmp_path_factory.mktemp("private") / "secrets.txt"
    private.write_text(f"password={SECRET}\n")
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    os.symlink(private, theme / "notes.j2")
    result, written = build_with_lead(issue_dir, "<mj-section><mj-column><mj-text>{% include 'parts/notes.j2' %}"
                                                 "</mj-text></mj-column></mj-section>\n", monkeypatch)
    assert result.exit_code == 2
    [line] = [x for x in result.stderr.splitlines() if "template error" in x]
    assert "is a link to" in line and "outside the theme folder" in line
    assert written == ""


def test_a_symlink_inside_the_theme_folder_is_followed(issue_dir: Path, monkeypatch):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    (theme / "real.j2").write_text("<p class='inside'>inside the theme</p>")
    os.symlink(theme / "real.j2", theme / "alias.j2")
    result, written = build_with_lead(issue_dir, "<mj-section><mj-column><mj-text>{% include 'parts/alias.j2' %}"
                                                 "{{ issue.lead | markdown('lead') }}</mj-text></mj-column>"
                                                 "</mj-section>\n", monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert "inside the theme" in written
