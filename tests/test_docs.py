"""The docs site: built strictly, its reference complete, and every command it shows one the CLI accepts.

The reference pages are generated from the code (docs/hooks/reference.py); these tests walk the code
another way (the pydantic models' fields, the typer commands, the check registry) and look for each
field, key, command and code in the built HTML, so a generator that skipped one would fail here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import typer
from bs4 import BeautifulSoup
from conftest import ROOT, run_cli
from pydantic import BaseModel

from composer.cli import app
from composer.codes import CODES, severity_label
from composer.commands.schema import checked_house
from composer.model.issue import Issue

DOCS = ROOT / "docs"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    return out


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(), "lxml")


def section(doc: BeautifulSoup, anchor: str) -> str:
    """The text of the heading with this id and of everything up to the next heading of its level or above."""
    heading = doc.find(id=anchor)
    assert heading is not None and heading.name in ("h1", "h2", "h3", "h4", "h5", "h6"), f"no heading #{anchor}"
    level, text = int(heading.name[1]), [heading.get_text()]
    for sibling in heading.find_next_siblings():
        if sibling.name in [f"h{n}" for n in range(1, level + 1)]:
            break
        text.append(sibling.get_text())
    return " ".join(" ".join(text).split())


# -- the reference covers the code -------------------------------------------------------------------------------

def keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key an editor may write for `model`, by its alias, nested groups included."""
    for name, field in model.model_fields.items():
        path = (*prefix, field.alias or name)
        yield path
        for inner in _models(field.annotation):
            yield from keys(inner, path)


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models(argument)


@pytest.mark.parametrize(("model", "path"), [(Issue, "reference/issue-file"), (None, "reference/house-yaml")],
                         ids=["issue file", "house.yaml"])
def test_every_field_is_in_the_reference_with_its_description(site: Path, model: Any, path: str):
    model = model or checked_house()
    doc = page(site, path)
    found = list(keys(model))
    assert len(found) > (15 if model is Issue else 100)
    for key in found:
        text = section(doc, "-".join(key))
        assert ".".join(key) in text
        field = _field(model, key)
        if field.description:
            assert _plain(field.description) in text, key
        if field.is_required():
            assert "Required" in text, key


def _field(model: type[BaseModel], key: tuple[str, ...]) -> Any:
    fields = {f.alias or n: f for n, f in model.model_fields.items()}
    field = fields[key[0]]
    if len(key) == 1:
        return field
    [inner] = list(_models(field.annotation))[:1]
    return _field(inner, key[1:])


def test_the_provider_settings_are_in_the_house_reference(site: Path):
    text = section(page(site, "reference/house-yaml"), "delivery-smtp-connections")
    assert "Default: 2" in text and "at most 16" in text


def cli_commands(group: Any = None, words: tuple[str, ...] = ("composer",)) -> Iterator[tuple[tuple[str, ...], Any]]:
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        yield (*words, name), command
        if hasattr(command, "commands"):
            yield from cli_commands(command, (*words, name))


def test_every_command_and_option_is_in_the_reference(site: Path):
    doc = page(site, "reference/commands")
    found = list(cli_commands())
    assert len(found) >= 19
    for words, command in found:
        text = section(doc, "-".join(words))
        assert " ".join(words) in text
        assert _plain(command.help or "") in text
        for param in command.params:
            for option in [*param.opts, *param.secondary_opts] if param.param_type_name == "option" else []:
                assert option in text, (words, option)
    assert "130" in section(doc, "exit-codes")


def test_every_check_code_is_explained_with_bad_and_good_examples(site: Path):
    doc = page(site, "editor/codes")
    for code, entry in CODES.items():
        assert entry.explanation and entry.bad and entry.good, code
        text = section(doc, code.lower())
        assert text.startswith(f"{code}: {entry.summary}")
        assert severity_label(code) in text
        for markdown in (entry.explanation, entry.bad, entry.good):
            assert _plain(markdown) in text, (code, markdown)


