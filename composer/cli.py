"""The command line: one function per command, each a thin shell around the library."""

from __future__ import annotations

import os

# composer uses no pydantic plugins; looking for them scans every installed
# package's entry points, 14 ms of each cold start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from composer import __version__
from composer.problems import ComposerError, DeliveryError

app = typer.Typer(
    help="Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

EXIT_PROBLEMS = 2
EXIT_NOT_DELIVERED = 1


def report(error: ComposerError) -> None:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def fail(error: DeliveryError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(EXIT_NOT_DELIVERED)


def _render_for_sending(issue: Path):
    from composer.build import render_checked

    try:
        built, warnings = render_checked(issue)
    except ComposerError as error:
        report(error)
    for warning in warnings:
        typer.echo(str(warning), err=True)
    return built


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
    eml: Annotated[bool, typer.Option("--eml", help="Also write <slug>.eml, the complete MIME message.")] = False,
) -> None:
    """Build each issue into <slug>.html and <slug>.txt in the output folder."""
    from composer.build import build as build_issues

    try:
        result = build_issues(issues, output, allow_clipping=allow_clipping, eml=eml)
    except ComposerError as error:
        report(error)
    for warning in result.warnings:
        typer.echo(str(warning), err=True)
    for path, size in result.written.items():
        typer.echo(f"wrote {path}  ({size:,} bytes)")


@app.command()
def send(
    issue: Annotated[Path, typer.Argument(help="The issue file to send.", show_default=False)],
    to: Annotated[list[str], typer.Option("--to", help="A reviewer's address; repeat for more.", show_default=False)],
    provider: Annotated[
        Optional[str], typer.Option("--provider", help="smtp, postmark, sendgrid, mailgun, ses or outbox; default from house.yaml.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent, and send nothing.")] = False,
) -> None:
    """Send a test copy of ISSUE, subject "[TEST] …", to a few reviewers."""
    from composer.delivery import Outgoing, check_recipients, provider_for

    try:
        recipients = check_recipients(to)
    except ComposerError as error:
        report(error)
    built = _render_for_sending(issue)
    mail = Outgoing(built.message(recipients, test=True), recipients, built.html, built.text, built.edition.slug)
    try:
        chosen = provider_for(built.edition.house, issue.parent, provider)
    except DeliveryError as error:
        fail(error)
    if dry_run:
        for name in ("From", "Reply-To", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"):
            if mail.header(name):
                typer.echo(f"{name}: {mail.header(name)}")
        typer.echo(f"parts: text/plain {len(built.text.encode()):,} bytes, text/html {len(built.html.encode()):,} bytes")
        typer.echo(f"dry run: nothing sent; would send through {chosen.name}")
        return
    try:
        receipt = chosen.send(mail)
    except DeliveryError as error:
        fail(error)
    typer.echo(f'sent "{mail.subject}" to {", ".join(recipients)} through {chosen.name} ({receipt})')


@app.command()
def publish(
    issue: Annotated[Path, typer.Argument(help="The issue file to publish.", show_default=False)],
    platform: Annotated[
        Optional[str], typer.Option("--platform", help="mailchimp or buttondown; default from house.yaml.")
    ] = None,
    send_now: Annotated[bool, typer.Option("--send", help="After saving the draft, send it to the list (asks first).")] = False,
    at: Annotated[
        Optional[str], typer.Option("--at", help="With --send: schedule for this time instead, e.g. 2024-01-12T09:00+00:00.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before sending (needed without a terminal).")] = False,
) -> None:
    """Create or update ISSUE's draft at the newsletter platform; --send sends or schedules it."""
    import sys
    from datetime import datetime

    from composer.platforms import PublishState, platform_for

    when = None
    if at:
        if not send_now:
            fail(DeliveryError("--at schedules a send, so it needs --send too"))
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            fail(DeliveryError(f"--at {at!r} is not a date and time; write it as 2024-01-12T09:00+00:00"))
        if when.tzinfo is None:
            when = when.astimezone()  # a time without a zone is the editor's local time
    built = _render_for_sending(issue)
    edition = built.edition
    try:
        chosen = platform_for(edition, platform)
        state = PublishState(issue)
        state.check_writable()
        draft = chosen.save(edition, built.html, built.text, state.draft(chosen.name))
        state.remember(chosen.name, draft)
        typer.echo(f"{chosen.name}: draft {draft.id} saved; review it at {draft.url}")
        if not send_now:
            return
        audience = chosen.audience(edition)
        action = f"schedule for {when.isoformat()}" if when else "send now"
        if not yes:
            if not sys.stdin.isatty():
                fail(DeliveryError("publish --send asks for confirmation at a terminal; pass --yes to skip it"))
            typer.echo(f'About to {action}: "{edition.subject}" to {audience}.')
            if typer.prompt('Type "send" to go ahead').strip().lower() != "send":
                typer.echo("not sent; the draft is saved")
                raise typer.Exit(EXIT_NOT_DELIVERED)
        outcome = chosen.send(draft, when)
    except DeliveryError as error:
        fail(error)
    typer.echo(f'{chosen.name}: "{edition.subject}" {outcome} to {audience}')


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def check(
    issues: Annotated[list[Path], typer.Argument(help="Issue files, or folders of them.", show_default=False)],
    output_format: Annotated[Format, typer.Option("--format", help="text, or json for editors and CI.")] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    spam: Annotated[bool, typer.Option("--spam", help="Also score the message with SpamAssassin (offline).")] = False,
) -> None:
    """Check issues before sending: findings as file:line:col: severity code message."""
    import json

    from composer.build import issue_files
    from composer.checks import Finding, check_report

    paths = issue_files(issues)
    if not paths:
        report(ComposerError.at(issues[0], "no issue files found; give a .yaml file or a folder of them"))
    try:
        result = check_report(paths, strict=strict, spam=spam)
    except DeliveryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    if output_format is Format.json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for entry in result["files"]:
            for finding in entry["findings"]:
                typer.echo(str(Finding(**finding)))
            if "spam" in entry:
                rules = ", ".join(f"{r['name']} ({r['score']:+.1f})" for r in entry["spam"]["rules"]) or "none"
                typer.echo(f"{entry['path']}: SpamAssassin score {entry['spam']['score']:.1f} "
                           f"(spam at {entry['spam']['required']:.1f}); rules: {rules}")
        summary = result["summary"]
        typer.echo(f"{summary['errors']} error(s), {summary['warnings']} warning(s)", err=True)
    if result["summary"]["failed"]:
        raise typer.Exit(EXIT_NOT_DELIVERED)


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
    from composer.hosts import LOOPBACK
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
