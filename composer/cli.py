"""The command line: typer options, and the one place where errors become exit codes.

Each command's work is in composer/commands/; every line printed goes through
`say`, which keeps it one line and masks any configured secret (printable.py),
and every error becomes an exit code in `outcome` (cli_output.py). The
`suppressions` commands are a group of their own (cli_suppressions.py).
"""

from __future__ import annotations

import os

# composer uses no pydantic plugins; looking for them scans every installed
# package's entry points, 14 ms of each cold start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from composer import __version__
from composer.cli_help import Command, Group, examples
from composer.cli_output import EXIT_NOT_DONE, EXIT_PROBLEMS, misused, outcome, say, warn
from composer.cli_suppressions import suppressions
from composer.diagnostics import CommandError
from composer.printable import forget, redact

app = typer.Typer(
    cls=Group,
    help="Compose the Diplomacy Watch newsletter from YAML into email-ready HTML and plain text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

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

    with outcome():
        result = build_issues(issues, output, allow_clipping=allow_clipping, eml=eml, strict_all=strict_all)
    for line in result.messages():
        warn(line)
    for path, size in result.written.items():
        say(f"wrote {path}  ({size:,} bytes)")
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
    strict_all: Annotated[
        bool, typer.Option("--strict-all", help="Write nothing at all when any one of the issues has a problem.")
    ] = False,
    include_future: Annotated[
        bool, typer.Option("--include-future", help="Publish issues dated after today too (drafts stay out).")
    ] = False,
) -> None:
    """Build the web edition: a page per issue, the archive, Atom and JSON feeds, and sitemap.xml.
    Drafts are left out, and issues dated after today until their day."""
    from composer.commands.site import build_site

    with outcome():
        result = build_site(folder, output, base_url=base_url, strict_all=strict_all, include_future=include_future)
    for line in result.messages():
        warn(line)
    for path, size in result.written.items():
        say(f"wrote {path}  ({size:,} bytes)")
    for path in result.removed:
        say(f"removed {path}")
    say(result.summary(output))
    if result.not_published:
        warn(f"not published: {', '.join(result.not_published)}; the others are on the site")
        raise typer.Exit(EXIT_PROBLEMS)


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
    """Send a test copy of ISSUE, subject "[TEST] …", to a few reviewers, each their own."""
    from composer.commands.send import prepare

    with outcome():
        test_send = prepare(issue, to, provider, warn=warn)
        lines = test_send.dry_run() if dry_run else [test_send.send()]
    for line in lines:
        say(line)


def _ask(question: str) -> bool:
    say(question)
    return typer.prompt('Type "send" to go ahead').strip().lower() == "send"


def _asker():
    """The typed confirmation at a terminal; None without one (then --yes is needed)."""
    return _ask if sys.stdin.isatty() else None


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
) -> None:
    """Create or update ISSUE's draft at the newsletter platform; --send sends or schedules it."""
    from composer.commands.publish import publish as publish_issue
    from composer.commands.publish import schedule_time

    with outcome():
        when = schedule_time(at, send_now)
        done = publish_issue(issue, platform=platform, send_now=send_now, when=when, yes=yes, ask=_asker(),
                             echo=say, warn=warn, test_to=test_to)
    if not done:
        raise typer.Exit(EXIT_NOT_DONE)


@app.command(cls=Command, epilog=examples("composer broadcast issues/2024-01-12.yaml subscribers.csv --dry-run",
                                          "composer broadcast issues/2024-01-12.yaml subscribers.csv"))