def _plain(markdown: str) -> str:
    """Markdown as its HTML reads: code spans as written (without their backticks), a link as its text,
    spaces collapsed."""
    pieces = markdown.split("`")
    text = "".join(piece if inside % 2 else re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", piece)
                   for inside, piece in enumerate(pieces))
    return " ".join(text.split())


# -- what the pages show --------------------------------------------------------------------------------------

def shell_commands() -> Iterator[tuple[str, str]]:
    """Every `composer …` line of a ```sh block in the docs and the README, with where it is."""
    for path in [README, *sorted(DOCS.rglob("*.md"))]:
        for block in re.findall(r"^```(?:sh|bash|console)\n(.*?)^```", path.read_text(), re.M | re.S):
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("composer "):
                    yield f"{path.relative_to(ROOT)}: {line}", line


def test_the_docs_show_composer_commands():
    assert len(SHOWN) >= 40


SHOWN = list(shell_commands())


@pytest.mark.parametrize(("where", "line"), SHOWN, ids=[where for where, _ in SHOWN])
def test_every_command_shown_is_one_the_cli_accepts(where: str, line: str, capsys: pytest.CaptureFixture):
    words = shlex.split(line, comments=True)
    command: Any = typer.main.get_command(app)
    args = words[1:]
    while hasattr(command, "commands") and args and not args[0].startswith("-"):
        assert args[0] in command.commands, f"{where}: no command {args[0]!r}"
        command, args = command.commands[args[0]], args[1:]
    # Parsing only: options, their values and the arguments are checked; nothing runs. --help and
    # --version are eager: they print and end the parse with exit code 0, as on the command line.
    try:
        with command.make_context(" ".join(words[: len(words) - len(args)]), list(args)):
            pass
    except Exception as error:  # typer carries its own click, whose exceptions have an exit code
        assert getattr(error, "exit_code", None) == 0, f"{where}: {error}"
        assert capsys.readouterr().out


def test_the_readme_is_short_and_links_into_the_docs():
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert len(links) >= 5
    for link in links:
        assert (ROOT / link).is_file(), link
    for command in ("make demo", "make test", "make docs"):
        assert command in text


# -- composer explain, and the help ---------------------------------------------------------------------------

def test_explain_prints_the_registrys_explanation():
    result = run_cli("explain", "dw406")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"DW406  warning: {CODES['DW406'].summary}"
    assert " ".join(lines[2:lines.index("", 2)]) == CODES["DW406"].explanation
    assert f"Bad:  {CODES['DW406'].bad}" in lines and f"Good: {CODES['DW406'].good}" in lines


def test_explain_lists_every_code_and_refuses_an_unknown_one_in_one_line():
    listing = run_cli("explain")
    assert [line.split()[0] for line in listing.stdout.splitlines()] == list(CODES)
    unknown = run_cli("explain", "DW999")
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().splitlines() == [
        "error: 'DW999' is not a check code; `composer explain` with no code lists them all"]


def test_the_help_lists_the_commands_in_the_order_of_the_week():
    listed = re.findall(r"^│ (\w+) ", run_cli("--help").stdout, re.M)
    assert listed == ["new", "preview", "check", "explain", "build", "send", "publish", "broadcast", "ledger",
                      "site", "schema", "suppressions"]


def test_the_readmes_short_issue_builds(tmp_path: Path):
    [example] = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    issue = tmp_path / "2024-01-12.yaml"
    issue.write_text(example)
    result = run_cli("build", issue, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    doc = BeautifulSoup((tmp_path / "out" / "2024-01-12.html").read_text(), "lxml")
    assert doc.h1.get_text() == "Diplomacy Watch: Kyiv and Moscow trade “peace plans” — again"
    # Too short for the house, and told so: the README shows the shape, the docs the whole issue.
    assert "DW406" in result.stderr and " error " not in result.stderr
