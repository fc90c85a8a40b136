"""Every finding `composer check` can report: its stable code, severity and summary.

The README documents each code with a bad and a good example; a test keeps
the two lists the same.
"""

from __future__ import annotations

ERROR, WARNING = "error", "warning"

# The code of a refusal that has no code of its own: the file cannot be built.
INVALID = "DW001"

CODES: dict[str, tuple[str, str]] = {
    "DW001": (ERROR, "the issue file is not valid (YAML or content model)"),
    "DW002": (WARNING, "a YAML comment cuts an item or other text short"),
    "DW101": (ERROR, "an other-news item links no source"),
    "DW102": (WARNING, "an item's only link is the newsletter's own site"),
    "DW103": (WARNING, "a link's text names one outlet, but the link goes to another"),
    "DW104": (WARNING, "an item credits an outlet ('according to …') that none of its links goes to"),
    "DW201": (WARNING, "a weekday in the text does not fall in the 7 days before the issue date"),
    "DW202": (WARNING, "a date written in the text lies after the issue date"),
    "DW203": (ERROR, "a weekday and the date beside it do not match"),
    "DW204": (WARNING, "the issue date is not the house's publication weekday"),
    "DW301": (ERROR, "a link is not a well-formed absolute address"),
    "DW302": (WARNING, "the same link appears twice in the issue"),
    "DW303": (ERROR, "a link goes through a URL shortener"),
    "DW304": (ERROR, "link text such as 'click here' or 'read more'"),
    "DW305": (WARNING, "a link carries utm_ parameters typed by hand"),
    # Found by `check --links` (fetched, or replayed from the lock file).
    "DW306": (ERROR, "a link is dead: its page answers 404 Not Found or 410 Gone"),
    "DW307": (WARNING, "a link answers another error, or no answer comes in time, twice"),
    "DW308": (WARNING, "a link redirects to another site"),
    "DW309": (WARNING, "a link redirects to a login or consent page"),
    "DW310": (WARNING, "a link's page answers 200 but says it is not found (a soft 404)"),
    "DW311": (ERROR, "an image's address does not serve an image"),
    "DW312": (WARNING, "an image's shape does not match its declared height (by more than 2 %)"),
    "DW313": (WARNING, "a paywalled outlet refuses machines (401/403), so its link is unverified"),
    "DW314": (WARNING, "a link was added after the last link check"),
    "DW315": (WARNING, "a page's main text changed since the link check that recorded it"),
    "DW401": (ERROR, "an item starts with a dash typed by the editor"),
    "DW402": (WARNING, "a straight quote is left after typography"),
    "DW403": (WARNING, "doubled spaces or trailing whitespace"),
    "DW404": (ERROR, "the headline repeats the newsletter's name"),
    "DW405": (WARNING, "the dek ends with a period"),
    "DW406": (WARNING, "a length is outside the house range"),
    "DW501": (WARNING, "the subject is not 10 to 78 characters long"),
    "DW502": (WARNING, "the preheader is not 40 to 200 characters long"),
    "DW503": (WARNING, "the preheader repeats the subject"),
    "DW504": (WARNING, "the HTML is close to or over Gmail's clipping limit"),
    "DW505": (WARNING, "an image's alt text says nothing"),
    "DW506": (WARNING, "the unsubscribe URL or postal address is not set in house.yaml"),
    "DW701": (WARNING, "SpamAssassin scores the message 2.0 or more"),
}


# Reported by the content model itself when it refuses a file; every other
# code is a finding of `composer check` about a file that does build.
REFUSALS = frozenset({INVALID, "DW101"})


def severity(code: str) -> str:
    return CODES[code][0]