def broadcast(
    issue: Annotated[Path, typer.Argument(help="The issue file to send.", show_default=False)],
    readers: Annotated[Path, typer.Argument(metavar="LIST", show_default=False,
                                            help="The CSV list of readers: an `email` column, and `name` and "
                                                 "`status` if you have them.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Who would get it, and how; send nothing.")] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Send a changed issue to the readers not yet sent.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before sending (needed without a terminal); send "
                                                    "even when the suppression list's feedback is stale.")] = False,
) -> None:
    """Send ISSUE to every reader of LIST through the house's own provider, exactly once, with a ledger
    beside the issue that a rerun resumes from."""
    from composer.commands.broadcast import finished_lines
    from composer.commands.broadcast import prepare as prepare_broadcast
    from composer.progress import PlainProgress, TerminalProgress

    with outcome():
        mailing = prepare_broadcast(issue, readers, dry_run=dry_run, restart=restart, warn=warn, yes=yes)
    complete = True
    try:
        with outcome(interrupted="stopped at once: the batch in flight may have been accepted; run again to resume"):
            if dry_run:
                lines = mailing.dry_run()
            else:
                if mailing.to_send and not yes:
                    ask = _asker()
                    if ask is None:
                        raise CommandError("broadcast asks for confirmation at a terminal; pass --yes to skip it")
                    if not ask(mailing.question()):
                        say("not sent")
                        raise typer.Exit(EXIT_NOT_DONE)
                progress = TerminalProgress() if sys.stderr.isatty() else PlainProgress(warn)
                complete = mailing.run(progress)
                lines = finished_lines(mailing)
            for line in lines:
                say(line)
    finally:
        mailing.close()
    if not complete:
        raise typer.Exit(EXIT_NOT_DONE)


@app.command(cls=Command, epilog=examples("composer ledger issues/2024-01-12.yaml"))
def ledger(
    issue: Annotated[Path, typer.Argument(help="The issue whose broadcast to report.", show_default=False)],
) -> None:
    """What the ledger of ISSUE's broadcast says: sent, failed and why, not yet sent, skipped."""
    from composer.commands.broadcast import status

    with outcome():
        lines = status(issue)
    for line in lines:
        say(line)


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
    from composer.commands.check import check_report, link_mode, summary_line, text_lines

    try:
        mode = link_mode(links, offline, changed)
    except ValueError as error:
        misused(str(error))
    with outcome(not_done=EXIT_PROBLEMS):
        result = check_report(issues, strict=strict, spam=spam, links=mode)
    if output_format is Format.json:
        typer.echo(redact(json.dumps(result, indent=2, ensure_ascii=False)))  # a document: its lines are its own
    else:
        for line in text_lines(result):
            say(line)
        warn(summary_line(result))
    if result["summary"]["failed"]:
        raise typer.Exit(EXIT_NOT_DONE)


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
        with outcome():
            serve(issue, host, port, open_browser=open_browser, log=say, warn=warn)
    except KeyboardInterrupt:
        say("preview stopped")


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
    from composer.commands.new import new_issue

    try:
        day = date.fromisoformat(on) if on is not None else None
    except ValueError:
        misused(f"--date '{on}' is not a date; write it as YYYY-MM-DD")
    with outcome():
        made = new_issue(folder, on=day, copy_from=copy_from)
    say(f"wrote {made.path}")
    say(f"wrote {made.schema_path}")
    if made.gitignore:
        say(f"wrote {made.gitignore} (ledgers, suppression lists, outboxes and publish state stay out of git)")


@app.command(cls=Command, epilog=examples("composer explain DW406", "composer explain"))
def explain(
    code: Annotated[str | None, typer.Argument(help="A check code, such as DW406; none lists them all.",
                                               show_default=False)] = None,
) -> None:
    """Explain a check code, with an example it reports and the same written as the house wants it."""
    from composer.commands.explain import explanation, listing, normalised

    with outcome(not_done=EXIT_PROBLEMS):
        lines = listing() if code is None else explanation(normalised(code))
    for line in lines:
        say(line)


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
    with outcome():
        size = write_schema(output, house=house)
    say(f"wrote {output}  ({size:,} bytes)")


app.add_typer(suppressions, name="suppressions")


def main() -> None:
    app(prog_name="composer")
