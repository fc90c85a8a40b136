"""The house's ranges: how long the lead and the items run, and how many items and teasers an issue has.

The one place for these numbers: the field descriptions (and with them the schema
and the skeleton `composer new` writes), the DW406 check and the docs (from the check registry) show them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    low: int
    high: int

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.low <= number <= self.high

    def __str__(self) -> str:
        return f"{self.low} to {self.high}"


LEAD_PARAGRAPHS = Range(8, 15)
LEAD_WORDS = Range(400, 800)
ITEMS = Range(3, 6)
ITEM_WORDS = Range(40, 140)
TEASERS = Range(2, 4)  # when an issue runs teasers at all
