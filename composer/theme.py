"""The theme: Jinja2 templates that a house may override file by file.

Like a custom_dir in MkDocs, a house's own template folder is searched first
and the built-in theme fills in every file the house did not provide.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from composer import markdown


def default_theme_dir() -> Path:
    packaged = Path(__file__).parent / "templates"  # inside an installed wheel
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"  # a source checkout


def _autoescape(name: str | None) -> bool:
    # MJML is markup and must be escaped; CSS must not be, or font names lose their quotes.
    return bool(name) and not name.endswith(".css.j2")


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept on disk, like .pyc files: compiling them costs 25 ms per cold build."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # Its own folder: the sandbox compiles calls differently, and must never load code compiled without it.
    folder = base / "composer" / "jinja-sandboxed"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home only makes builds slower, never wrong
    return FileSystemBytecodeCache(str(folder))


# `content` names where a link sits (lead, item-2, teaser-1 …) for link tracking.
@pass_context
def _markdown(context, source: str, content: str | None = None) -> Markup:
    return Markup(markdown.to_html(source, _linker(context, content)))


@pass_context
def _paragraph(context, source: str, content: str | None = None) -> Markup:
    return Markup(markdown.paragraph_to_html(source, _linker(context, content)))


@pass_context
def _item_quote(context, source: str, content: str | None = None) -> Markup:
    return Markup(markdown.item_quote_to_html(source, _linker(context, content)))


@pass_context
def _track(context, url: str, content: str) -> str:
    edition = context.get("edition")
    return edition.link(url, content) if edition is not None else url


def _linker(context, content: str | None):
    edition = context.get("edition")
    return edition.linker(content) if edition is not None and content else None


class TemplateOutsideTheme(TemplateError):
    """A template file that is a link to somewhere outside its theme folder."""


class _ThemeFolderLoader(FileSystemLoader):
    """Templates from one folder, and only from it: a symbolic link that leads out of the
    folder (to /etc/passwd, to a file of secrets) is refused, not followed."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.folder = folder.resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.folder):
            raise TemplateOutsideTheme(f"the template {template} in {self.folder} is a link to "
                                       f"{Path(filename).resolve()}, outside the theme folder; replace the link "
                                       "with a copy of the file")
        return source, filename, uptodate


class _ThemeSandbox(SandboxedEnvironment):
    """A house's theme is code from outside composer. Jinja2's sandbox already stops `__`-attributes
    (the road to os.environ) and unsafe calls; on top of it, templates may read attributes of
    composer's own objects (the content model) and of plain values only, so no path, file or
    module is within their reach."""

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return isinstance(obj, (str, int, float, date, list, tuple, dict, LoopContext)) or type(
            obj).__module__.split(".")[0] == "composer"


@lru_cache(maxsize=8)
def environment(theme_dir: Path | None = None) -> Environment:
    search = [theme_dir] if theme_dir else []
    env = _ThemeSandbox(
        loader=ChoiceLoader([_ThemeFolderLoader(d) for d in [*search, default_theme_dir()]]),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,  # the preview re-renders after a template is saved
        bytecode_cache=_bytecode_cache(),
    )
    # Only the documented context, the filters below and Jinja's own filters: no cycler, joiner, lipsum.
    env.globals = {"range": env.globals["range"]}
    env.filters["markdown"] = _markdown
    env.filters["paragraph"] = _paragraph
    env.filters["item_quote"] = _item_quote
    env.filters["track"] = _track
    env.filters["inline"] = lambda source: Markup(markdown.inline_to_html(source))
    env.filters["plain"] = markdown.inline_to_text
    return env
