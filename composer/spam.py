"""Scoring the message with SpamAssassin, offline (`-L`: no network tests)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from composer.problems import DeliveryError

_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


@dataclass
class SpamReport:
    score: float
    required: float
    rules: list[dict] = field(default_factory=list)  # {"name", "score", "description"}

    def as_dict(self) -> dict:
        return {"score": self.score, "required": self.required, "rules": self.rules}


def score(message: bytes) -> SpamReport:
    binary = shutil.which("spamassassin")
    if not binary:
        raise DeliveryError("--spam needs SpamAssassin; install it with `apt-get install spamassassin`")
    result = subprocess.run([binary, "-L", "-t"], input=message, capture_output=True, timeout=120)
    report = result.stdout.decode("utf-8", "replace")
    status = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+) required=([\d.]+)", report, re.M)
    if not status:
        raise DeliveryError("SpamAssassin gave no score; run `spamassassin -L -t < message.eml` to see why")
    # The table after "Content analysis details": a header, a line of dashes, then one rule per line.
    table = report.split("Content analysis details:", 1)[-1].split("---- ", 1)[-1]
    details = table.split("\n", 1)[-1].split("\n\n", 1)[0]
    rules = []
    for line in details.splitlines():
        match = _RULE.match(line)
        if match:
            rules.append({"name": match[2], "score": float(match[1]), "description": match[3].strip()})
        elif rules and line.startswith(" " * 20):
            rules[-1]["description"] += " " + line.strip()  # a description that wrapped
    return SpamReport(float(status[1]), float(status[2]), rules)
