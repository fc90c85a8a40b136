"""`composer site`: the web edition of every issue in a folder, built incrementally and written atomically.

A manifest in the output folder remembers, for every page, the hash of its
issue file, and for the whole site the hash of everything else a page depends
on (house.yaml, the web templates, the site's address, composer's version and code).
A rebuild reads and renders only the issues whose file changed, rewrites only
files whose bytes changed, and removes the pages of issues that were deleted.
Nothing is written until every page has rendered.

As with `build`, each issue stands alone: one that has a problem keeps its previous
page and does not hold back the others (with `strict_all`, any problem writes
nothing). Drafts are left out, and so are issues dated after today until their day.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from composer import __version__, limits
from composer.checks import unsilenced
from composer.checks.registry import RULES, Context
from composer.codes import ERROR
from composer.diagnostics import ComposerError, Diagnostic
from composer.loader import HOUSE_FILE, load_edition, load_house
from composer.model.edition import Edition
from composer.model.house import House
from composer.output import prepare_folder, write_all
from composer.parallel import in_order
from composer.theme import default_theme_dir, environment
from composer.web.feeds import FEED_SIZE, atom, json_feed, sitemap
from composer.web.layout import ATOM, JSON_FEED, PER_PAGE, SITEMAP, Layout, layout
from composer.web.render import Entry, render_archive, render_page
from composer.wording import counted
from composer.yamlsource import load_yaml

MANIFEST = ".composer-site.json"
MANIFEST_VERSION = 1
# Checks about the message in the inbox (size, subject, preheader, spam, utm tags) say nothing about a web page.
EMAIL_ONLY = {"DW501", "DW502", "DW503", "DW504", "DW506", "DW601", "DW701"}


@dataclass
class SiteReport:
    written: dict[Path, int] = field(default_factory=dict)  # path -> size in bytes
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0
    issues: int = 0
    published: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    left_out: list[Diagnostic] = field(default_factory=list)  # drafts and issues still to come, one line each
    problems: list[Diagnostic] = field(default_factory=list)  # of the issues that were not published
    not_published: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """Warnings, the issues left out, then the problems that kept an issue off the site, one line each."""
        return [str(d) for d in [*self.warnings, *self.left_out, *sorted(self.problems)]]

    def summary(self, out: Path) -> str:
        left_out = f" ({len(self.left_out)} left out)" if self.left_out else ""
        return (f"{counted(self.published, 'issue')} on the site{left_out}: {counted(len(self.written), 'file')} "
                f"written, {len(self.removed)} removed, {self.unchanged} unchanged, in {out}")


def web_findings(edition: Edition) -> list[Diagnostic]:
    """`composer check` on an issue, without the checks that concern only the email."""
    context = Context(edition, html="", text="")
    for codes, check in RULES:
        if not set(codes) & EMAIL_ONLY:
            check(context)
    return unsilenced(context.findings, edition.issue.silence)


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big") + part)
    return hasher.hexdigest()


def _theme_files(theme_dir: Path | None) -> list[tuple[str, bytes]]:
    folders = [default_theme_dir(), *([theme_dir] if theme_dir else [])]
    return [(str(path), path.read_bytes()) for folder in folders
            for path in sorted((folder / "web").rglob("*")) if path.is_file()]


def site_digest(folder: Path, theme_dir: Path | None, lay: Layout) -> str:
    """Everything every page depends on, besides its own issue file."""
    house_file = folder / HOUSE_FILE
    house = house_file.read_bytes() if house_file.exists() else b""
    theme = [part for name, data in _theme_files(theme_dir) for part in (name.encode(), data)]
    settings = f"{MANIFEST_VERSION} {__version__} {lay.base_url} {lay.pattern}".encode()
    # composer's own code too: a development checkout changes what a page looks like without a new version.
    code = [path.read_bytes() for path in sorted(Path(__file__).parent.parent.rglob("*.py"))]
    return _digest(settings, house, *theme, *code)


def _read_manifest(out: Path) -> dict:
    try:
        manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # no manifest, or a damaged one: everything is built afresh
    return manifest if isinstance(manifest, dict) and manifest.get("version") == MANIFEST_VERSION else {}


def _old_entries(manifest: dict, digest: str) -> dict[str, Entry]:
    if manifest.get("site") != digest:
        return {}
    try:
        return {e["source"]: Entry(**e) for e in manifest.get("issues", [])}
    except (TypeError, KeyError):
        return {}


def _render_issue(path: Path, lay: Layout, source_hash: str) -> tuple[str, Entry, list[Diagnostic]]:
    edition = load_edition(path)
    findings = web_findings(edition)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise ComposerError(errors)
    html, entry = render_page(edition, lay, source_hash)
    return html, entry, findings


def _publishable(job: tuple[Path, str], lay: Layout, today: date, include_future: bool
                 ) -> Diagnostic | ComposerError | tuple[str, Entry, list[Diagnostic]]:
    """One issue's page (its html, entry and findings), or why it stays off the site for now, or its problems."""
    path, source_hash = job
    try:
        return _held_back(path, today, include_future) or _render_issue(path, lay, source_hash)
    except ComposerError as error:
        return error


