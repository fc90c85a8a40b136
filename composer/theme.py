"""The theme: Jinja2 templates that a house may override file by file.

Like a custom_dir in MkDocs, a house's own template folder is searched first
and the built-in theme fills in every file the house did not provide.
"""

from __future__ import annotations

import os
import traceback
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from markupsafe import Markup

from composer import markdown, sandbox
from composer.diagnostics import ComposerError


def default_theme_dir() -> Path:
    packaged = Path(__file__).parent / "templates"  # inside an installed wheel
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"  # a source checkout


def _autoescape(name: str | None) -> bool:
    # MJML is markup and must be escaped; CSS must not be, or font names lose their quotes.
    return name is not None and not name.endswith(".css.j2")


_CODE_VERSION = 3


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept on disk, like .pyc files: compiling them costs 25 ms per cold build."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # Its own folder: the sandbox compiles calls differently, and must never load code compiled without it.
    folder = base / "composer" / "jinja-sandboxed"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home only makes builds slower, never wrong
    # Compiled code depends on the filters' signatures and on the sandbox's code generator too,
    # not only on the template's source: bump this when either changes, or stale code would run.
    return FileSystemBytecodeCache(str(folder), f"__composer_filters{_CODE_VERSION}_%s.cache")


# Link tracking is one pass over the finished HTML (tracking.py). The part names
# that templates once passed here (`markdown("lead")`, `track("donate")`) are
# still accepted, so a house's older overrides keep rendering, and ignored.
# Each filter spends the render's budget (sandbox.py): `range(10**5) | map("markdown")` loops in Jinja's code.
def _markdown(source: str, content: str | None = None) -> Markup:
    sandbox.tick()
    return Markup(markdown.to_html(source))


def _paragraph(source: str, content: str | None = None) -> Markup:
    sandbox.tick()
    return Markup(markdown.paragraph_to_html(source))


def _item_quote(source: str, content: str | None = None) -> Markup:
    sandbox.tick()
    return Markup(markdown.item_quote_to_html(source))


def _inline(source: str) -> Markup:
    sandbox.tick()
    return Markup(markdown.inline_to_html(source))


def _plain(source: str) -> str:
    sandbox.tick()
    return markdown.inline_to_text(source)


def _track(url: str, content: str | None = None) -> str:
    return url


def environment(theme_dir: Path | None = None) -> Environment:
    """The environment for a house's template folder (or none).

    Keyed by the files the folder holds as well: Jinja checks a cached template's
    own file for changes, so an override created after `parts/lead.mjml.j2` was
    first loaded from the built-in theme would otherwise never be seen (the preview).
    """
    overrides = frozenset(p for p in theme_dir.rglob("*") if p.is_file()) if theme_dir else frozenset()
    return _environment(theme_dir, overrides)


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


@lru_cache(maxsize=8)
def _environment(theme_dir: Path | None, overrides: frozenset[Path]) -> Environment:
    search = [theme_dir] if theme_dir else []
    env = sandbox.ThemeSandbox(
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
    env.filters["inline"] = _inline
    env.filters["plain"] = _plain
    return env


def template_error(error: Exception, name: str) -> ComposerError:
    """Where in which template it went wrong, for whoever edits the house's theme."""
    if isinstance(error, TemplateSyntaxError):
        where, line = error.filename or error.name or name, error.lineno or 1
        return ComposerError.at(where, f"template error: {error.message}", line)
    # Jinja keeps template files and lines in the traceback of errors raised while rendering.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    where, line = (frames[-1].filename, frames[-1].lineno or 1) if frames else (name, 1)
    if isinstance(error, TemplateNotFound):
        message = f"template error: no template named '{error.name}' in the theme or the house's templates"
    elif isinstance(error, sandbox.TemplateLimit):
        message = f"template error: {error}"
    else:
        message = f"template error: {type(error).__name__}: {error}; check the house's template overrides"
    return ComposerError.at(where, message, line)


def render(theme_dir: Path | None, name: str, context: dict) -> str:
    """The template `name` of the house's theme, rendered in the sandbox with `context` (context.py)."""
    try:
        return sandbox.render(environment(theme_dir).get_template(name), context)
    except Exception as error:  # a house's own template can fail in any way at all
        raise template_error(error, name) from None
