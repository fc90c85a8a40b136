"""The inbox: subject and preheader, Gmail's clipping limit, alt text, and the legal footer."""

from __future__ import annotations

import difflib
import re

from composer import budget, markdown
from composer.checks.registry import Context, rule
from composer.codes import ERROR, WARNING

PLACEHOLDER_ALT = re.compile(r"^(image|photo|picture|img|graphic|logo|top image|untitled|\S+\.(jpe?g|png|gif|webp))$", re.I)


def _subject_loc(ctx: Context) -> tuple:
    return ("subject",) if ctx.issue.subject else ("headline",)


def _preheader_loc(ctx: Context) -> tuple:
    return ("preheader",) if ctx.issue.preheader else ("dek",)


@rule("DW501")
def subject_length(ctx: Context) -> None:
    subject = ctx.edition.subject
    if not 10 <= len(subject) <= 78:
        ctx.add("DW501", _subject_loc(ctx), f"the subject is {len(subject)} characters; inboxes show 10 to 78 well",
                "set a shorter `subject:`" if len(subject) > 78 else "write a longer `subject:`")


@rule("DW502")
def preheader_length(ctx: Context) -> None:
    preheader = ctx.edition.preheader
    if not 40 <= len(preheader) <= 200:
        ctx.add("DW502", _preheader_loc(ctx), f"the preheader is {len(preheader)} characters; aim for 40 to 200",
                "set `preheader:`")


@rule("DW503")
def preheader_repeats_subject(ctx: Context) -> None:
    a, b = ctx.edition.subject.lower(), ctx.edition.preheader.lower()
    if b.startswith(a) or a.startswith(b) or difflib.SequenceMatcher(None, a, b).ratio() > 0.8:
        ctx.add("DW503", _preheader_loc(ctx), "the preheader repeats the subject, wasting the inbox line",
                "write a `preheader:` that adds something")


@rule("DW504")
def clipping(ctx: Context) -> None:
    size = len(ctx.html.encode("utf-8"))
    if size <= budget.WARN_BYTES:
        return
    report = budget.measure(ctx.html)
    biggest = report.largest(1)[0][0]
    clipped = size > budget.CLIP_BYTES
    ctx.add(
        "DW504", budget.where(biggest, ctx.issue),
        f"the HTML is {size:,} bytes, {'over' if clipped else 'close to'} Gmail's clipping limit of about "
        f"102 KB ({budget.CLIP_BYTES:,} bytes); the largest parts are {report.describe_largest()}",
        "shorten them" + (", or pass --allow-clipping to build it anyway" if clipped else ""),
        key=True, level=ERROR if clipped and not ctx.allow_clipping else WARNING,
    )


@rule("DW505")
def placeholder_alt(ctx: Context) -> None:
    images = [(("image", "alt"), ctx.issue.image)] if ctx.issue.image else []
    images += [(("teasers", n, "image", "alt"), t.image) for n, t in enumerate(ctx.issue.teasers) if t.image]
    for loc, image in images:
        alt = markdown.inline_to_text(image.alt)
        if PLACEHOLDER_ALT.match(alt):
            ctx.add("DW505", loc, f"the alt text '{alt}' does not describe the image",
                    "say what the picture shows, for readers who cannot see it")


@rule("DW506")
def house_defaults(ctx: Context) -> None:
    explicit = ctx.house.model_fields_set
    missing = [name for name in ("unsubscribe_url", "postal_address") if name not in explicit]
    if missing:
        house_file = ctx.edition.house_path
        ctx.add("DW506", (), f"{' and '.join(missing)} not set in house.yaml; the built-in default is used",
                "set them in house.yaml: the law requires a working unsubscribe link and your real address",
                path=str(house_file) if house_file else None, at=(1, 1))