def _warm() -> None:
    import composer.render_html  # noqa: F401  (once, before the work is shared out)


def _held_back(path: Path, today: date, include_future: bool) -> Diagnostic | None:
    """Why an issue stays off the site for now (a draft, or dated after today), as a located line; or None.

    Read from the YAML alone, before the issue is validated: next week's half-written
    skeleton is left out with one line, not refused field by field.
    """
    source = load_yaml(path)
    data = source.data if isinstance(source.data, dict) else {}
    if data.get("status") == "draft":
        line, column = source.position(("status",))
        return Diagnostic(path=str(path), line=line, column=column, message="left out of the site: this issue is a "
                          "draft (`status: draft`); set `status: ready` to publish it")
    try:
        day = date.fromisoformat(str(data.get("date")).strip())
    except ValueError:
        return None  # the validation says what is wrong with it
    if day > today and not include_future:
        line, column = source.position(("date",))
        return Diagnostic(path=str(path), line=line, column=column, message=f"left out of the site until "
                          f"{day.isoformat()}, its date (today is {today.isoformat()}); pass --include-future to "
                          "publish it now")
    return None


def _clashes(folder: Path, entries: list[Entry], reserved: set[str],
             house_pattern: str | None = None) -> list[Diagnostic]:
    """Two issues on one page, or an issue on a page the archive needs: one would replace the other."""
    seen: dict[str, Entry] = {}
    clashes = []
    for entry in entries:
        where = str(folder / entry.source)
        if entry.file in reserved:
            message = (f"this issue's page {entry.file} is where the site keeps its archive or feeds; "
                       "change `web_url` in house.yaml or give the issue a `slug:`")
            clashes.append(Diagnostic(path=where, message=message))
        elif entry.file in seen:
            # A slug only moves a page when the address pattern uses it.
            fix = ("give one of them its own `slug:`" if "{slug}" in (house_pattern or "{slug}") else
                   "add {slug} to `web_url` in house.yaml (it names pages by {date} alone), then give one a `slug:`")
            message = f"this issue and {seen[entry.file].source} both build the page {entry.file}; {fix}"
            clashes.append(Diagnostic(path=where, message=message))
        else:
            seen[entry.file] = entry
    return clashes


