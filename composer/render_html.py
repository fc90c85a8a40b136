"""The HTML part: Jinja2 templates → MJML → mjml-python → premailer."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import cssutils
import mjml
from lxml import etree
from premailer import Premailer

from composer import mjml_fixes
from composer.context import template_data
from composer.diagnostics import ComposerError
from composer.model.edition import Edition
from composer.theme import default_theme_dir, render
from composer.tracking import Tagger, track_html

DOCTYPE = "<!doctype html>"
# MJML's own reset and responsive rules belong in <head>; copying them onto every
# table cell would only spend the Gmail size budget. Marked, premailer skips them.
_HEAD_STYLE = '<style type="text/css">'
_KEEP_IN_HEAD = '<style type="text/css" data-premailer="ignore">'
_UNKNOWN_TAG = re.compile(r"<(mj-[a-z-]+)")

# cssutils does not know Outlook's mso-* properties and would warn about each one.
cssutils.log.setLevel(logging.CRITICAL)


def render_mjml(edition: Edition, data: dict | None = None) -> str:
    return render(edition.theme_dir, "email.mjml.j2", data or template_data(edition))


def render_css(edition: Edition, name: str, data: dict | None = None) -> str:
    return render(edition.theme_dir, name, {"house": (data or template_data(edition))["house"]})


def _in_theme(theme_dir: Path | None, text: str) -> tuple[str, int, int]:
    """The template file, line and column that hold `text`: the house's overrides first, then the theme.

    The MJML is one string by the time mjml-python sees it; what is wrong in it
    was typed into a template, so that is where the editor of the theme must look.
    """
    folders = [theme_dir] if theme_dir else []
    seen: set[Path] = set()
    for folder in [*folders, default_theme_dir()]:
        for path in sorted(folder.rglob("*.j2")):
            name = path.relative_to(folder)
            if name in seen:
                continue  # overridden by the house: the built-in copy is never rendered
            seen.add(name)
            source = path.read_text(encoding="utf-8", errors="replace")
            found = source.find(text)
            if found >= 0:
                line = source.count("\n", 0, found) + 1
                return str(path), line, found - (source.rfind("\n", 0, found) + 1) + 1
    return "email.mjml.j2", 1, 1


def compile_mjml(source: str, theme_dir: Path | None = None) -> str:
    try:
        html = mjml.mjml2html(source, fonts={}, disable_comments=True)
    except ValueError as error:
        raise ComposerError.at("email.mjml.j2", f"the theme produced invalid MJML ({error})") from None
    # mjml-python copies unknown mj-* tags into the HTML without a word.
    unknown = _UNKNOWN_TAG.search(html)
    if unknown:
        path, line, column = _in_theme(theme_dir, unknown.group(0))
        message = f"the theme uses <{unknown.group(1)}>, which is not an MJML component; check its spelling"
        raise ComposerError.at(path, message, line, column)
    return mjml_fixes.fix(html)


class _SheetOnce(Premailer):
    """premailer, working out each style sheet's rules once per process. premailer keeps the parsed
    sheet, but walks and writes out every declaration again for each page: 2 ms an issue, which a
    folder of issues under one house's style sheet would otherwise pay for each issue."""

    _worked_out: dict[tuple[str, int], tuple[list, list]] = {}

    def _parse_style_rules(self, css_body, ruleset_index):
        key = (css_body, ruleset_index)
        found = self._worked_out.get(key)
        if found is None:
            if len(self._worked_out) > 32:  # the preview sees the style sheet change; keep the newest only
                self._worked_out.clear()
            found = self._worked_out[key] = super()._parse_style_rules(css_body, ruleset_index)
        rules, leftover = found
        return list(rules), list(leftover)  # premailer adds to the lists it is given back


def inline_css(html: str, css: str, track: Tagger | None = None) -> str:
    """premailer's inlining, over a tree parsed here so that link tracking can walk it first."""
    page = etree.fromstring(html.replace(_HEAD_STYLE, _KEEP_IN_HEAD).strip(), etree.HTMLParser())
    if track is not None:
        track_html(page, track)
    inliner = _SheetOnce(
        page,
        css_text=css,
        strip_important=False,  # keeps dark-mode and mobile overrides working
        allow_network=False,
        remove_classes=False,  # the media queries still select by class
        disable_validation=True,
        align_floating_images=False,  # nothing floats; and it would validate CSS, costing 50 ms of regex compiling
        cssutils_logging_level=logging.CRITICAL,
    )
    inliner.transform()  # in place, given a tree
    # Serialised as premailer would have done for a string, which drops the doctype.
    html = etree.tostring(page, method="html", encoding="utf-8").decode("utf-8")
    # premailer cannot see into MSO conditional comments, so undo the mark there too.
    return DOCTYPE + "\n" + html.replace(_KEEP_IN_HEAD, _HEAD_STYLE) + "\n"


def render_html(edition: Edition) -> str:
    data = template_data(edition)
    html = mjml_fixes.label_email(compile_mjml(render_mjml(edition, data), edition.theme_dir), edition.subject)
    track = edition.track if edition.house.tracking.enabled else None
    return inline_css(html, render_css(edition, "inline.css.j2", data), track)
