"""The list: a CSV file of readers, read one row at a time.

Columns (the header row names them, in any order and case): `email`, and
optionally `name` and `status`. Only `subscribed` or an empty status is
mailed; any other status (`unsubscribed`, `bounced`, …) is kept and counted
as skipped. Addresses are checked by syntax only (email-validator, no DNS).
A bad row is reported with its line and left out; it never stops the send.
De-duplication is the ledger's job, by primary key, so nothing here grows
with the list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from composer.codes import INVALID, WARNING
from composer.diagnostics import ComposerError, Diagnostic

MAILED = {"", "subscribed"}


@dataclass(frozen=True)
class Reader:
    line: int
    address: str  # as email-validator normalises it: the domain in lower case
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


def read_list(path: Path) -> Iterator[Reader | Diagnostic]:
    """Every row of the list: a Reader, or a Diagnostic saying why the row is left out."""
    from email_validator import EmailNotValidError, validate_email

    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ComposerError.at(path, f"cannot read the list ({error.strerror}); give the path of a CSV file") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            if "email" not in header:
                raise ComposerError.at(path, "the list has no `email` column; the first row must name the columns, "
                                             "as in: email,name,status")
            columns = {name: header.index(name) for name in ("email", "name", "status") if name in header}
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                cell = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
                raw = cell["email"]
                if not raw:
                    yield bad_row(path, line, "no address in the `email` column; the row is left out")
                    continue
                try:
                    address = validate_email(raw, check_deliverability=False).normalized
                except EmailNotValidError as error:
                    yield bad_row(path, line, f"'{raw}' is not an e-mail address ({error}); the row is left out")
                    continue
                yield Reader(line, address, cell.get("name", ""), cell.get("status", "").lower())
        except UnicodeDecodeError:
            raise ComposerError.at(path, "the list is not UTF-8 text; save it as CSV UTF-8",
                                   line=reader.line_num + 1) from None
        except csv.Error as error:
            raise ComposerError.at(path, f"the list is not readable CSV ({error}); save it as CSV UTF-8",
                                   line=reader.line_num) from None