def _archive_files(house: House, theme_dir: Path | None, lay: Layout,
                   entries: list[Entry]) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """The archive pages, the pages per year, the feeds and the sitemap, each as (key, how to make it).

    The key names everything the file shows (which issues, in which versions, on
    which page of how many), so an unchanged key means the file need not be made again.
    """
    name = house.newsletter
    chunks = [entries[i:i + PER_PAGE] for i in range(0, len(entries), PER_PAGE)] or [[]]
    years = sorted({int(e.date[:4]) for e in entries}, reverse=True)
    files: dict[str, tuple[str, Callable[[], bytes]]] = {}

    def key(*parts: object, listed: list[Entry]) -> str:
        return _digest(repr(parts).encode(), *(f"{e.source} {e.hash} {e.file}".encode() for e in listed))

    def archive(file: str, listed: list[Entry], heading: str, number: int = 1, pages: int = 1) -> None:
        def make() -> bytes:
            return render_archive(house, theme_dir, lay, file, listed, heading=heading, number=number,
                                  pages=pages, years=years).encode("utf-8")

        files[file] = (key("archive", heading, number, pages, years, listed=listed), make)

    sitemap_pages: list[tuple[str, str | None]] = []
    for number, chunk in enumerate(chunks, start=1):
        heading = f"{name}: every issue" + (f", page {number} of {len(chunks)}" if number > 1 else "")
        archive(Layout.index_file(number), chunk, heading, number, len(chunks))
        sitemap_pages.append((Layout.index_file(number), chunk[0].date if chunk else None))
    for year in years:
        of_year = [e for e in entries if e.date.startswith(f"{year}-")]
        archive(Layout.year_file(year), of_year, f"{name} in {year}")
        sitemap_pages.append((Layout.year_file(year), of_year[0].date))
    sitemap_pages += [(e.file, e.date) for e in entries]
    latest = entries[:FEED_SIZE]
    files[ATOM] = (key("atom", listed=latest), lambda: atom(house, lay, entries))
    files[JSON_FEED] = (key("json", listed=latest), lambda: json_feed(house, lay, entries))
    files[SITEMAP] = (_digest(repr(sitemap_pages).encode()), lambda: sitemap(lay, sitemap_pages))
    return files


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _remove(out: Path, files: list[str]) -> list[Path]:
    removed = []
    for file in files:
        path = out / file
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ComposerError.at(path, f"cannot remove this old page ({error.strerror}); remove it by hand") from None
        removed.append(path)
        parent = path.parent
        while parent != out and parent.is_relative_to(out):
            try:
                parent.rmdir()  # only succeeds while the folder is empty
            except OSError:
                break
            parent = parent.parent
    return removed


