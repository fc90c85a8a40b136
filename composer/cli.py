"""The command line: typer options and exit codes; each command's work is in composer/commands/."""

from __future__ import annotations

import os

# composer uses no pydantic plugins; looking for them scans every installed
# package's entry points, 14 ms of each cold start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from composer import __version__
from composer.cli_help import Command, Group, examples
from composer.diagnostics import CommandError, ComposerError, DeliveryError

app = typer.Typer(
    cls=Group,
    help="Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_PROBLEMS = 2
EXIT_NOT_DELIVERED = 1


def say(line: str, err: bool = False) -> None:
    """Every line composer prints: one line, with no configured secret in it (printable.py)."""
    from composer.printable import printable

    typer.echo(printable(line), err=err)


def report(error: ComposerError) -> NoReturn:
    for diagnostic in error.diagnostics:
        say(str(diagnostic), err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def fail(error: CommandError) -> NoReturn:
    for line in str(error).splitlines() or [""]:
        say(f"error: {line}", err=True)
    raise typer.Exit(EXIT_NOT_DELIVERED)


def misused(message: str) -> NoReturn:
    """A bad option, not a problem in a file: one line, no file:line:col; exit code 2 as for any usage error."""
    say(f"error: {message}", err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def warn(line: str) -> None:
    say(line, err=True)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"composer {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text."""
    from composer.printable import forget

    forget()  # the secrets to mask are read afresh for each command


@app.command(cls=Command, epilog=examples("composer build issues/2024-01-12.yaml", "composer build issues/ -o out/"))
def build(
    issues: Annotated[list[Path], typer.Argument(help="Issue files, or folders of them.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the built files.",
                                         metavar="FOLDER")] = Path("build"),
    allow_clipping: Annotated[
        bool, typer.Option("--allow-clipping", help="Build even when Gmail would clip the HTML (over about 102 KB).")
    ] = False,
    eml: Annotated[bool, typer.Option("--eml", help="Also write <slug>.eml, the complete MIME message.")] = False,
    strict_all: Annotated[
        bool, typer.Option("--strict-all", help="Write nothing at all when any one of the issues has a problem.")
    ] = False,
) -> None:
    """Build each issue into <slug>.html and <slug>.txt in the output folder."""
    from composer.commands.build import build as build_issues

    try:
        result = build_issues(issues, output, allow_clipping=allow_clipping, eml=eml, strict_all=strict_all)
    except ComposerError as error:
        report(error)
    for line in result.messages():
        warn(line)
    for path, size in result.written.items():
        typer.echo(f"wrote {path}  ({size:,} bytes)")
    if result.not_built:
        warn(result.summary())
        raise typer.Exit(EXIT_PROBLEMS)


@app.command(cls=Command, epilog=examples("composer site examples/ -o site/",
                                          "composer site examples/ -o site/ --base-url https://example.org/dw/"))
def site(
    folder: Annotated[Path, typer.Argument(help="The folder of issues (with its house.yaml).", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the web edition.")] = Path("site"),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", metavar="URL", help="The site's address; default: site_url in house.yaml."),
    ] = None,
) -> None:
    """Build the web edition: a page per issue, the archive, Atom and JSON feeds, and sitemap.xml."""
    from composer.commands.site import build_site

    try:
        result = build_site(folder, output, base_url=base_url)
    except ComposerError as error:
        report(error)
    for warning in result.warnings:
        warn(str(warning))
    for path, size in result.written.items():
        typer.echo(f"wrote {path}  ({size:,} bytes)")
    for path in result.removed:
        typer.echo(f"removed {path}")
    typer.echo(f"{result.issues} issues: {len(result.written)} files written, {len(result.removed)} removed, "
               f"{result.unchanged} unchanged, in {output}")


@app.command(cls=Command, epilog=examples("composer send issues/2024-01-12.yaml --to ed@example.org",
                                          "composer send issue.yaml --to ed@example.org --dry-run"))
def send(
    issue: Annotated[Path, typer.Argument(help="The issue file to send.", show_default=False)],
    to: Annotated[list[str], typer.Option("--to", help="A reviewer's address; repeat for more.", show_default=False,
                                          metavar="ADDRESS")],
    provider: Annotated[
        str | None, typer.Option("--provider", metavar="NAME",
                                 help="smtp, postmark, sendgrid, mailgun, ses or outbox; default from house.yaml.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent, and send nothing.")] = False,
) -> None:
    """Send a test copy of ISSUE, subject "[TEST] …", to a few reviewers."""
    from composer.commands.send import prepare

    try:
        test_send = prepare(issue, to, provider, warn=warn)
        lines = test_send.dry_run() if dry_run else [test_send.send()]
    except ComposerError as error:
        report(error)
    except CommandError as error:
        fail(error)
    for line in lines:
        say(line)


@app.command(cls=Command, epilog=examples("composer publish issues/2024-01-12.yaml",
                                          "composer publish issue.yaml --send --at 2024-01-12T09:00+00:00"))
def publish(
    issue: Annotated[Path, typer.Argument(help="The issue file to publish.", show_default=False)],
    platform: Annotated[
        str | None, typer.Option("--platform", metavar="NAME",
                                 help="mailchimp, buttondown, ghost or listmonk; default from house.yaml."),
    ] = None,
    send_now: Annotated[
        bool, typer.Option("--send", help="After saving the draft, send it to the list (asks first).")
    ] = False,
    at: Annotated[
        str | None, typer.Option("--at", metavar="TIME",
                                 help="With --send: schedule for this time instead, e.g. 2024-01-12T09:00+00:00.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before sending (needed without a terminal).")] = False,
    test_to: Annotated[
        list[str] | None, typer.Option("--test-to", help="After saving, the platform sends a test to this reviewer "
                                       "(listmonk); repeat for more.", show_default=False, metavar="ADDRESS")
    ] = None,
    list_file: Annotated[
        Path | None, typer.Option("--list", help="Send to every reader of this CSV list through the house's provider.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --list: who would get it, and how; send nothing.")
    ] = False,
    status: Annotated[bool, typer.Option("--status", help="What the ledger of ISSUE's list send says.")] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="With --list: send a changed issue to the readers not yet sent.")
    ] = False,
) -> None:
    """Create or update ISSUE's draft at the newsletter platform; --send sends or schedules it.
    With --list, send ISSUE to a CSV list through the house's own provider instead, exactly once."""
    from composer.commands.publish import publish as publish_issue
    from composer.commands.publish import schedule_time

    def ask(question: str) -> bool:
        say(question)
        return typer.prompt('Type "send" to go ahead').strip().lower() == "send"

    if status or list_file:
        _send_to_list(issue, list_file, status=status, dry_run=dry_run, restart=restart, yes=yes,
                      ask=ask if sys.stdin.isatty() else None)
        return
    try:
        if dry_run or restart:
            raise DeliveryError("--dry-run and --restart go with --list")
        when = schedule_time(at, send_now)
        done = publish_issue(issue, platform=platform, send_now=send_now, when=when, yes=yes,
                             ask=ask if sys.stdin.isatty() else None, echo=say, warn=warn, test_to=test_to)
    except ComposerError as error:
        report(error)
    except CommandError as error:
        fail(error)
    if not done:
        raise typer.Exit(EXIT_NOT_DELIVERED)


def _send_to_list(issue: Path, list_file: Path | None, *, status: bool, dry_run: bool, restart: bool, yes: bool,
                  ask) -> None:
    from composer.commands import broadcast
    from composer.progress import PlainProgress, TerminalProgress

    try:
        if status:
            for line in broadcast.status(issue):
                typer.echo(line)
            return
        assert list_file is not None
        send = broadcast.prepare(issue, list_file, dry_run=dry_run, restart=restart, warn=warn, yes=yes)
    except ComposerError as error:
        report(error)
    except CommandError as error:
        fail(error)
    complete = True
    try:
        if dry_run:
            lines = send.dry_run()
        else:
            if send.to_send and not yes:
                if ask is None:
                    raise DeliveryError("publish --list asks for confirmation at a terminal; pass --yes to skip it")
                if not ask(send.question()):
                    typer.echo("not sent")
                    raise typer.Exit(EXIT_NOT_DELIVERED)
            progress = TerminalProgress() if sys.stderr.isatty() else PlainProgress(warn)
            complete = send.run(progress)
            lines = broadcast.finished_lines(send)
        for line in lines:
            typer.echo(line)
    except CommandError as error:
        fail(error)
    except KeyboardInterrupt:
        typer.echo("stopped at once: the batch in flight may have been accepted; run again to resume", err=True)
        raise typer.Exit(130) from None
    finally:
        send.close()
    if not dry_run and not complete:
        raise typer.Exit(EXIT_NOT_DELIVERED)


class Format(StrEnum):
    text = "text"
    json = "json"


@app.command(cls=Command, epilog=examples("composer check issues/2024-01-12.yaml",
                                          "composer check issues/ --strict --format json",
                                          "composer check issue.yaml --links"))
def check(
    issues: Annotated[list[Path], typer.Argument(help="Issue files, or folders of them.", show_default=False)],
    output_format: Annotated[Format, typer.Option("--format", help="text, or json for editors and CI.",
                                                  metavar="text|json")] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    spam: Annotated[bool, typer.Option("--spam", help="Also score the message with SpamAssassin (offline).")] = False,
    links: Annotated[bool, typer.Option("--links", help="Also fetch every link and image, and record what they "
                                        "answered in <issue>.links.json.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="With --links: replay <issue>.links.json instead, "
                                          "without the network.")] = False,
    changed: Annotated[bool, typer.Option("--changed", help="With --links: report pages changed since "
                                          "<issue>.links.json was recorded, and record nothing.")] = False,
) -> None:
    """Check issues before sending: findings as file:line:col: severity code message."""
    from composer.commands.check import check_report, summary_line, text_lines
    from composer.links.check import link_mode
    from composer.pipeline import issue_files

    try:
        mode = link_mode(links, offline, changed)
    except ValueError as error:
        misused(str(error))
    paths = issue_files(issues)
    if not paths:
        report(ComposerError.at(issues[0], "no issue files found; give a .yaml file or a folder of them"))
    try:
        result = check_report(paths, strict=strict, spam=spam, links=mode)
    except CommandError as error:
        say(f"error: {error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    if output_format is Format.json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for line in text_lines(result):
            say(line)
        warn(summary_line(result))
    if result["summary"]["failed"]:
        raise typer.Exit(EXIT_NOT_DELIVERED)


@app.command(cls=Command, epilog=examples("composer preview issues/2024-01-12.yaml",
                                          "composer preview issue.yaml --no-open --port 8000"))
def preview(
    issue: Annotated[Path, typer.Argument(help="The issue file to preview.", show_default=False)],
    port: Annotated[int, typer.Option("--port", help="Port to listen on; 0 picks a free one.", metavar="PORT")] = 0,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS",
                          help="Address to listen on. Anything but 127.0.0.1 exposes the preview to the network.")
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the preview in a browser.")] = True,
) -> None:
    """Serve a live preview of ISSUE that follows every save of the issue, house.yaml and templates."""
    from composer.commands.preview import serve

    if not 0 <= port <= 65535:
        misused(f"--port {port} is not a port number; give one from 1 to 65535, or 0 for any free one")
    try:
        serve(issue, host, port, open_browser=open_browser, log=typer.echo, warn=warn)
    except ComposerError as error:
        report(error)
    except CommandError as error:
        fail(error)
    except KeyboardInterrupt:
        typer.echo("preview stopped")


@app.command(cls=Command, epilog=examples("composer new issues/", "composer new issues/ --date 2024-01-19"))
def new(
    folder: Annotated[Path, typer.Argument(help="The folder of issues (with its house.yaml).")] = Path("."),
    on: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                 help="The issue date, YYYY-MM-DD; default: the next publication day.")
    ] = None,
    copy_from: Annotated[
        Path | None, typer.Option("--from", metavar="ISSUE",
                                  help="An earlier issue whose teasers and authors are copied.")
    ] = None,
) -> None:
    """Write the next issue's skeleton, named by its date, and the issue schema beside it; never overwrites."""
    from datetime import date

    from composer.commands.new import new_issue

    try:
        day = date.fromisoformat(on) if on is not None else None
    except ValueError:
        misused(f"--date '{on}' is not a date; write it as YYYY-MM-DD")
    try:
        made = new_issue(folder, on=day, copy_from=copy_from)
    except ComposerError as error:
        report(error)
    typer.echo(f"wrote {made.path}")
    typer.echo(f"wrote {made.schema_path}")


@app.command(cls=Command, epilog=examples("composer schema -o issue.schema.json", "composer schema --house"))
def schema(
    house: Annotated[bool, typer.Option("--house", help="The schema of house.yaml instead of the issue file.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file.", metavar="FILE")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of the issue file, for YAML editors' completion and checking."""
    from composer.commands.schema import schema_text, write_schema

    if output is None:
        typer.echo(schema_text(house=house), nl=False)
        return
    try:
        size = write_schema(output, house=house)
    except ComposerError as error:
        report(error)
    typer.echo(f"wrote {output}  ({size:,} bytes)")


def main() -> None:
    app(prog_name="composer")
