"""The command line: one function per command, each a thin shell around the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from composer import __version__
from composer.problems import ComposerError

app = typer.Typer(
    help="Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

EXIT_PROBLEMS = 2


def report(error: ComposerError) -> None:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"composer {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text."""


@app.command()
def build(
    issues: Annotated[list[Path], typer.Argument(help="Issue files, or folders of them.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the built files.")] = Path("build"),
    allow_clipping: Annotated[
        bool, typer.Option("--allow-clipping", help="Build even when Gmail would clip the HTML (over about 102 KB).")
    ] = False,
) -> None:
    """Build each issue into <slug>.html and <slug>.txt in the output folder."""
    from composer.build import build as build_issues

    try:
        result = build_issues(issues, output, allow_clipping=allow_clipping)
    except ComposerError as error:
        report(error)
    for warning in result.warnings:
        typer.echo(str(warning), err=True)
    for path, size in result.written.items():
        typer.echo(f"wrote {path}  ({size:,} bytes)")


def main() -> None:
    app(prog_name="composer")
