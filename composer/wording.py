"""Counted nouns in what composer prints: "1 issue", "2 issues", never "1 issues"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and the noun in the form that goes with it, the number with thousands separators."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
