"""The command line as an editor meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, run_cli

from composer import __version__


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"composer {__version__}"


@pytest.mark.parametrize(
    "command, option",
    [([], "build"), (["build"], "--output"), (["preview"], "--no-open"), (["send"], "--dry-run"), (["publish"], "--yes")],
)
def test_help(command, option):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: composer" in result.stdout
    assert option in result.stdout


def test_build_reports_each_file_with_its_size(issue_dir: Path):
    out = issue_dir / "out"
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 0
    reported = {}
    for line in result.stdout.splitlines():
        words = line.split()
        assert words[0] == "wrote"
        reported[Path(words[1])] = int(words[2].strip("(").replace(",", ""))
    assert reported == {p: p.stat().st_size for p in [out / "2024-01-12.html", out / "2024-01-12.txt"]}
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left"


def test_a_folder_builds_every_issue_but_not_the_house_config(tmp_path: Path):
    result = run_cli("build", EXAMPLES, "-o", tmp_path)
    assert result.exit_code == 0
    issues = sorted(p.stem for p in EXAMPLES.glob("*.yaml") if p.name != "house.yaml")
    assert len(issues) >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{i}.html" for i in issues] + [f"{i}.txt" for i in issues]
    )


def test_house_yaml_is_not_an_issue(tmp_path: Path):
    result = run_cli("build", EXAMPLES / "house.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "this is the house config, not an issue" in result.stderr


def _without_venv_path() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_python_dash_m_and_the_console_script(tmp_path: Path):
    module = subprocess.run(
        [sys.executable, "-m", "composer", "--version"], capture_output=True, text=True, env=_without_venv_path()
    )
    assert module.returncode == 0 and module.stdout.strip() == f"composer {__version__}"

    script = Path(sys.executable).with_name("composer")
    issue = ROOT / "tests" / "fixtures" / "good" / "minimal.yaml"
    result = subprocess.run([str(script), "build", str(issue), "-o", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "minimal.html").stat().st_size > 0


def test_a_bad_option_is_a_usage_error_not_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "composer", "build", "--no-such-option"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "No such option" in result.stderr


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["preview"], ["send"], ["publish"], ["new"], ["schema"]])
def test_dash_h_is_help_without_type_tags_and_ending_in_examples(command):
    short, long = run_cli(*command, "-h"), run_cli(*command, "--help")
    assert short.exit_code == 0 and short.stdout == long.stdout
    assert "<bool>" not in short.stdout and "<str>" not in short.stdout
    if command:
        lines = [line.strip(" │") for line in short.stdout.strip().splitlines()]
        examples = lines.index("Examples:")
        assert examples > 0
        assert all(line.startswith("composer ") for line in lines[examples + 1:] if line)
