"""Gmail's clipping budget: how big the HTML is, and which parts make it so.

Gmail cuts off messages whose HTML is larger than about 102 KB and hides the
rest behind a "View entire message" link, which also hides the unsubscribe
link and the footer. The size is measured on the final, inlined HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.model import Edition
from composer.problems import Problem

KB = 1024
CLIP_BYTES = 102 * KB
WARN_BYTES = 90 * KB

# Each part of the email is marked in the theme with a dw-part-* class, and
# points back at the YAML key the editor would shorten.
PARTS = {
    "masthead": ("dw-part-masthead", ()),
    "header": ("dw-part-header", ("headline",)),
    "lead": ("dw-part-lead", ("lead",)),
    "items": ("dw-part-items", ("items",)),
    "state department": ("dw-part-state-department", ("state_department",)),
    "teasers": ("dw-part-teasers", ("teasers",)),
    "footer": ("dw-part-footer", ()),
}


@dataclass
class SizeReport:
    total: int
    parts: dict[str, int]

    def largest(self, count: int = 4) -> list[tuple[str, int]]:
        return sorted(self.parts.items(), key=lambda kv: kv[1], reverse=True)[:count]

    def describe_largest(self) -> str:
        return ", ".join(f"{name} {size:,} bytes" for name, size in self.largest())


def measure(html: str) -> SizeReport:
    from lxml import html as lxml_html  # only needed for the rare large issue

    tree = lxml_html.fromstring(html.encode("utf-8"))
    parts = {}
    for name, (css_class, _) in PARTS.items():
        elements = tree.find_class(css_class)
        parts[name] = sum(len(lxml_html.tostring(el, encoding="utf-8")) for el in elements)
    return SizeReport(len(html.encode("utf-8")), parts)


def check(edition: Edition, html: str, *, allow_clipping: bool = False) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) about the size of this edition's HTML."""
    total = len(html.encode("utf-8"))
    if total <= WARN_BYTES:
        return [], []
    report = measure(html)
    biggest = report.largest(1)[0][0]
    line, col = edition.position(PARTS[biggest][1], key=True)
    where = (edition.source_name, line, col)
    if total > CLIP_BYTES and not allow_clipping:
        message = (
            f"the HTML is {total:,} bytes, over Gmail's clipping limit of about 102 KB ({CLIP_BYTES:,} bytes), "
            f"so readers would not see the end of it; the largest parts are {report.describe_largest()}; "
            "shorten them, or pass --allow-clipping to build it anyway"
        )
        return [Problem(*where, message)], []
    state = "over" if total > CLIP_BYTES else "close to"
    message = (
        f"warning: the HTML is {total:,} bytes, {state} Gmail's clipping limit of about 102 KB "
        f"({CLIP_BYTES:,} bytes); the largest parts are {report.describe_largest()}"
    )
    return [], [Problem(*where, message)]
