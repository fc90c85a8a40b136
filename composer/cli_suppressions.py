"""`composer suppressions …`: the typer group of the suppression-list commands, thin as the others.

The work is in composer/commands/suppressions.py; every line goes through
`say`, and every error through `outcome` (cli_output.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from composer.cli_help import Command, Group, examples
from composer.cli_output import misused, outcome, say, warn

suppressions = typer.Typer(
    cls=Group, no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
    help="The readers never to mail again: list, add, remove, import, export, pull from the provider, and "
         "serve the unsubscribe endpoint and webhooks that fill it.")

Folder = Annotated[Path, typer.Argument(help="The folder of house.yaml.", show_default=False)]
Addresses = Annotated[list[str], typer.Argument(metavar="ADDRESS...", help="One or more addresses.",
                                                show_default=False)]


@suppressions.command("list", cls=Command, epilog=examples("composer suppressions list issues/"))
def list_(folder: Folder) -> None:
    """Every suppressed address with its reason, source, time and issue; then the counts."""
    from composer.commands.suppressions import listing

    with outcome():
        lines = listing(folder)
    for line in lines:
        say(line)


@suppressions.command(cls=Command, epilog=examples("composer suppressions add issues/ ann@example.org"))
def add(folder: Folder, addresses: Addresses,
        issue: Annotated[str | None, typer.Option("--issue", metavar="SLUG", help="The issue it came from.")] = None,
        ) -> None:
    """Suppress addresses by hand (reason `manual`): they are never mailed again."""
    from composer.commands.suppressions import add as add_addresses

    with outcome():
        line = add_addresses(folder, addresses, issue=issue)
    say(line)


@suppressions.command(cls=Command, epilog=examples("composer suppressions remove issues/ ann@example.org"))
def remove(folder: Folder, addresses: Addresses) -> None:
    """Take addresses off the list (a reader who asked to come back); the next send mails them again."""
    from composer.commands.suppressions import remove as remove_addresses

    with outcome():
        line = remove_addresses(folder, addresses)
    say(line)


@suppressions.command("import", cls=Command,
                      epilog=examples("composer suppressions import issues/ old-platform-unsubscribes.csv"))
def import_(folder: Folder,
            file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                                 help="A CSV file with an `address` (or `email`) column, and "
                                                      "`reason`, `at`, `issue`, `detail` if it has them.")]) -> None:
    """Add the addresses of a CSV file (reason `manual` where it gives none); bad rows are reported."""
    from composer.commands.suppressions import import_file

    with outcome():
        line = import_file(folder, file, warn)
    say(line)


@suppressions.command(cls=Command, epilog=examples("composer suppressions export issues/ -o suppressions.csv"))
def export(folder: Folder,
           output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE",
                                                       help="Write the CSV to this file; default: print it.")] = None,
           ) -> None:
    """The whole list as CSV: address, reason, source, at, issue, detail."""
    from composer.commands.suppressions import export_file, export_text

    with outcome():
        if output is not None:
            say(export_file(folder, output))
            return
        text = export_text(folder)
    for line in text.splitlines():
        say(line)


@suppressions.command(cls=Command, epilog=examples("composer suppressions pull issues/",
                                                   "composer suppressions pull issues/ --provider sendgrid"))
def pull(folder: Folder,
         provider: Annotated[str | None, typer.Option("--provider", metavar="NAME",
                                                      help="postmark, ses, sendgrid or mailgun; default from "
                                                           "house.yaml.")] = None) -> None:
    """Fetch the provider's own suppression list (bounces, complaints, unsubscribes) into the house's."""
    from composer.commands.suppressions import pull as pull_list

    with outcome():
        lines = pull_list(folder, provider)
    for line in lines:
        say(line)


@suppressions.command(cls=Command, epilog=examples("composer suppressions serve issues/ --port 8025"))
def serve(folder: Folder,
          host: Annotated[str, typer.Option("--host", metavar="ADDRESS",
                                            help="Address to listen on; keep 127.0.0.1 behind a reverse proxy.")
                          ] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port to listen on; 0 picks a free one.")
                          ] = 8025) -> None:
    """Serve the one-click unsubscribe endpoint at unsubscribe_url's path, and the providers' webhooks."""
    from composer.commands.suppressions import serve as serve_endpoint

    if not 0 <= port <= 65535:
        misused(f"--port {port} is not a port number; give one from 1 to 65535, or 0 for any free one")
    try:
        with outcome():
            serve_endpoint(folder, host, port, log=say, warn=warn)
    except KeyboardInterrupt:
        say("endpoint stopped")
