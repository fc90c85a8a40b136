"""The list: a CSV file of readers, read one row at a time.

Columns (the header row names them, in any order and case): `email`, and
optionally `name` and `status`. Only `subscribed` or an empty status is
mailed; any other status (`unsubscribed`, `bounced`, …) is kept and counted
as skipped. Addresses and names are judged as every address composer mails
is (addresses.py): by syntax only, no DNS; an international domain kept as
its A-label. A bad row (an address or a name that cannot go into a mail
header, a cell of a megabyte) is reported with its line and left out; it
never stops the send.
De-duplication is the ledger's job, by primary key, so nothing here grows
with the list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from composer.addresses import Unfit, name_problem, wire_address
from composer.codes import INVALID, WARNING
from composer.diagnostics import ComposerError, Diagnostic

MAILED = {"", "subscribed"}
# The longest row the reader takes; a longer one is reported and left out. csv's own limit (128 KiB a
# cell) would make the rest of the list unreadable instead.
LONGEST_ROW = 64 * 1024


@dataclass(frozen=True)
class Reader:
    line: int
    address: str  # as it travels: the domain in lower case, an international one as its A-label
    name: str
    status: str  # "" or "subscribed" means mailed

    @property
    def key(self) -> str:
        """One reader per address whatever its case: Ann@X.org and ann@x.org are one person."""
        return self.address.lower()

    @property
    def mailed(self) -> bool:
        return self.status in MAILED


def bad_row(path: Path, line: int, message: str) -> Diagnostic:
    # Printed like a refusal, `list.csv:12:1: what is wrong`, but it only warns: the send goes on.
    return Diagnostic(path=str(path), line=line, severity=WARNING, code=INVALID, message=message)


def _rows(handle) -> Iterator[tuple[int, str | None]]:
    """(line number, text of one CSV record) — None for a record over LONGEST_ROW, read past without
    keeping it. A quoted cell may hold line breaks, so a record ends where its quotes balance."""
    line, quotes, start, too_long = 0, 0, 1, False
    record: list[str] = []
    for text in iter(lambda: handle.readline(LONGEST_ROW + 1), ""):
        if not record and not too_long:
            start = line + 1
        if text.endswith("\n"):
            line += 1
        quotes += text.count('"')
        too_long = too_long or sum(len(part) for part in record) + len(text) > LONGEST_ROW
        if not too_long:
            record.append(text)
        if text.endswith("\n") and quotes % 2 == 0:
            yield start, None if too_long else "".join(record)
            record, quotes, too_long = [], 0, False
    if record or too_long:
        yield start, None if too_long else "".join(record)


def read_list(path: Path) -> Iterator[Reader | Diagnostic]:
    """Every row of the list: a Reader, or a Diagnostic saying why the row is left out."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ComposerError.at(path, f"cannot read the list ({error.strerror}); give the path of a CSV file") from None
    line = 1
    with handle:
        try:
            rows = _rows(handle)
            _, header_text = next(rows, (1, ""))
            header = [name.strip().lower() for name in next(csv.reader([header_text or ""]), [])]
            if "email" not in header:
                raise ComposerError.at(path, "the list has no `email` column; the first row must name the columns, "
                                             "as in: email,name,status")
            columns = {name: header.index(name) for name in ("email", "name", "status") if name in header}
            for line, text in rows:
                if text is None:
                    yield bad_row(path, line, f"the row is over {LONGEST_ROW // 1024} KB long, which no reader's "
                                              "row is; the row is left out")
                    continue
                try:
                    row = next(csv.reader([text]), [])
                except csv.Error as error:
                    yield bad_row(path, line, f"the row is not readable CSV ({error}); the row is left out")
                    continue
                if not any(cell.strip() for cell in row):
                    continue
                yield _reader(path, line, {name: row[index].strip() if index < len(row) else ""
                                           for name, index in columns.items()})
        except UnicodeDecodeError:
            raise ComposerError.at(path, "the list is not UTF-8 text; save it as CSV UTF-8", line=line + 1) from None


def _reader(path: Path, line: int, cell: dict[str, str]) -> Reader | Diagnostic:
    raw = cell["email"]
    if not raw:
        return bad_row(path, line, "no address in the `email` column; the row is left out")
    try:
        address = wire_address(raw)
    except Unfit as unfit:
        return bad_row(path, line, f"{unfit}; the row is left out")
    name = cell.get("name", "")
    if problem := name_problem(name):
        return bad_row(path, line, f"{problem}; the row is left out")
    return Reader(line, address, name, cell.get("status", "").lower())
