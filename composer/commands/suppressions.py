"""`composer suppressions …`: the house's list of readers never to mail again, by hand, by file, from the
providers, and the endpoint that fills it.

    list | add | remove           the list itself (reason `manual` for what an editor adds)
    import FILE | export          CSV in and out: address, reason, source, at, issue, detail
    pull                          the provider's own suppression list (Postmark, SES, SendGrid, Mailgun)
    serve                         the unsubscribe endpoint and webhooks (suppressions/app.py), with uvicorn
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from composer.addresses import Unfit
from composer.codes import INVALID, WARNING
from composer.diagnostics import CommandError, ComposerError, DeliveryError, Diagnostic
from composer.hosts import LOOPBACK, listening_socket
from composer.loader import HOUSE_FILE, load_house, validate_part
from composer.model.house import House
from composer.output import write_all
from composer.send.providers import Delivery
from composer.suppressions import mailgun, postmark, sendgrid, ses
from composer.suppressions.app import Endpoint, hosts_for
from composer.suppressions.events import apply, utc
from composer.suppressions.store import REASONS, Entry, Store, key_of, now

Echo = Callable[[str], None]
PULLS = {module.NAME: module for module in (postmark, ses, sendgrid, mailgun)}
COLUMNS = ("address", "reason", "source", "at", "issue", "detail")


def house_of(folder: Path) -> House:
    if not folder.is_dir():
        raise ComposerError.at(folder, "not a folder; give the folder of house.yaml")
    return load_house(folder)[0]


@contextmanager
def opened(folder: Path) -> Iterator[tuple[House, Store]]:
    house = house_of(folder)
    store = Store.open(folder, house.suppressions)
    try:
        yield house, store
    finally:
        store.close()


def listing(folder: Path) -> list[str]:
    with opened(folder) as (_, store):
        counts = store.counts()
        lines = [f"{entry.address}  {entry.reason}  {entry.source}  {entry.at}" +
                 (f"  issue {entry.issue}" if entry.issue else "") + (f"  ({entry.detail})" if entry.detail else "")
                 for entry in store.entries()]
        heard = store.last_heard()
    total = sum(counts.values())
    return [*lines, f"{total:,} suppressed: " + ", ".join(f"{reason} {n:,}" for reason, n in counts.items()),
            f"last webhook or pull: {heard or 'never'}"]


def _keys(addresses: list[str]) -> list[str]:
    problems = []
    for address in addresses:
        try:
            key_of(address)
        except Unfit as unfit:
            problems.append(f"{unfit}; nothing was changed")
    if problems:
        raise CommandError(*problems)
    return addresses


def add(folder: Path, addresses: list[str], reason: str = "manual", issue: str | None = None) -> str:
    with opened(folder) as (_, store):
        added = store.add(Entry(a, reason, "manual", now(), issue) for a in _keys(addresses))
    return f"suppressed {added:,} new, {len(addresses) - added:,} already on the list"


def remove(folder: Path, addresses: list[str]) -> str:
    with opened(folder) as (_, store):
        removed = store.remove(_keys(addresses))
    return (f"removed {removed:,} from the list; they are mailed again from the next send if the CSV list has them"
            + (f" ({len(addresses) - removed:,} were not on it)" if removed < len(addresses) else ""))


def _rows(path: Path, warn: Echo) -> Iterator[Entry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ComposerError.at(path, f"cannot read the file ({getattr(error, 'strerror', None) or error}); "
                                     "give a UTF-8 CSV file") from None
    reader = csv.DictReader(io.StringIO(text))
    names = {name.strip().lower(): name for name in reader.fieldnames or []}
    column = names.get("address") or names.get("email")
    if column is None:
        raise ComposerError.at(path, "the file has no `address` (or `email`) column; the first row must name the "
                                     "columns, as in: address,reason")
    for row in reader:
        line = reader.line_num
        cells = {name: (row.get(original) or "").strip() for name, original in names.items()}
        reason = cells.get("reason", "").lower() or "manual"
        try:
            key_of(row.get(column) or "")
        except Unfit as unfit:
            warn(str(Diagnostic(path=str(path), line=line, severity=WARNING, code=INVALID,
                                message=f"{unfit}; the row is left out")))
            continue
        if reason not in REASONS:
            warn(str(Diagnostic(path=str(path), line=line, severity=WARNING, code=INVALID,
                                message=f"unknown reason '{reason}'; use one of {', '.join(REASONS)}; "
                                        "the row is left out")))
            continue
        yield Entry(row[column], reason, "import", utc(cells.get("at")) or now(), cells.get("issue") or None,
                    cells.get("detail") or None)


def import_file(folder: Path, path: Path, warn: Echo) -> str:
    with opened(folder) as (_, store):
        entries = list(_rows(path, warn))
        added = store.add(entries)
    return f"imported {added:,} new, {len(entries) - added:,} already on the list"


def export_text(folder: Path) -> str:
    with opened(folder) as (_, store):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for entry in store.entries():
            writer.writerow([entry.address, entry.reason, entry.source, entry.at, entry.issue or "",
                             entry.detail or ""])
    return out.getvalue()


def export_file(folder: Path, output: Path) -> str:
    text = export_text(folder)
    write_all({output: text.encode("utf-8")})
    return f"wrote {output}  ({text.count(chr(10)) - 1:,} suppressed)"


def pull(folder: Path, provider: str | None = None) -> list[str]:
    house = house_of(folder)
    settings: Any = validate_part(folder / HOUSE_FILE, Delivery, ("delivery",))
    name = provider or settings.provider
    module = PULLS.get(name)
    if module is None:
        raise DeliveryError(f"{name} keeps no suppression list to pull; choose one of {', '.join(PULLS)} "
                            "with --provider, or rely on the endpoint's webhooks")
    with opened(folder) as (_, store):
        done = apply(store, module.pull(settings, house), "pull", house.suppressions.soft_bounce_limit)
        store.heard(f"pull:{name}")
    return [f"pulled {name}'s suppression list: {done['suppressed']:,} newly suppressed, "
            f"{done['already']:,} already on the list" + (f", {done['ignored']:,} not addresses" if done["ignored"]
                                                         else "")]


def serve(folder: Path, host: str, port: int, *, log: Echo, warn: Echo) -> None:
    """Run the endpoint until Ctrl-C."""
    import uvicorn

    house = house_of(folder)
    endpoint = Endpoint(folder, house, Store.open(folder, house.suppressions), log)
    sock = listening_socket(host, port)
    port = sock.getsockname()[1]
    if host not in LOOPBACK:
        warn(f"warning: listening on {host} without TLS; put the endpoint behind a reverse proxy that has it")
    log(f"serving the unsubscribe endpoint at http://{'[' + host + ']' if ':' in host else host}:{port}"
        f"{endpoint.path} and webhooks at {house.suppressions.webhook_path}/<provider>, for "
        f"{', '.join(h for h in hosts_for(house) if h not in LOOPBACK and h != '[::1]')} (Ctrl-C to stop)")
    # The client's address from X-Forwarded-For only when the proxy is on this machine; no access log,
    # which would print every reader's token.
    config = uvicorn.Config(endpoint.app(), log_level="warning", access_log=False, proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", timeout_graceful_shutdown=1, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        endpoint.store.close()
    log("endpoint stopped")

