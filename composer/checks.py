"""`composer check`: the editor's pre-flight, each finding pointing at its YAML line.

The checks read the validated Edition and the built HTML; every finding names
a stable code (see codes.py), a severity and, where there is one, a fix.
Codes listed under `silence:` in the issue are dropped.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import asdict, dataclass
from functools import cache
from datetime import date, timedelta
from urllib.parse import urlsplit

from composer import budget, markdown
from composer.codes import ERROR, WARNING, severity
from composer.problems import ComposerError, Problem
from composer.tracking import UTM_KEYS, has_utm, utm_keys

WEEKDAYS = list(calendar.day_name)  # Monday … Sunday
MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
SHORTENERS = {
    "bit.ly", "t.co", "tinyurl.com", "ow.ly", "buff.ly", "goo.gl", "is.gd", "lnkd.in", "trib.al", "dlvr.it",
    "rb.gy", "shorturl.at", "cutt.ly", "tiny.cc", "rebrand.ly", "bl.ink", "t.ly", "s.id", "v.gd", "qr.ae",
}
VAGUE_LINK_TEXT = {"click here", "here", "read more", "more", "this", "this link", "link", "learn more", "click"}
PLACEHOLDER_ALT = re.compile(r"^(image|photo|picture|img|graphic|logo|top image|untitled|\S+\.(jpe?g|png|gif|webp))$", re.I)

@cache
def _date_text() -> re.Pattern:
    # Compiled on first use, like the pattern below: not every command needs them.
    return re.compile(
        rf"\b(?:(?P<month>{MONTH})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?"
        rf"|(?P<day2>\d{{1,2}}) (?P<month2>{MONTH})(?: (?P<year2>\d{{4}}))?"
        r"|(?P<iso>\d{4}-\d{2}-\d{2}))\b"
    )


@cache
def _weekday_text() -> re.Pattern:
    return re.compile(
        rf"\b(?:(?P<lead>next|this\s+coming|this)\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})\b"
        rf"(?P<tail>,? (?:{MONTH})\.? \d{{1,2}}(?:, \d{{4}})?\b|,? \d{{1,2}} (?:{MONTH})(?: \d{{4}})?\b)?",
        re.I,
    )


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    severity: str
    message: str
    fix: str | None = None

    @property
    def text(self) -> str:
        fix = f"; {self.fix}" if self.fix else ""
        return f"{self.severity} {self.code} {self.message}{fix}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.text}"

    def as_dict(self) -> dict:
        return asdict(self)

    def as_problem(self) -> Problem:
        return Problem(self.path, self.line, self.column, self.text)


class Checker:
    def __init__(self, built, *, allow_clipping: bool = False, spam: bool = False):
        self.built = built
        self.edition = built.edition
        self.issue = built.edition.issue
        self.house = built.edition.house
        self.allow_clipping = allow_clipping
        self.with_spam = spam
        self.spam_report: dict | None = None
        self.findings: list[Finding] = []

    # -- helpers -------------------------------------------------------------
    def add(self, code: str, loc: tuple, message: str, fix: str | None = None, *, snippet: str | None = None,
            key: bool = False, level: str | None = None, path: str | None = None, at: tuple[int, int] | None = None):
        if at is None:
            at = self.locate(loc, snippet) if snippet else self.edition.position(loc, key=key)
        self.findings.append(Finding(path or self.edition.source_name, *at, code, level or severity(code), message, fix))

    def locate(self, loc: tuple, snippet: str) -> tuple[int, int]:
        source = self.edition.source
        return source.locate(loc, snippet) if source else (1, 1)

    def prose(self):
        """(loc, Markdown source) of every prose field the editor wrote."""
        yield ("lead",), self.issue.lead
        for n, item in enumerate(self.issue.items):
            yield ("items", n), item
        if self.issue.state_department:
            yield ("state_department",), self.issue.state_department
        for n, teaser in enumerate(self.issue.teasers):
            yield ("teasers", n, "summary"), teaser.summary
        for name in ("appeal", "subscribe"):
            if getattr(self.issue.footer, name):
                yield ("footer", name), getattr(self.issue.footer, name)

    def links(self):
        """(loc, href, link text) of every link the editor wrote."""
        for loc, source in self.prose():
            for href, text in markdown.links_with_text(source):
                yield loc, href, text
        for n, teaser in enumerate(self.issue.teasers):
            yield ("teasers", n, "url"), teaser.url, markdown.inline_to_text(teaser.headline)

    # -- 1. attribution ----------------------------------------------------------
    def attribution(self):
        own = urlsplit(self.house.publication_url).hostname or ""
        for n, item in enumerate(self.issue.items):
            hosts = {urlsplit(href).hostname or "" for href in markdown.links(item)}
            if hosts and all(h == own or h.endswith("." + own) for h in hosts):
                self.add("DW102", ("items", n), f"this item's only links go to {own}, the newsletter's own site",
                         "credit the outside source the news came from, with a link to it")

    # -- 2. dates ------------------------------------------------------------------
    def dates(self):
        issue_date = self.issue.date
        for loc, source in self.prose():
            text = markdown.block_to_text(source)
            for match in _date_text().finditer(text):
                written = self._date(match, issue_date)
                if written and written > issue_date:
                    self.add("DW202", loc, f"'{match[0]}' is {written.isoformat()}, after the issue date "
                             f"{issue_date.isoformat()}", "check the date, or the issue's `date:`", snippet=match[0])
        for n, item in enumerate(self.issue.items):
            for match in _weekday_text().finditer(markdown.block_to_text(item)):
                self._weekday(("items", n), match, issue_date)

    @staticmethod
    def _date(match: re.Match, issue_date: date) -> date | None:
        """The date a match names. Without a year, the one nearest the issue: "December 28"
        in an issue of January 5 is the December before, "March 20" in one of March 17 is days later."""
        try:
            if match["iso"]:
                return date.fromisoformat(match["iso"])
            month = MONTHS[match["month"] or match["month2"]]
            day = int(match["day"] or match["day2"])
            year = match["year"] or match["year2"]
            if year:
                return date(int(year), month, day)
            written = date(issue_date.year, month, day)
            return written.replace(year=issue_date.year - 1) if written > issue_date + timedelta(days=183) else written
        except (ValueError, KeyError):
            return None

    def _weekday(self, loc: tuple, match: re.Match, issue_date: date) -> None:
        weekday = WEEKDAYS.index(match["weekday"].title())
        said = match[0].strip(", ")
        if match["tail"]:
            tail = _date_text().search(match["tail"])
            written = self._date(tail, issue_date) if tail else None
            if written and written.weekday() != weekday:
                self.add("DW203", loc, f"'{said}': {written.isoformat()} was a {WEEKDAYS[written.weekday()]}",
                         "correct the weekday or the date", snippet=match["weekday"])
            return
        if match["lead"]:
            lead = " ".join(match["lead"].lower().split())
            if lead == "this":  # "this Saturday": the Saturday of the issue's own week
                resolved = issue_date + timedelta(days=weekday - issue_date.weekday())
            else:  # "next Tuesday", "this coming Tuesday": the first one after the issue date
                resolved = issue_date + timedelta(days=(weekday - issue_date.weekday()) % 7 or 7)
            if resolved >= issue_date:
                self.add("DW201", loc, f"'{said}' is {resolved.isoformat()}, not in the 7 days before the issue "
                         f"date {issue_date.isoformat()}", "news items report what already happened; name the day it did",
                         snippet=said)

    # -- 3. links ----------------------------------------------------------------
    def link_rules(self):
        seen: dict[str, tuple] = {}
        for loc, href, text in self.links():
            parts = urlsplit(href)
            host = parts.hostname or ""
            if parts.scheme in ("http", "https"):
                if " " in href or "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
                    self.add("DW301", loc, f"the link '{href}' is not a well-formed web address",
                             "copy the address again from the browser's address bar", snippet=href)
                if host.removeprefix("www.") in SHORTENERS:
                    self.add("DW303", loc, f"the link '{href}' goes through the shortener {host}",
                             "link to the page itself; shorteners hide the source and look like spam", snippet=href)
                if has_utm(href):
                    self.add("DW305", loc, f"the link '{href}' carries utm_ parameters typed by hand",
                             "remove them; composer adds tracking itself when the house turns it on", snippet=href)
            if " ".join(text.lower().split()).strip(".!:") in VAGUE_LINK_TEXT:
                self.add("DW304", loc, f"the link text '{text}' does not say where the link goes",
                         "link the outlet's or document's name instead", snippet=f"[{text}]")
            if href in seen:
                first_line = self.locate(seen[href], href)[0]
                self.add("DW302", loc, f"the link '{href}' also appears at line {first_line}",
                         "keep one, or add DW302 to `silence:` if the same source is meant", snippet=href)
            else:
                seen[href] = loc

    # -- 4. house style ------------------------------------------------------------
    def house_style(self):
        for n, item in enumerate(self.issue.items):
            if item.lstrip().startswith(("-", "–", "—")):
                self.add("DW401", ("items", n), "the item starts with a dash; the house adds the em dash itself",
                         "delete the dash at the start of the item")
        for loc, source in self.prose():
            for token in markdown.parse(source):
                for child in token.children or []:
                    quote = re.search(r"[\"']", child.content) if child.type == "text" else None
                    if quote:
                        # A few characters before the quote find the right one; only plain ASCII ones,
                        # which typography left as typed. The column points at the quote itself.
                        before = re.search(r"[A-Za-z0-9 ,.;:()]{0,8}$", child.content[: quote.start()])[0].lstrip()
                        snippet = before + quote[0]
                        line, col = self.locate(loc, snippet)
                        self.add("DW402", loc, f"a straight quote ({quote[0]}) is left after typography",
                                 "type the curly quote (“ ” ‘ ’) yourself here", at=(line, col + len(snippet) - 1))
        if self.edition.source:
            for number, line in enumerate(self.edition.source.text.splitlines(), start=1):
                if line != line.rstrip():
                    self.add("DW403", (), "trailing whitespace at the end of the line", "delete it",
                             at=(number, len(line.rstrip()) + 1))
                # (Spaces that line up a trailing YAML comment are not doubled spaces in the text.)
                double = re.search(r"(?<=\S)  +(?=[^\s#])", line)
                if double and not line.lstrip().startswith("#"):
                    self.add("DW403", (), "doubled space", "use a single space", at=(number, double.start() + 1))
        name = self.house.newsletter
        if name.lower() in markdown.inline_to_text(self.issue.headline).lower():
            self.add("DW404", ("headline",), f"the headline repeats '{name}', which the house puts before it",
                     f"remove '{name}' from the headline")
        dek = markdown.inline_to_text(self.issue.dek)
        if dek.endswith(".") and not dek.endswith("…"):
            self.add("DW405", ("dek",), "the dek ends with a period; the house style leaves it off", "delete the final period")
        words = len(markdown.block_to_text(self.issue.lead).split())
        if not 350 <= words <= 900:
            self.add("DW406", ("lead",), f"the lead is {words} words; the house range is 350 to 900", None, key=True)
        for n, item in enumerate(self.issue.items):
            count = len(markdown.block_to_text(item).split())
            if not 35 <= count <= 140:
                self.add("DW406", ("items", n), f"this item is {count} words; the house range is 35 to 140")
        if not 3 <= len(self.issue.items) <= 6:
            self.add("DW406", ("items",), f"the issue has {len(self.issue.items)} items; the house runs 3 to 6",
                     key=True)

    # -- 5. inbox --------------------------------------------------------------------
    def inbox(self):
        subject, preheader = self.edition.subject, self.edition.preheader
        subject_loc = ("subject",) if self.issue.subject else ("headline",)
        preheader_loc = ("preheader",) if self.issue.preheader else ("dek",)
        if not 10 <= len(subject) <= 78:
            self.add("DW501", subject_loc, f"the subject is {len(subject)} characters; inboxes show 10 to 78 well",
                     "set a shorter `subject:`" if len(subject) > 78 else "write a longer `subject:`")
        if not 40 <= len(preheader) <= 200:
            self.add("DW502", preheader_loc, f"the preheader is {len(preheader)} characters; aim for 40 to 200",
                     "set `preheader:`")
        a, b = subject.lower(), preheader.lower()
        if b.startswith(a) or a.startswith(b) or difflib.SequenceMatcher(None, a, b).ratio() > 0.8:
            self.add("DW503", preheader_loc, "the preheader repeats the subject, wasting the inbox line",
                     "write a `preheader:` that adds something")
        size = len(self.built.html.encode("utf-8"))
        if size > budget.WARN_BYTES:
            report = budget.measure(self.built.html)
            biggest = report.largest(1)[0][0]
            clipped = size > budget.CLIP_BYTES
            self.add(
                "DW504", budget.PARTS[biggest][1],
                f"the HTML is {size:,} bytes, {'over' if clipped else 'close to'} Gmail's clipping limit of about "
                f"102 KB ({budget.CLIP_BYTES:,} bytes); the largest parts are {report.describe_largest()}",
                "shorten them" + (", or pass --allow-clipping to build it anyway" if clipped else ""),
                key=True, level=ERROR if clipped and not self.allow_clipping else WARNING,
            )
        images = [(("image", "alt"), self.issue.image)] if self.issue.image else []
        images += [(("teasers", n, "image", "alt"), t.image) for n, t in enumerate(self.issue.teasers) if t.image]
        for loc, image in images:
            alt = markdown.inline_to_text(image.alt)
            if PLACEHOLDER_ALT.match(alt):
                self.add("DW505", loc, f"the alt text '{alt}' does not describe the image",
                         "say what the picture shows, for readers who cannot see it")
        explicit = self.house.model_fields_set
        missing = [name for name in ("unsubscribe_url", "postal_address") if name not in explicit]
        if missing:
            house_file = self.edition.house_path
            self.add("DW506", (), f"{' and '.join(missing)} not set in house.yaml; the built-in default is used",
                     "set them in house.yaml: the law requires a working unsubscribe link and your real address",
                     path=str(house_file) if house_file else None, at=(1, 1))

    # -- 6. tracking ---------------------------------------------------------------------
    def tracking(self):
        if not self.house.tracking.enabled:
            return
        from lxml import html as lxml_html

        skip = {self.house.unsubscribe_url, self.edition.web_url}
        for a in lxml_html.fromstring(self.built.html.encode()).iter("a"):
            href = a.get("href", "")
            scheme = urlsplit(href).scheme
            tagged = has_utm(href)
            if href in skip or scheme == "mailto":
                if tagged:
                    self.add("DW601", (), f"the link '{href}' must not carry tracking", None, at=(1, 1))
            elif scheme in ("http", "https"):
                keys = utm_keys(href) & set(UTM_KEYS)
                if keys != set(UTM_KEYS):
                    self.add("DW601", (), f"the link '{href}' lacks {', '.join(sorted(set(UTM_KEYS) - keys))}",
                             "pass the link through the `track` filter in the theme", at=(1, 1))

    # -- 7. spam ---------------------------------------------------------------------------
    def spam(self):
        """Score the message as `build --eml` writes it; 2.0 or more is a warning, spam an error."""
        if not self.with_spam:
            return
        from composer.message import message_bytes
        from composer.spam import score

        report = score(message_bytes(self.built.message()))
        self.spam_report = report.as_dict()
        if report.score >= SPAM_WARNING:
            rules = ", ".join(r["name"] for r in report.rules if r["score"] > 0)
            self.add("DW701", (), f"SpamAssassin scores the message {report.score:.1f} (rules: {rules})",
                     "reword the passages those rules point at", at=(1, 1),
                     level=ERROR if report.score >= report.required else WARNING)

    def run(self) -> list[Finding]:
        checks = (self.attribution, self.dates, self.link_rules, self.house_style, self.inbox, self.tracking, self.spam)
        for check in checks:
            check()
        silenced = set(self.issue.silence)
        return sorted(f for f in self.findings if f.code not in silenced)


def check_built(built, *, allow_clipping: bool = False) -> list[Finding]:
    return Checker(built, allow_clipping=allow_clipping).run()


SPAM_WARNING = 2.0


def check_report(paths, *, strict: bool = False, spam: bool = False) -> dict:
    """The findings for every issue, in the documented JSON shape (check_schema.json)."""
    from composer.build import render

    files = []
    for path in paths:
        entry: dict = {"path": str(path)}
        try:
            built = render(path)
        except ComposerError as error:
            findings = findings_from_problems(error)
        else:
            checker = Checker(built, spam=spam)
            findings = checker.run()
            if checker.spam_report is not None:
                entry["spam"] = checker.spam_report
        entry["findings"] = [f.as_dict() for f in findings]
        files.append(entry)
    every = [f for entry in files for f in entry["findings"]]
    errors = sum(f["severity"] == ERROR for f in every)
    warnings = len(every) - errors
    return {"version": 1, "files": files,
            "summary": {"errors": errors, "warnings": warnings, "failed": bool(errors or (strict and warnings))}}


def findings_from_problems(error: ComposerError) -> list[Finding]:
    """Validation problems as findings: an item without a link is DW101, the rest DW001."""
    return [
        Finding(p.path, p.line, p.col, p.code or "DW001", ERROR, p.message)
        for p in error.problems
    ]
