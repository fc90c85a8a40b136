"""`composer build`: render every issue, then write the files of each one that rendered, or none at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from composer.diagnostics import ComposerError, Diagnostic
from composer.loader import load_house
from composer.output import output_folder, write_all
from composer.parallel import in_order
from composer.pipeline import issue_files, render_checked


@dataclass
class BuildReport:
    written: dict[Path, int] = field(default_factory=dict)  # path -> size in bytes
    warnings: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)  # of the issues that were not built
    built: list[str] = field(default_factory=list)
    not_built: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """Warnings, then the problems that stopped an issue, one line each."""
        return [str(d) for d in self.warnings] + [str(d) for d in sorted(self.problems)]

    def summary(self) -> str:
        built = ", ".join(self.built) or "nothing"
        return f"built: {built}; not built: {', '.join(self.not_built)}"


@dataclass
class Built:
    """What rendering one issue gave: its files, or the problems that stopped it (picklable, so that a
    process of the pool can hand it back)."""

    source_name: str
    slug: str = ""
    slug_at: tuple[int, int] | None = None  # where the issue sets its own `slug:`, if it does
    files: dict[Path, bytes] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def build_one(path: Path, folder: Path, allow_clipping: bool, eml: bool) -> Built:
    """One issue rendered, checked, and made into its files (the message's last checks included)."""
    try:
        rendered, warnings = render_checked(path, allow_clipping=allow_clipping)
        files = rendered.files(folder, eml=eml)
    except ComposerError as error:
        return Built(str(path), problems=error.diagnostics)
    edition = rendered.edition
    slug_at = edition.position(("slug",), key=True) if edition.issue.slug else None
    return Built(edition.source_name, edition.slug, slug_at, files, warnings)


def _same_slug(built: list[Built]) -> list[Diagnostic]:
    """Two issues that would write the same files: the second would silently replace the first."""
    first: dict[str, Built] = {}
    clashes = []
    for result in built:
        if result.slug in first:
            line, column = result.slug_at or (1, 1)
            clashes.append(Diagnostic(
                path=result.source_name, line=line, column=column,
                message=f"this issue and {first[result.slug].source_name} both build {result.slug}.html; give "
                        "one of them its own `slug:` or build them into different folders",
            ))
        else:
            first[result.slug] = result
    return clashes


def _warm(issues: list[Path]) -> None:
    """Done once, before the work is shared out: the renderer imported, each folder's house read."""
    import composer.render_html  # noqa: F401

    for folder in {path.parent for path in issues}:
        try:
            load_house(folder)
        except ComposerError:
            pass  # each issue reports it


def build(paths: list[Path], folder: Path, *, allow_clipping: bool = False, eml: bool = False,
          strict_all: bool = False) -> BuildReport:
    """Render every issue, then write the files of each issue that rendered.

    Each issue is all or nothing: a problem in one leaves its previous files as
    they were, and does not stop the others (a half-written draft for next week
    must not hold back this week's issue). With `strict_all`, any problem in
    any issue writes nothing at all. Two issues with one slug always stop the build.
    The issues are rendered on every core (parallel.py); the files are written here, all at once.
    """
    issues = issue_files(paths)
    if not issues:
        raise ComposerError.at(paths[0] if paths else ".",
                               "no issue files found; give a .yaml file or a folder of them")
    report = BuildReport()
    results = in_order(partial(build_one, folder=folder, allow_clipping=allow_clipping, eml=eml), issues,
                       warm=partial(_warm, issues))
    built: list[Built] = []
    for path, result in zip(issues, results, strict=True):
        if result.problems:
            report.problems += result.problems
            report.not_built.append(str(path))
        else:
            report.warnings += result.warnings
            built.append(result)
    clashes = _same_slug(built)
    if clashes:
        raise ComposerError(report.problems + clashes)
    if report.problems and (strict_all or not built):
        raise ComposerError(report.problems)
    files: dict[Path, bytes] = {}
    for result in built:
        files.update(result.files)
        report.built.append(result.source_name)
    with output_folder(folder):
        write_all(files)
    report.written = {path: len(data) for path, data in files.items()}
    return report
