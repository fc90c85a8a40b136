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


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@app.command()
def preview(
    issue: Annotated[Path, typer.Argument(help="The issue file to preview.", show_default=False)],
    port: Annotated[int, typer.Option("--port", help="Port to listen on; 0 picks a free one.")] = 0,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on. Anything but 127.0.0.1 exposes the preview to the network.")
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the preview in a browser.")] = True,
) -> None:
    """Serve a live preview of ISSUE that follows every save of the issue, house.yaml and templates."""
    from composer.preview import serve

    if host not in LOOPBACK:
        typer.echo(f"warning: listening on {host}: anyone who can reach this machine can read the preview", err=True)
    if not issue.is_file():
        report(ComposerError.at(issue, "file not found; check the path and the file name"))
    try:
        serve(issue, host, port, open_browser=open_browser, log=typer.echo)
    except ComposerError as error:
        report(error)
    except KeyboardInterrupt:
        typer.echo("preview stopped")


def main() -> None:
    app(prog_name="composer")
