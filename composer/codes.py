"""Every finding `composer check` can report, explained: the one registry that the checks, `composer explain`
and the docs site's "The checks, one by one" (docs/hooks/reference.py) all read.

Each code is stable: editors silence it by name, integrations match on it.
"""

from __future__ import annotations

from typing import NamedTuple

from composer.model import ranges

ERROR, WARNING = "error", "warning"

# The code of a refusal that has no code of its own: the file cannot be built.
INVALID = "DW001"


class Code(NamedTuple):
    severity: str      # as reported, unless `escalation` says when it is an error instead
    summary: str       # one line: the message's gist, in `composer --help`-sized words
    explanation: str   # what it finds and why it matters, in Markdown
    bad: str           # an example that it reports (Markdown)
    good: str          # the same, written as the house wants it
    escalation: str | None = None  # for a warning that becomes an error in some cases: when


CODES: dict[str, Code] = {
    # The file itself.
    "DW001": Code(
        ERROR, "the issue file is not valid (YAML or content model)",
        "The file is not a valid issue: YAML or content-model problems, as `build` reports them.",
        bad="`kind: Opinion`",
        good="`kind: Analysis`"),
    "DW002": Code(
        WARNING, "a YAML comment cuts an item or other text short",
        ("A YAML comment that cuts an item or other prose short: in a value written on the line, ` #` starts a "
         "comment, so the rest of the line is not printed. (Text that goes on past such a comment on the next "
         "line cannot be read at all, and is reported as a syntax error at the `#`.)"),
        bad="`- … all day. #StandWithUkraine trended`",
        good="`- >-` with the text indented on the lines below"),
    # Sources and credit.
    "DW101": Code(
        ERROR, "an other-news item links no source",
        "An other-news item with no link: the house always credits its source.",
        bad="`… according to the BBC.`",
        good="`… according to [the BBC](https://www.bbc.com/news/…).`"),
    "DW102": Code(
        WARNING, "an item's only link is the newsletter's own site",
        "An item whose only links go to the newsletter's own site.",
        bad="`… as [we reported](https://responsiblestatecraft.org/…).`",
        good="`… as [Reuters](https://www.reuters.com/…) reported.`"),
    "DW103": Code(
        WARNING, "a link's text names one outlet, but the link goes to another",
        "A link whose text names one outlet, but whose address is another outlet's site; the message names both.",
        bad="`according to [Reuters](https://apnews.com/…)`",
        good="`according to [the AP](https://apnews.com/…)`"),
    "DW104": Code(
        WARNING, "an item credits an outlet ('according to …') that none of its links goes to",
        "An item that credits an outlet (`according to X`) none of its links goes to.",
        bad="`…, according to Reuters. [The ministry said](https://mid.ru/…)`",
        good="`…, according to [Reuters](https://www.reuters.com/…).`"),
    # Dates and weekdays.
    "DW201": Code(
        WARNING, "a weekday in the text does not fall in the 7 days before the issue date",
        ("A weekday in the lead, an item, the State Department section or a teaser that is not in the 7 days "
         "before the issue date (given with its resolved date)."),
        bad="`On next Tuesday, talks resume…`",
        good="`On Tuesday, talks resumed…`"),
    "DW202": Code(
        WARNING, "a date written in the text lies after the issue date",
        ("A date in the lead, an item, the State Department section, a teaser or the issue's footer texts that "
         "lies after the issue date (a named day such as \"the September 11 attacks\" is not a date): fine for an "
         "upcoming event (accept it with `silence: [DW202@<line>]`), a slip otherwise. An error when a weekday "
         "and the date open a sentence that reports them as past (`On Monday, March 20, the Kremlin said …`)."),
        bad="`On March 20, …` in the issue of 2023-03-17",
        good="`On March 13, …`, or `Talks resume on March 20` with `silence: [DW202@15]`",
        escalation="error when reported as past"),
    "DW203": Code(
        ERROR, "a weekday and the date beside it do not match",
        ("A weekday beside a date that falls on another day, in the lead, an item, the State Department section "
         "or a teaser. A date without a year is the one nearest the issue date, before or after it (`Jan. 3` in "
         "the issue of December 27 is next January)."),
        bad="`On Tuesday, March 15, …` (a Wednesday)",
        good="`On Tuesday, March 14, …`"),
    "DW204": Code(
        WARNING, "the issue date is not the house's publication weekday",
        ("An issue dated on another weekday than the house's `schedule` (Friday by default): a slip, or a "
         "special issue, which `silence: [DW204]` accepts."),
        bad="`date: 2024-01-11` (a Thursday)",
        good="`date: 2024-01-12`"),
    # Links: written (DW301–DW305), and fetched by `check --links` or replayed from the lock file.
    "DW301": Code(
        ERROR, "a link is malformed, or points to this machine or a private network",
        ("A link that is not a well-formed absolute address, or one to this machine or a private network "
         "(`localhost`, `192.168.…`), which readers cannot reach and `check --links` never asks."),
        bad="`(https://nytimes/2023/…)`",
        good="`(https://www.nytimes.com/2023/…)`"),
    "DW302": Code(
        WARNING, "the same link appears twice in the issue",
        "The same link twice in one issue, reported at each repeat.",
        bad="the same Times URL in the lead and an item",
        good="a second, different source, or `silence: [DW302]`"),
    "DW303": Code(
        ERROR, "a link goes through a URL shortener",
        "A URL shortener.",
        bad="`(https://bit.ly/3xBlkSea)`",
        good="`(https://www.nytimes.com/2023/03/14/…)`"),
    "DW304": Code(
        ERROR, "link text such as 'click here' or 'read more'",
        "Link text that says nothing: \"click here\", \"read more\".",
        bad="`[click here](https://…)`",
        good="`[the Kremlin's readout](https://…)`"),
    "DW305": Code(
        WARNING, "a link carries utm_ parameters typed by hand",
        "`utm_` parameters typed by hand (composer adds tracking).",
        bad="`(https://x.org/a?utm_source=twitter)`",
        good="`(https://x.org/a)`"),
    "DW306": Code(
        ERROR, "a link is dead: its page answers 404 Not Found or 410 Gone",
        "With `--links`: a dead link, answering 404 Not Found or 410 Gone (to GET, after any redirects).",
        bad="a story the outlet took down",
        good="its new address, or an archived copy"),
    "DW307": Code(
        WARNING, "a link answers another error, or no answer comes in time, twice",
        ("With `--links`: any other 4xx or 5xx, a timeout, a site that cannot be reached, a redirect loop, or a "
         "link the deadline left unchecked, after a second try."),
        bad="a site answering 503 twice",
        good="the same link once the site is back, or another source"),
    "DW308": Code(
        WARNING, "a link redirects to another site",
        "With `--links`: a link that redirects to another site, naming where it lands.",
        bad="`https://nyti.ms/…` landing on nytimes.com",
        good="the address it lands on"),
    "DW309": Code(
        WARNING, "a link redirects to a login or consent page",
        "With `--links`: a link that redirects to a login or consent page.",
        bad="a story that lands on `…/login?next=…`",
        good="a page readers can open without signing in"),
    "DW310": Code(
        WARNING, "a link's page answers 200 but says it is not found (a soft 404)",
        "With `--links`: a soft 404, a page answering 200 whose `<title>` says it is not found.",
        bad="`<title>Page not found</title>`",
        good="the story's own address"),
    "DW311": Code(
        ERROR, "an image's address does not serve an image",
        "With `--links`: an image address that serves no image (an HTML page, say), or bytes no image reader can read.",
        bad="the address of the photo's web page",
        good="the address of the image itself"),
    "DW312": Code(
        WARNING, "an image's shape does not match its declared height (by more than 2 %)",
        ("With `--links`: an image whose shape does not match its declared size: its height at the declared "
         "width differs from `height` by more than 2 %. Reported at `height:`."),
        bad="a 1200×800 photo with `width: 600`, `height: 310`",
        good="`height: 400`"),
    "DW313": Code(
        WARNING, "a paywalled outlet refuses machines (401/403), so its link is unverified",
        ("With `--links`: a site listed under `links: paywalled:` answering 401 or 403: the link is unverified, "
         "not dead."),
        bad="a New York Times story",
        good="open it in a browser once, or `silence: [DW313]`"),
    "DW314": Code(
        WARNING, "a link was added after the last link check",
        ("With `--links --offline` or `--changed`: a link added after the last link check (or an issue never "
         "checked at all, at line 1)."),
        bad="a link added after `check --links` ran",
        good="`composer check --links` once more"),
    "DW315": Code(
        WARNING, "a page's main text changed since the link check that recorded it",
        "With `--links --changed`: a page whose main text changed since the link check that recorded it.",
        bad="a story rewritten after the editor read it",
        good="read it again, then `composer check --links`"),
    # Typography and house style.
    "DW401": Code(
        ERROR, "an item starts with a dash typed by the editor",
        "An item that starts with a dash (the house adds it).",
        bad="`- -- On Tuesday, …`",
        good="`- On Tuesday, …`"),
    "DW402": Code(
        WARNING, "a straight quote is left after typography",
        "A straight quote left after typography.",
        bad="`since the '90s`",
        good="`since the ’90s`"),
    "DW403": Code(
        WARNING, "doubled spaces or trailing whitespace",
        ("Doubled spaces or trailing whitespace (not the two spaces that end a line inside a `|` block with the "
         "paragraph going on: that is Markdown's line break)."),
        bad="`kind: Reporting␠␠`",
        good="`kind: Reporting`"),
    "DW404": Code(
        ERROR, "the headline repeats the newsletter's name",
        "A headline that repeats the newsletter's name.",
        bad="`headline: Diplomacy Watch on Xi's trip`",
        good="`headline: Xi heads to Moscow`"),
    "DW405": Code(
        WARNING, "the dek ends with a period",
        "A dek with a final period.",
        bad="`dek: Beijing wants a voice.`",
        good="`dek: Beijing wants a voice`"),
    "DW406": Code(
        WARNING, "a length is outside the house range",
        (f"Lengths outside the house ranges: lead {ranges.LEAD_PARAGRAPHS} paragraphs and {ranges.LEAD_WORDS} "
         f"words, items {ranges.ITEM_WORDS} words, {ranges.ITEMS} items, and {ranges.TEASERS} teasers when an "
         "issue runs any."),
        bad="a one-paragraph lead",
        good=f"a lead of {ranges.LEAD_PARAGRAPHS} paragraphs"),
    # Inbox: subject, preheader, size, images, footer.
    "DW501": Code(
        WARNING, "the subject is not 10 to 78 characters long",
        "A subject outside 10–78 characters.",
        bad="an 87-character subject",
        good="`subject: Xi's Moscow trip and China's peace pitch`"),
    "DW502": Code(
        WARNING, "the preheader is not 40 to 200 characters long",
        "A preheader outside 40–200 characters.",
        bad="`preheader: Beijing calls Kyiv`",
        good="`preheader: Beijing calls Kyiv, and a U.S. drone goes down over the Black Sea`"),
    "DW503": Code(
        WARNING, "the preheader repeats the subject",
        "A preheader that repeats the subject.",
        bad="the subject again, word for word",
        good="what else the issue covers"),
    "DW504": Code(
        WARNING, "the HTML is close to or over Gmail's clipping limit",
        "HTML close to (90 KB) or over (102 KB) Gmail's clipping limit, with the largest parts.",
        bad="a lead of 900 paragraphs",
        good=f"a lead of {ranges.LEAD_PARAGRAPHS} paragraphs",
        escalation="error over the limit"),
    "DW505": Code(
        WARNING, "an image's alt text says nothing",
        "Alt text that describes nothing.",
        bad="`alt: image`",
        good="`alt: Xi Jinping and Vladimir Putin shake hands`"),
    "DW506": Code(
        WARNING, "the unsubscribe URL or postal address is not set in house.yaml",
        "No unsubscribe URL or postal address in `house.yaml` (the built-in one is used).",
        bad="no `house.yaml`",
        good="`postal_address:` and `unsubscribe_url:` set"),
    # Spam.
    "DW701": Code(
        WARNING, "SpamAssassin scores the message 2.0 or more",
        "SpamAssassin scores the message 2.0 or more, naming the rules.",
        bad="`subject: \"FREE MONEY!!! ACT NOW\"`",
        good="the examples (score 0.0)",
        escalation="error at the spam threshold"),
}


# Reported by the content model itself when it refuses a file; every other
# code is a finding of `composer check` about a file that does build.
REFUSALS = frozenset({INVALID, "DW101"})


def severity(code: str) -> str:
    return CODES[code].severity


def severity_label(code: str) -> str:
    """The severity as the docs and `composer explain` print it: "warning, error over the limit"."""
    entry = CODES[code]
    return f"{entry.severity}, {entry.escalation}" if entry.escalation else entry.severity
