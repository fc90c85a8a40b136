"""Gmail's clipping budget: how big the HTML is, and which parts make it so.

Gmail cuts off messages whose HTML is larger than about 102 KB and hides the
rest behind a "View entire message" link, which also hides the unsubscribe
link and the footer. The size is measured on the final, inlined HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

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
    # huge_tree: without it libxml2 quietly drops text nodes over 10 MB, and every part measured 0 bytes.
    # lxml.etree, which premailer has loaded already; lxml.html would add to every build's start-up.
    tree = etree.fromstring(html.encode("utf-8"), parser=etree.HTMLParser(huge_tree=True))
    parts = {}
    for name, (css_class, _) in PARTS.items():
        elements = tree.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")
        parts[name] = sum(len(etree.tostring(el, method="html", encoding="utf-8")) for el in elements)
    return SizeReport(len(html.encode("utf-8")), parts)


def where(part: str, issue: object) -> tuple:
    """The YAML key of a part; for a list (items, teasers), its largest entry, which is the one to shorten."""
    loc = PARTS[part][1]
    entries = getattr(issue, loc[0], None) if loc else None
    if isinstance(entries, list) and entries:
        return (*loc, max(range(len(entries)), key=lambda n: len(str(entries[n]))))
    return loc
