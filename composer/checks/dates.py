"""Dates and weekdays: news reports what already happened, on the day it says."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import cache

from composer import markdown
from composer.checks.registry import Context, rule
from composer.codes import ERROR

WEEKDAYS = list(calendar.day_name)  # Monday … Sunday
MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))


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


def _date(match: re.Match, issue_date: date) -> date | None:
    """The date a match names. Without a year, the one nearest the issue: "December 28"
    in an issue of January 5 is the December before, "Jan. 3" in one of December 27 the January after."""
    try:
        if match["iso"]:
            return date.fromisoformat(match["iso"])
        month = MONTHS[match["month"] or match["month2"]]
        day = int(match["day"] or match["day2"])
        year = match["year"] or match["year2"]
        if year:
            return date(int(year), month, day)
    except (ValueError, KeyError):
        return None
    candidates = []
    for near in (issue_date.year - 1, issue_date.year, issue_date.year + 1):
        try:
            candidates.append(date(near, month, day))
        except ValueError:  # February 29 in a year without one; "April 31" in none
            continue
    return min(candidates, key=lambda candidate: abs(candidate - issue_date), default=None)


# Verbs that only ever report what already happened (no "will", no present tense among them).
_PAST_VERBS = (
    "said|met|told|held|spoke|signed|announced|agreed|warned|visited|rejected|accepted|confirmed|denied|"
    "arrived|urged|claimed|wrote|declared|insisted|proposed|launched|struck|traveled|travelled|hosted"
)
# Words that put the verb in a clause of its own, or the sentence in the future.
_NOT_A_SUBJECT = {"that", "which", "who", "will", "would", "is", "are", "to", "be", "may", "might", "could",
                  "should", "shall", "expected", "due", "when", "after", "before", "until", "if"}


@cache
def _past_report() -> re.Pattern:
    return re.compile(rf",?\s+((?:[\w.'’-]+\s+){{0,4}}?)({_PAST_VERBS})\b")


def _reported_as_past(text: str, match: re.Match) -> str | None:
    """The verb, when a weekday and a date open a short sentence that reports them as past:
    "On Monday, March 20, the Kremlin said …". Only that tight shape counts, since it can be told reliably."""
    if not re.search(rf"\b(?:{'|'.join(WEEKDAYS)}),\s*$", text[: match.start()]):
        return None
    report = _past_report().match(text, match.end())
    if not report or set(report[1].lower().split()) & _NOT_A_SUBJECT:
        return None
    return report[2]


# Days that name an event, not a date, when written without a year: "the September 11 attacks".
_NAMED_DAYS = {(9, 11)}


def _names_an_event(match: re.Match) -> bool:
    if match["iso"] or match["year"] or match["year2"]:
        return False
    return (MONTHS[match["month"] or match["month2"]], int(match["day"] or match["day2"])) in _NAMED_DAYS


@rule("DW202")
def future_dates(ctx: Context) -> None:
    issue_date = ctx.issue.date
    for loc, source in ctx.prose():
        text = markdown.block_to_text(source)
        seen: dict[str, int] = {}  # the same date twice in one field: each at its own line
        for match in _date_text().finditer(text):
            nth = seen[match[0]] = seen.get(match[0], -1) + 1
            written = _date(match, issue_date)
            if not written or written <= issue_date or _names_an_event(match):
                continue
            line, column = ctx.locate(loc, match[0], nth)
            said = f"'{match[0]}' is {written.isoformat()}, after the issue date {issue_date.isoformat()}"
            verb = _reported_as_past(text, match)
            if verb:
                ctx.add("DW202", loc, f"{said}, yet the sentence reports it as past ('{verb}')",
                        "correct the date, or the issue's `date:`", at=(line, column), level=ERROR)
                continue
            # Upcoming talks and deadlines are news too, so this is a warning, which one
            # `silence: [DW202@<line>]` accepts without switching the check off everywhere.
            ctx.add("DW202", loc, said, f"if it is still to come, accept it with `silence: [DW202@{line}]`; "
                    "otherwise check the date, or the issue's `date:`", at=(line, column))


@rule("DW201", "DW203")
def weekdays(ctx: Context) -> None:
    """A weekday beside a date must match it (DW203); one alone must lie in the week before (DW201).
    In every text the editor wrote: the lead, the items, the State Department section, the teasers."""
    issue_date = ctx.issue.date
    for loc, source in ctx.prose():
        text = markdown.block_to_text(source)
        for match in _weekday_text().finditer(text):
            _weekday(ctx, loc, match, issue_date, text)


def _weekday(ctx: Context, loc: tuple, match: re.Match, issue_date: date, text: str) -> None:
    weekday = WEEKDAYS.index(match["weekday"].title())
    said = match[0].strip(", ")
    # The same weekday said earlier in the field: this one is found after as many repeats.
    nth = text.count(match["weekday"], 0, match.start("weekday"))
    if match["tail"]:
        tail = _date_text().search(match["tail"])
        written = _date(tail, issue_date) if tail else None
        if written and written.weekday() != weekday:
            tense = "is" if written > issue_date else "was"
            ctx.add("DW203", loc, f"'{said}': {written.isoformat()} {tense} a {WEEKDAYS[written.weekday()]}",
                    "correct the weekday or the date", at=ctx.locate(loc, match["weekday"], nth))
        return
    if match["lead"]:
        lead = " ".join(match["lead"].lower().split())
        if lead == "this":  # "this Saturday": the Saturday of the issue's own week
            resolved = issue_date + timedelta(days=weekday - issue_date.weekday())
        else:  # "next Tuesday", "this coming Tuesday": the first one after the issue date
            resolved = issue_date + timedelta(days=(weekday - issue_date.weekday()) % 7 or 7)
        if resolved >= issue_date:
            ctx.add("DW201", loc, f"'{said}' is {resolved.isoformat()}, not in the 7 days before the issue "
                    f"date {issue_date.isoformat()}", "news reports what already happened; name the day it did",
                    at=ctx.locate(loc, said, text.count(said, 0, match.start())))


@rule("DW204")
def off_schedule(ctx: Context) -> None:
    """An issue dated on another weekday than the house publishes on: a slip, or a special issue."""
    issue_date, schedule = ctx.issue.date, ctx.house.schedule
    if WEEKDAYS[issue_date.weekday()].lower() != schedule:
        ctx.add("DW204", ("date",), f"the issue is dated {issue_date.isoformat()}, a {WEEKDAYS[issue_date.weekday()]}; "
                f"the house publishes on {schedule.title()}s (`schedule` in house.yaml)",
                "correct `date:`, or, for an issue off the schedule, accept it with `silence: [DW204]`")
