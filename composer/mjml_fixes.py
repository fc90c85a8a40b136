"""Where mjml-python's HTML differs from official MJML's, or from valid HTML, put right.

Applied to mjml-python's output before premailer. Each fix is a plain text
rewrite of markup that mjml-python writes the same way every time; the tests
run the Nu HTML Checker and compare with what official MJML writes.
"""

from __future__ import annotations

import html as html_escaping
import re

_MSO_BLOCK = re.compile(r"<!--\[if mso \| IE\]>.*?<!\[endif\]-->", re.S)
# The end of one Outlook-only block right before the start of the next. Not the
# end of a `<!--[if !mso]><!-->` block, whose `<!--<![endif]-->` ends the same way.
_ADJACENT_MSO = re.compile(r"<!\[endif\]-->(?<!<!--<!\[endif\]-->)\s*<!--\[if mso \| IE\]>")
_OUTLOOK_CLASSES = re.compile(r'class="([^"]+-outlook)"')
# mjml-python writes MJML's vertical-align attribute onto the button's <td> as is; no such HTML attribute exists.
# (Text never holds these: a quote in text is written &quot;. The lookahead keeps to the inside of a tag.)
_TD_VERTICAL_ALIGN = re.compile(r' vertical-align="[^"]*"(?=[^<>]*>)')
_LINK_TARGET = re.compile(r' target="[^"]*"(?=[^<>]*>)')
_IMG_STYLE = re.compile(r'<img\b[^>]*?style="([^"]*)"')
_FIXED_HEIGHT = re.compile(r"(^|;)\s*height:\s*\d+px")
# The email wrapper MJML writes around the body: <div aria-label="…" aria-roledescription="email" role="article">.
_WRAPPER_LABEL = re.compile(r'(<body\b[^>]*>\s*<div\b[^>]*?\baria-label=")[^"]*(")')


def merge_outlook_blocks(html: str) -> str:
    """One Outlook-only block where mjml-python leaves several back to back, as official MJML does.

    Outlook reads the same markup either way; the rest is bytes against Gmail's clipping limit.
    """
    return _ADJACENT_MSO.sub("", html)


def suffix_outlook_classes(html: str) -> str:
    """`class="a-outlook b-outlook"` on a section's Outlook table, where mjml-python suffixes only the last class."""

    def every_class(match: re.Match) -> str:
        names = [name if name.endswith("-outlook") else f"{name}-outlook" for name in match[1].split()]
        return f'class="{" ".join(names)}"'

    return _MSO_BLOCK.sub(lambda block: _OUTLOOK_CLASSES.sub(every_class, block[0]), html)


def drop_invalid_attributes(html: str) -> str:
    """Without the attributes vnu rejects and official MJML never writes."""
    return _TD_VERTICAL_ALIGN.sub("", html)


def drop_link_targets(html: str) -> str:
    """No target="_blank": Gmail ignores it, and every mail client opens links outside the email anyway."""
    return _LINK_TARGET.sub("", html)


def fluid_image_heights(html: str) -> str:
    """`height:auto` in each image's inline style, so it keeps its shape where <style> is dropped.

    MJML writes the fixed height beside `width:100%`; the phone rule that undoes it
    lives in <style>, which Gmail's mobile webmail removes, and a narrow screen then
    squeezes the image. The height attribute stays for Outlook, which sizes by it.
    """

    def auto(match: re.Match) -> str:
        return match[0].replace(match[1], _FIXED_HEIGHT.sub(r"\1height:auto", match[1]))

    return _IMG_STYLE.sub(auto, html)


def label_email(html: str, subject: str) -> str:
    """The whole subject as the email wrapper's name, where mjml-python repeats the (shortened) <title>."""
    label = html_escaping.escape(subject, quote=True)
    return _WRAPPER_LABEL.sub(lambda m: m[1] + label + m[2], html, count=1)


def fix(html: str) -> str:
    html = suffix_outlook_classes(html)
    html = merge_outlook_blocks(html)
    html = drop_invalid_attributes(html)
    html = drop_link_targets(html)
    return fluid_image_heights(html)
