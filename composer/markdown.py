"""Markdown as the house uses it: CommonMark, house typography, safe links only.

One parser serves validation, the HTML part and the plain-text part, so the
three can never disagree about what the editor wrote.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from composer.diagnostics import Diagnostic

ALLOWED_SCHEMES = ("https", "http", "mailto")

# `[...]` is the house's mark for a cut inside a quotation and stays as typed;
# every other run of three dots becomes an ellipsis.
_ELLIPSIS = re.compile(r"(?<!\[)\.\.\.(?!\])")
_DASH = re.compile(r"(?<!-)-{2,3}(?!-)")
# An apostrophe that smartquotes left straight because punctuation comes before it: "the U.N.'s", "(NATO)'s".
# One after a space ("the '90s") stays as typed: it may open a quote, and DW402 asks the editor.
_APOSTROPHE = re.compile(r"(?<=[^\s'\"‘“(\[])'(?=[^\W\d_])")


def _house_punctuation(state: StateCore) -> None:
    """Turn typed `--` and `...` into an em dash and an ellipsis, and an apostrophe after an
    abbreviation into a curly one, outside code and URLs."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        in_autolink = False
        for token in block.children:
            if token.type == "link_open":
                in_autolink = token.info == "auto"
            elif token.type == "link_close":
                in_autolink = False
            elif token.type == "text" and not in_autolink:
                token.content = _APOSTROPHE.sub("’", _ELLIPSIS.sub("…", _DASH.sub("—", token.content)))


def _build() -> MarkdownIt:
    # Raw HTML is parsed (not escaped) so that validation can find it and
    # refuse it with a position; nothing with HTML in it ever reaches a template.
    md = MarkdownIt("commonmark", {"typographer": True, "html": True})
    md.enable(["smartquotes"])
    md.core.ruler.after("text_join", "house_punctuation", _house_punctuation)
    # Every link is let through the parser so that validate_* can name the bad ones.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_md = _build()
# The same grammar without typography or joined text: its text is as the editor typed it (an escaped
# `\[` stays apart), which is what a broken link is found and located by.
_as_typed = MarkdownIt("commonmark", {"html": True}).disable("text_join")
_as_typed.validateLink = lambda url: True  # type: ignore[method-assign]


def _unplaced(snippet: str, message: str) -> Diagnostic:
    """Something wrong inside a piece of Markdown; the snippet lets the loader find its line."""
    return Diagnostic(message=message, snippet=snippet)


@lru_cache(maxsize=32768)  # every field of a 10,000-item issue: each check walks them all
def parse(source: str) -> tuple[Token, ...]:
    return tuple(_md.parse(source))


@lru_cache(maxsize=32768)  # every field of a 10,000-item issue: each check walks them all
def parse_inline(source: str) -> tuple[Token, ...]:
    tokens = _md.parseInline(source)
    return tuple(tokens[0].children or []) if tokens else ()


def _inline_children(tokens: tuple[Token, ...]):
    for token in tokens:
        if token.type == "inline":
            yield from token.children or []
        else:
            yield token


def links(source: str) -> list[str]:
    """Every link target in a block of Markdown, in reading order."""
    return [t.attrs["href"] for t in _inline_children(parse(source)) if t.type == "link_open"]


def link_problem(href: str) -> str | None:
    """Why a link target is not acceptable in an email, or None when it is."""
    parts = urlsplit(href)
    scheme = parts.scheme.lower()
    if not scheme:
        return (
            f"the link '{href}' is relative, and relative links do not work in email; "
            "write the full address, starting with https://"
        )
    if scheme not in ALLOWED_SCHEMES:
        return f"the link '{href}' uses '{scheme}:'; only https:, http: and mailto: links are allowed"
    if scheme in ("http", "https") and not parts.netloc:
        return f"the link '{href}' has no site name; write it as https://example.org/page"
    if scheme == "mailto" and "@" not in parts.path:
        return f"the link '{href}' has no e-mail address; write it as mailto:name@example.org"
    return None


def _html_finding(token: Token) -> Diagnostic:
    first_line = token.content.strip().splitlines()[0] if token.content.strip() else token.content
    return _unplaced(
        first_line,
        f"raw HTML ('{first_line[:40]}') is not allowed; write Markdown instead: "
        "*italic*, **bold**, [link text](https://…)",
    )


