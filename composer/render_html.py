"""The HTML part: Jinja2 templates → MJML → mjml-python → premailer."""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path

import cssutils
import mjml
from jinja2 import TemplateNotFound, TemplateSyntaxError
from lxml import etree
from premailer import Premailer

from composer import mjml_fixes
from composer.diagnostics import ComposerError
from composer.model.edition import Edition
from composer.theme import default_theme_dir, environment
from composer.tracking import Tagger, track_html

DOCTYPE = "<!doctype html>"
# MJML's own reset and responsive rules belong in <head>; copying them onto every
# table cell would only spend the Gmail size budget. Marked, premailer skips them.
_HEAD_STYLE = '<style type="text/css">'
_KEEP_IN_HEAD = '<style type="text/css" data-premailer="ignore">'
_UNKNOWN_TAG = re.compile(r"<(mj-[a-z-]+)")

# cssutils does not know Outlook's mso-* properties and would warn about each one.
cssutils.log.setLevel(logging.CRITICAL)


def _template_error(error: Exception, name: str) -> ComposerError:
    """Where in which template it went wrong, for whoever edits the house's theme."""
    if isinstance(error, TemplateSyntaxError):
        where, line = error.filename or error.name or name, error.lineno or 1
        return ComposerError.at(where, f"template error: {error.message}", line)
    # Jinja keeps template files and lines in the traceback of errors raised while rendering.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    where, line = (frames[-1].filename, frames[-1].lineno or 1) if frames else (name, 1)
    if isinstance(error, TemplateNotFound):
        message = f"template error: no template named '{error.name}' in the theme or the house's templates"
    else:
        message = f"template error: {type(error).__name__}: {error}; check the house's template overrides"
    return ComposerError.at(where, message, line)


def _render_template(edition: Edition, name: str, context: dict) -> str:
    try:
        return environment(edition.theme_dir).get_template(name).render(context)
    except Exception as error:  # a house's own template can fail in any way at all
        raise _template_error(error, name) from None


def render_mjml(edition: Edition) -> str:
    context = {"edition": edition, "issue": edition.issue, "house": edition.house}
    return _render_template(edition, "email.mjml.j2", context)


def render_css(edition: Edition, name: str) -> str:
    return _render_template(edition, name, {"house": edition.house})


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


def inline_css(html: str, css: str, track: Tagger | None = None) -> str:
    """premailer's inlining, over a tree parsed here so that link tracking can walk it first."""

    page = etree.fromstring(html.replace(_HEAD_STYLE, _KEEP_IN_HEAD).strip(), etree.HTMLParser())
    if track is not None:
        track_html(page, track)
    inliner = Premailer(
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
    html = mjml_fixes.label_email(compile_mjml(render_mjml(edition), edition.theme_dir), edition.subject)
    track = edition.track if edition.house.tracking.enabled else None
    return inline_css(html, render_css(edition, "inline.css.j2"), track)
