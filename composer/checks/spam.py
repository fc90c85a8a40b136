"""The spam score: SpamAssassin, offline (`-L`: no network tests), on the message as `build --eml` writes it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from composer.checks.registry import Context, rule
from composer.codes import ERROR, WARNING
from composer.diagnostics import CommandError

WARN_AT = 2.0
TIMEOUT = 120  # seconds; a first run compiles its rules, later ones take a second or two
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


@dataclass
class SpamReport:
    score: float
    required: float
    rules: list[dict] = field(default_factory=list)  # {"name", "score", "description"}

    def as_dict(self) -> dict:
        return {"score": self.score, "required": self.required, "rules": self.rules}


def score(message: bytes) -> SpamReport:
    # Nothing here is a delivery: a missing or stuck SpamAssassin is a problem of this machine.
    binary = shutil.which("spamassassin")
    if not binary:
        raise CommandError("--spam needs SpamAssassin, which is not installed; install it with "
                           "`apt-get install spamassassin`, or check without --spam")
    try:
        result = subprocess.run([binary, "-L", "-t"], input=message, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CommandError(f"SpamAssassin gave no answer in {TIMEOUT} s; run `spamassassin -L -t < message.eml` "
                           "to see why, or check without --spam") from None
    except OSError as error:
        raise CommandError(f"SpamAssassin could not be started ({error.strerror}); check its installation") from None
    report = result.stdout.decode("utf-8", "replace")
    status = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+) required=([\d.]+)", report, re.M)
    if not status:
        raise CommandError("SpamAssassin gave no score; run `spamassassin -L -t < message.eml` to see why")
    # The table after "Content analysis details": a header, a line of dashes, then one rule per line.
    table = report.split("Content analysis details:", 1)[-1].split("---- ", 1)[-1]
    details = table.split("\n", 1)[-1].split("\n\n", 1)[0]
    rules: list[dict] = []
    # SpamAssassin writes a score of nothing as "-0.0" (the total and the rules); `+ 0.0` makes it 0.0.
    for line in details.splitlines():
        match = _RULE.match(line)
        if match:
            rules.append({"name": match[2], "score": float(match[1]) + 0.0, "description": match[3].strip()})
        elif rules and line.startswith(" " * 20):
            rules[-1]["description"] += " " + line.strip()  # a description that wrapped
    return SpamReport(float(status[1]) + 0.0, float(status[2]), rules)


@rule("DW701")
def spam_score(ctx: Context) -> None:
    """2.0 or more is a warning, SpamAssassin's own spam threshold an error. Only with `--spam`."""
    if not ctx.with_spam:
        return
    from composer.send.letter import Letter  # the message as `build --eml` writes it: only with --spam

    report = score(Letter(ctx.edition, ctx.html, ctx.text).eml())
    ctx.spam_report = report.as_dict()
    if report.score >= WARN_AT:
        rules = ", ".join(r["name"] for r in report.rules if r["score"] > 0)
        ctx.add("DW701", (), f"SpamAssassin scores the message {report.score:.1f} (rules: {rules})",
                "reword the passages those rules point at", at=(1, 1),
                level=ERROR if report.score >= report.required else WARNING)