def _common_findings(tokens) -> list[Diagnostic]:
    findings = []
    for token in tokens:
        if token.type in ("html_inline", "html_block"):
            findings.append(_html_finding(token))
        elif token.type == "link_open":
            reason = link_problem(token.attrs["href"])
            if reason:
                findings.append(_unplaced(token.attrs["href"], reason))
        elif token.type == "image":
            findings.append(
                _unplaced(
                    "![",
                    "images inside the text are not supported; use the issue's `image:` or a teaser instead",
                )
            )
    return findings


_STOP = "\x00"  # stands for what is no prose of the editor's: an address, code, HTML, an escaped character
_MARKS = ("em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close")
# A broken link as the message quotes it; it matches at any place (even nothing), so `match` never gives None.
_SHOWN = re.compile(rf"[^\s{_STOP}(]*(?:[ \t]*\([^\s{_STOP}]*)?")
_BRACKET = re.compile(r"[\[\]]")
_SPACED_ADDRESS = re.compile(r"[ \t\n]+\(\s*<?(?:https?:|mailto:|www\.)", re.I)


def _typed_text(children) -> str:
    """The text of inline tokens with the emphasis marks as typed; one stop character for anything else."""
    parts = []
    for token in children:
        if token.type == "text":
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(token.markup if token.type in _MARKS else _STOP)
    return "".join(parts)


def _broken(text: str) -> list[tuple[int, str]]:
    """(where, what) of each link Markdown did not make: `](` not closed, `] (`, a `[` never closed."""
    found: list[tuple[int, str]] = []
    opened: list[int] = []
    for bracket in _BRACKET.finditer(text):  # only the brackets: a paragraph of good links has none left
        at, char = bracket.start(), bracket[0]
        if char == "[":
            opened.append(at)
        else:
            start = opened.pop() if opened else at
            if text.startswith("(", at + 1):
                found.append((start, "address"))
            elif _SPACED_ADDRESS.match(text, at + 1):
                found.append((start, "space"))
    return sorted(found + [(start, "unclosed") for start in opened])


def _snippet(text: str, start: int, source: str) -> str:
    """The shortest piece of the line from `start` that appears once in the field, to find its place in the file."""
    rest = re.split(f"[\n{_STOP}]", text[start:], maxsplit=1)[0][:80]
    return next((rest[:n] for n in range(1, len(rest)) if source.count(rest[:n]) == 1), rest)


def _broken_links(source: str, groups: list) -> list[Diagnostic]:
    """A link with a typo prints as raw text ("[Reuters](https://…]"): refused, with the fix.

    `groups` are the inline tokens of each paragraph as already parsed; only when they show a
    broken link is the text parsed again as typed, to name it and find its place.
    """
    if not any(_broken(_typed_text(children)) for children in groups):
        return []
    findings = []
    for token in _as_typed.parse(source):
        text = _typed_text(token.children or []) if token.type == "inline" else ""
        for start, what in _broken(text):
            shown = _SHOWN.match(text, start)[0][:60]  # type: ignore[index]
            message = {
                "address": f"'{shown}' is not a link: its address must end with `)`, with no space inside it; "
                           "write it as [text](https://…)",
                "space": f"'{shown}' is not a link: remove the space between `]` and `(`",
                "unclosed": f"the `[` of '{shown}' is never closed, so it would print as typed; add the missing `]`, "
                            "as in [text](https://…)",
            }[what]
            findings.append(_unplaced(_snippet(text, start, source), message))
    return findings


def block_findings(source: str) -> list[Diagnostic]:
    """Problems in a prose field (lead, item, State Department summary, footer text)."""
    tokens = parse(source)
    findings = []
    for token in tokens:
        if token.type == "heading_open":
            findings.append(
                _unplaced(
                    token.markup,
                    "headings are not used inside the text (the house supplies them); "
                    "remove the '#' marks, or the line of '-' or '=' under the paragraph",
                )
            )
        elif token.type in ("code_block", "fence"):
            snippet = token.content.strip().splitlines()[0] if token.content.strip() else ""
            findings.append(
                _unplaced(
                    snippet,
                    "this text is indented by four or more spaces (or fenced with ```), "
                    "so Markdown would show it as code; remove the extra indentation",
                )
            )
    inlines = [token.children or [] for token in tokens if token.type == "inline"]
    return findings + _common_findings(_inline_children(tokens)) + _broken_links(source, inlines)


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")  # a tab too, in a header (other fields fold it first)