def build_site(folder: Path, out: Path, *, base_url: str | None = None, strict_all: bool = False,
               include_future: bool = False, today: date | None = None) -> SiteReport:
    """Render the web edition of the issues in `folder` into `out`, each issue all or nothing.

    An issue with a problem keeps the page it had, and the others are published; with
    `strict_all`, any problem writes nothing at all. Two issues on one page always stop it.
    """
    # Not pipeline.issue_files: importing the pipeline loads the email renderer, a third of a rebuild's time.
    paths = sorted(p for p in folder.glob("*.yaml") if p.name != HOUSE_FILE) if folder.is_dir() else []
    if not paths:
        raise ComposerError.at(folder, "no issue files found; give a folder of issue .yaml files")
    house, theme_dir = load_house(folder)
    lay = layout(house, folder / HOUSE_FILE if (folder / HOUSE_FILE).exists() else None, base_url)
    digest = site_digest(folder, theme_dir, lay)
    manifest = _read_manifest(out)
    previous = _old_entries(manifest, digest)
    if not previous and theme_dir:
        # A long-lived process (the tests, the preview) must see an override file added since the last build.
        cache = environment(theme_dir).cache
        if cache is not None:
            cache.clear()
    report = SiteReport(issues=len(paths))
    today = today or date.today()
    published_before = _old_entries(manifest, str(manifest.get("site")))  # the pages as the last build left them
    problems: list[Diagnostic] = []
    entries: list[Entry] = []
    pages: dict[str, bytes] = {}

    def not_published(path: Path, diagnostics: list[Diagnostic]) -> None:
        problems.extend(diagnostics)
        report.not_published.append(str(path))
        kept = published_before.get(path.name)
        if kept and (out / kept.file).is_file():
            entries.append(kept)  # its previous page stays, as `build` leaves an issue's previous files

    # Read and compared here; the issues to render are rendered on every core, then taken in order.
    plan: list[tuple[Path, Entry | list[Diagnostic] | str]] = []  # kept as it was, refused, or its hash
    for path in paths:
        try:
            data = limits.read_bounded(path)  # refuses a named pipe, which read_bytes would wait on for ever
        except ComposerError as error:
            plan.append((path, error.diagnostics))
            continue
        except OSError as error:
            plan.append((path, [Diagnostic(path=str(path), message=f"cannot read this issue ({error.strerror})")]))
            continue
        source_hash = _digest(data)
        old = previous.get(str(path.name))
        if old and old.hash == source_hash and (out / old.file).is_file() and (
                date.fromisoformat(old.date) <= today or include_future):
            plan.append((path, old))
        else:
            plan.append((path, source_hash))
    to_render = [(path, step) for path, step in plan if isinstance(step, str)]
    rendered = iter(in_order(partial(_publishable, lay=lay, today=today, include_future=include_future), to_render,
                             warm=_warm))
    for path, step in plan:
        if isinstance(step, Entry):
            entries.append(step)
            continue
        if isinstance(step, list):
            not_published(path, step)
            continue
        outcome = next(rendered)
        if isinstance(outcome, Diagnostic):
            report.left_out.append(outcome)
        elif isinstance(outcome, ComposerError):
            not_published(path, outcome.diagnostics)
        else:
            html, entry, findings = outcome
            report.warnings += findings
            pages[entry.file] = html.encode("utf-8")
            entries.append(entry)
    if problems and (strict_all or not entries):
        raise ComposerError(problems)
    if not entries:
        nothing = Diagnostic(path=str(folder), message="nothing to publish: every issue is a draft or dated after "
                                                       "today; the site is left as it was")
        raise ComposerError([*report.left_out, nothing])
    entries.sort(key=lambda e: (e.date, e.source), reverse=True)
    # The manifest keeps the full text of the feeds' issues only; one that moves up into them is rendered again.
    for n, entry in enumerate(entries[:FEED_SIZE]):
        if not entry.content_html and str(folder / entry.source) not in report.not_published:
            try:
                html, entries[n], findings = _render_issue(folder / entry.source, lay, entry.hash)
            except ComposerError as error:
                problems += error.diagnostics
                report.not_published.append(str(folder / entry.source))
                continue
            pages[entries[n].file] = html.encode("utf-8")
    archive = _archive_files(house, theme_dir, lay, entries)
    clashes = _clashes(folder, entries, set(archive), house.web_url)
    if clashes or (problems and strict_all):
        raise ComposerError(problems + clashes)
    report.problems = problems
    report.published = sum(str(folder / entry.source) not in report.not_published for entry in entries)

    old_keys = manifest.get("archive", {}) if previous else {}
    keys = {file: made_by[0] for file, made_by in archive.items()}
    files = dict(pages)
    for file, (file_key, make) in archive.items():
        if not (isinstance(old_keys, dict) and old_keys.get(file) == file_key and (out / file).is_file()):
            files[file] = make()
    changed = {out / f: data for f, data in files.items() if not _unchanged(out / f, data)}
    report.unchanged = len(entries) + len(archive) - len(changed)
    all_files = sorted([e.file for e in entries] + list(archive))
    kept = [e.__dict__ if n < FEED_SIZE else {**e.__dict__, "content_html": ""} for n, e in enumerate(entries)]
    new_manifest = {"version": MANIFEST_VERSION, "site": digest, "issues": kept,
                    "archive": keys, "files": all_files}
    old_files = manifest.get("files", [])
    stale = sorted(set(old_files) - set(all_files)) if isinstance(old_files, list) else []

    prepare_folder(out)
    for path in changed:
        prepare_folder(path.parent)
    # The manifest goes last: if writing stops halfway, the next build redoes what it cannot vouch for.
    manifest_bytes = json.dumps(new_manifest, ensure_ascii=False).encode("utf-8")
    write_all(changed if _unchanged(out / MANIFEST, manifest_bytes) else {**changed, out / MANIFEST: manifest_bytes})
    report.removed = _remove(out, [f for f in stale if isinstance(f, str) and ".." not in f and not f.startswith("/")])
    report.written = {path: len(data) for path, data in changed.items()}
    return report
