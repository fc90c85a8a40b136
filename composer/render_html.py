"""The HTML part: Jinja2 templates → MJML → mjml-python → premailer."""

from __future__ import annotations

import importlib
import logging
import re
import sys
import traceback
import types


class _ImportedOnFirstUse(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports it.

    premailer imports requests at the top, only to fetch external stylesheets,
    which composer never asks for (allow_network=False); importing it costs
    65 ms of every cold build. (importlib's LazyLoader does not help here: the
    import statement itself touches the module and loads it.)
    """

    def __getattr__(self, attribute: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


if "requests" not in sys.modules:
    sys.modules["requests"] = _ImportedOnFirstUse("requests")

import cssutils  # noqa: E402
import mjml  # noqa: E402
from jinja2 import TemplateNotFound, TemplateSyntaxError  # noqa: E402
from premailer import Premailer  # noqa: E402

from composer import mjml_fixes  # noqa: E402
from composer.diagnostics import ComposerError  # noqa: E402
from composer.model.edition import Edition  # noqa: E402
from composer.theme import environment  # noqa: E402

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
    return _render_template(edition, "email.mjml.j2", {"edition": edition, "issue": edition.issue, "house": edition.house})


def render_css(edition: Edition, name: str) -> str:
    return _render_template(edition, name, {"house": edition.house})


def compile_mjml(source: str) -> str:
    try:
        html = mjml.mjml2html(source, fonts={}, disable_comments=True)
    except ValueError as error:
        raise ComposerError.at("email.mjml.j2", f"the theme produced invalid MJML ({error})") from None
    # mjml-python copies unknown mj-* tags into the HTML without a word.
    unknown = _UNKNOWN_TAG.search(html)
    if unknown:
        raise ComposerError.at(
            "email.mjml.j2",
            f"the theme uses <{unknown.group(1)}>, which is not an MJML component; check its spelling",
        )
    return mjml_fixes.fix(html)


def inline_css(html: str, css: str) -> str:
    inliner = Premailer(
        html.replace(_HEAD_STYLE, _KEEP_IN_HEAD),
        css_text=css,
        strip_important=False,  # keeps dark-mode and mobile overrides working
        allow_network=False,
        remove_classes=False,  # the media queries still select by class
        disable_validation=True,
        align_floating_images=False,  # nothing floats; and it would validate CSS, costing 50 ms of regex compiling
        cssutils_logging_level=logging.CRITICAL,
    )
    # premailer cannot see into MSO conditional comments, so undo the mark there too.
    html = inliner.transform(pretty_print=False).replace(_KEEP_IN_HEAD, _HEAD_STYLE)
    return DOCTYPE + "\n" + html + "\n"


def render_html(edition: Edition) -> str:
    html = mjml_fixes.label_email(compile_mjml(render_mjml(edition)), edition.subject)
    return inline_css(html, render_css(edition, "inline.css.j2"))