def inline_findings(source: str, *, allow_links: bool = False) -> list[Diagnostic]:
    """Problems in a one-line field such as a headline, dek or credit."""
    lines = source.strip().splitlines()
    if len(lines) > 1:
        return [_unplaced(lines[1], "this field must fit on one line; join the lines")]
    if control := _CONTROL.search(source):
        # Such characters would end up in the Subject header, where they are not allowed.
        return [_unplaced(source[control.start():],
                          f"the text holds an invisible control character (U+{ord(control[0]):04X}); retype it")]
    tokens = parse_inline(source)
    findings = _common_findings(tokens) + _broken_links(source, [tokens])
    if not allow_links:
        findings += [
            _unplaced(str(t.attrs["href"]), "links are not allowed in this field; remove the link and keep its text")
            for t in tokens
            if t.type == "link_open"
        ]
    return findings


# Kept, as the parses are: the templates render each field, and the completeness check renders it again.
@lru_cache(maxsize=4096)
def to_html(source: str) -> str:
    return _md.renderer.render(list(parse(source)), _md.options, {})


@lru_cache(maxsize=4096)
def inline_to_html(source: str) -> str:
    return _md.renderer.render(list(parse_inline(source)), _md.options, {})


def words_of(children) -> str:
    """The typeset words of inline tokens, without Markdown marks; line breaks become spaces."""
    return "".join(
        " " if t.type in ("softbreak", "hardbreak") else t.content
        for t in children
        if t.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def inline_to_text(source: str) -> str:
    """The typeset words of a one-line field, without any Markdown marks."""
    return words_of(parse_inline(source)).strip()


def block_to_text(source: str) -> str:
    """The typeset words of a Markdown text, paragraph after paragraph."""
    return " ".join(words_of(t.children or []) for t in parse(source) if t.type == "inline")


def links_with_text(source: str) -> list[tuple[str, str]]:
    """(target, link text) of every link in a Markdown text, in reading order."""
    found = []
    for token in parse(source):
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                end = next(j for j in range(i + 1, len(children)) if children[j].type == "link_close")
                found.append((str(child.attrs["href"]), words_of(children[i + 1 : end])))
    return found


def is_one_paragraph(source: str) -> bool:
    types = [t.type for t in parse(source)]
    return types == ["paragraph_open", "inline", "paragraph_close"]


_BLOCK_NAMES = {"paragraph_open": "a paragraph", "blockquote_open": "a block quote", "bullet_list_open": "a list",
                "ordered_list_open": "a numbered list", "hr": "a rule"}


def item_shape_problem(source: str) -> str | None:
    """Why a text is not an item (one paragraph, then at most one block quote), or None when it is one."""
    blocks = [t.type for t in parse(source) if t.level == 0 and t.nesting >= 0]
    if blocks in (["paragraph_open"], ["paragraph_open", "blockquote_open"]):
        return None
    shape = "an item is a single paragraph, optionally followed by one block quote"
    if not blocks or blocks[0] != "paragraph_open":
        found = _BLOCK_NAMES.get(blocks[0], "something else") if blocks else "nothing"
        return f"{shape}; it must open with its own paragraph (the one with the link), not with {found}"
    paragraphs = 1
    while paragraphs < len(blocks) and blocks[paragraphs] == "paragraph_open":
        paragraphs += 1
    if paragraphs > 1:
        return f"{shape}, but this one has {paragraphs} paragraphs; join them, or split them into separate items"
    after = blocks[2] if blocks[1] == "blockquote_open" else blocks[1]
    where = "after the quote" if blocks[1] == "blockquote_open" else "after the paragraph"
    return (f"{shape}; {_BLOCK_NAMES.get(after, 'something else')} follows {where}, which would fall outside "
            "the item; remove it, or make it an item of its own")


def item_quote_to_html(source: str) -> str:
    """The inside of an item's block quote, or "" when the item quotes nothing."""
    tokens = list(parse(source))
    opening = next((i for i, t in enumerate(tokens) if t.type == "blockquote_open" and t.level == 0), None)
    if opening is None:
        return ""
    closing = next(i for i in range(len(tokens) - 1, opening, -1) if tokens[i].type == "blockquote_close")
    return _md.renderer.render(tokens[opening + 1 : closing], _md.options, {})


def paragraph_text(source: str) -> str:
    """The typeset words of the first paragraph only (an item without its quote)."""
    inline = next((t for t in parse(source) if t.type == "inline"), None)
    return words_of(inline.children or []) if inline else ""


def paragraph_to_html(source: str) -> str:
    """The inside of a one-paragraph text, so the house can put its own marks before it."""
    inline = next(t for t in parse(source) if t.type == "inline")
    return _md.renderer.render(list(inline.children or []), _md.options, {})
