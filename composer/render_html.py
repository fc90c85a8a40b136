"""The HTML part: Jinja2 templates → MJML → mjml-python → premailer."""

from __future__ import annotations

import importlib
import logging
import re
import sys
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
from jinja2 import TemplateError, TemplateSyntaxError  # noqa: E402
from premailer import Premailer  # noqa: E402

from composer.model import Edition  # noqa: E402
from composer.problems import ComposerError  # noqa: E402
from composer.theme import environment  # noqa: E402

DOCTYPE = "<!doctype html>"
# MJML's own reset and responsive rules belong in <head>; copying them onto every
# table cell would only spend the Gmail size budget. Marked, premailer skips them.
_HEAD_STYLE = '<style type="text/css">'
_KEEP_IN_HEAD = '<style type="text/css" data-premailer="ignore">'
_UNKNOWN_TAG = re.compile(r"<(mj-[a-z-]+)")

# cssutils does not know Outlook's mso-* properties and would warn about each one.
cssutils.log.setLevel(logging.CRITICAL)


def _template_error(error: TemplateError) -> ComposerError:
    if isinstance(error, TemplateSyntaxError):
        return ComposerError.at(error.filename or error.name or "template", f"template error: {error.message}", error.lineno or 1)
    return ComposerError.at("template", f"template error: {error}; check the house's template overrides")


def render_mjml(edition: Edition) -> str:
    env = environment(edition.theme_dir)
    try:
        context = {"edition": edition, "issue": edition.issue, "house": edition.house}
        return env.get_template("email.mjml.j2").render(context)
    except TemplateError as error:
        raise _template_error(error) from None


def render_css(edition: Edition, name: str) -> str:
    env = environment(edition.theme_dir)
    try:
        return env.get_template(name).render(house=edition.house)
    except TemplateError as error:
        raise _template_error(error) from None


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
    return html


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
    html = compile_mjml(render_mjml(edition))
    return inline_css(html, render_css(edition, "inline.css.j2"))
