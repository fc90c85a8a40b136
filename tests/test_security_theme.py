"""A house's template overrides run in Jinja2's sandbox: no environment, no commands, no files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("expression, says", [
    ("cycler.__init__.__globals__.os.environ['COMPOSER_SMTP_PASSWORD']",
     "SecurityError: access to attribute '__init__'"),
    ("lipsum.__globals__['os'].popen('echo pwned').read()", "UndefinedError: 'lipsum' is undefined"),
    ("edition.issue.__class__.__init__.__globals__", "SecurityError: access to attribute '__init__'"),
    ("house.__class__.__mro__", "SecurityError: access to attribute '__class__'"),
    ("edition.theme_dir.joinpath('../2024-01-12.yaml').read_text()", "SecurityError: access to attribute 'joinpath'"),
    ("edition.source.path.write_text('overwritten')", "SecurityError: access to attribute 'write_text'"),
    ("(edition.house_path or edition.theme_dir).parent.parent.iterdir() | list", "SecurityError: access to attribute"),
    ("'{0.__class__}'.format(house)", "SecurityError: access to attribute '__class__'"),
])
def test_a_hostile_theme_reaches_nothing_outside_the_model(issue_dir: Path, monkeypatch, expression, says):
    source = (issue_dir / "2024-01-12.yaml").read_text()
    result, written = build_with_lead(issue_dir, f"<mj-section><mj-column><mj-text>{{{{ {expression} }}}}"
                                                 "</mj-text></mj-column></mj-section>\n", monkeypatch)
    assert result.exit_code == 2
    [line] = [x for x in result.stderr.splitlines() if "template error" in x]
    assert line.startswith(f"{issue_dir / 'theme' / 'parts' / 'lead.mjml.j2'}:1:")
    assert says in line
    assert written == ""
    assert (issue_dir / "2024-01-12.yaml").read_text() == source
    assert not (issue_dir / "pwned").exists()


def test_the_documented_context_and_filters_still_work(issue_dir: Path, monkeypatch):
    template = ("<mj-section><mj-column><mj-text><p class='x'>{{ edition.title | upper }} {{ issue.date.isoformat() }} "
                "{% for item in issue.items %}{{ loop.index }}{% endfor %} {{ house.colors.text }} "
                "{{ issue.lead | markdown('lead') }}</p></mj-text></mj-column></mj-section>\n")
    result, written = build_with_lead(issue_dir, template, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert "DIPLOMACY WATCH: TALKS ABOUT TALKS RESUME IN ISTANBUL 2024-01-12 12 #1f1f1f" in written


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
