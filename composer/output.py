"""Writing results so that a failed build never leaves half a file, or half a set, behind."""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from composer.diagnostics import ComposerError, Diagnostic


def prepare_folder(folder: Path) -> list[Path]:
    """Create the output folder and its missing parents; the folders it created, innermost first."""
    created = [path for path in (folder, *folder.parents) if not os.path.lexists(path)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ComposerError.at(
            folder, "cannot create the output folder because a file is in the way; choose another folder with -o"
        ) from None
    except OSError as error:
        raise ComposerError.at(
            folder, f"cannot create the output folder ({error.strerror}); choose another folder with -o"
        ) from None
    if not os.access(folder, os.W_OK):
        raise ComposerError.at(folder, "the output folder is not writable; choose another folder with -o")
    return created


@contextmanager
def output_folder(folder: Path) -> Iterator[None]:
    """The output folder, made for the writes in the block; should they fail, the folders made for
    them are removed again (while empty), so that a failed build leaves nothing new behind."""
    created = prepare_folder(folder)
    try:
        yield
    except BaseException:
        for path in created:
            try:
                path.rmdir()
            except OSError:
                break
        raise


@contextmanager
def folder_lock(folders: list[Path]) -> Iterator[None]:
    """Hold each folder's lock, in a fixed order: concurrent builds into one folder take turns
    renaming, so the set they leave is one build's, never a mix. The lock is taken on the folder
    itself (flock on its descriptor), so no lock file is left among the outputs."""
    with ExitStack() as stack:
        for folder in sorted(set(folders)):
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                continue  # the rename into it will fail and say why
            stack.callback(os.close, fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield


def _special_kind(target: Path) -> str | None:
    """What `target` is when it exists but is no regular file (nor a link to one), or None."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return "a symbolic link that leads nowhere" if target.is_symlink() else None
    except OSError as error:
        return f"a path that cannot be followed ({error.strerror})"
    for test, kind in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


def _target_problem(target: Path) -> str | None:
    """Why `target` cannot be replaced, found before any file is."""
    if target.is_dir():
        return (f"{target} is a folder, so the file cannot be written there; "
                "move it away or choose another folder with -o")
    # Renaming over /dev/full (as root) would replace the device itself with a file.
    if kind := _special_kind(target):
        return (f"{target} is {kind}, not a regular file; composer writes only over regular files, "
                "so remove it or choose another place with -o")
    if not os.access(target.parent, os.W_OK):
        return f"the folder {target.parent} is not writable; choose another folder with -o"
    return None


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file, or none. Every target is checked first; then each is written to a temporary
    file, and all are renamed into place under the folder's lock. Should a rename still fail, the
    files already replaced are put back."""
    problems = [Diagnostic(path=str(target), message=problem)
                for target in files if (problem := _target_problem(target))]
    if problems:
        raise ComposerError(problems)
    staged: list[tuple[str, Path]] = []
    backups: list[tuple[str | None, bool, Path]] = []  # (hard link to the old file, did one exist, target)
    try:
        for target, data in files.items():
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((temp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, 0o644)
        _sync([temp for temp, _ in staged])
        with folder_lock([target.parent for target in files]):
            for temp, target in staged:
                backups.append((_keep(target), target.exists(), target))
                os.replace(temp, target)
    except OSError as error:
        _restore(backups)
        raise ComposerError.at(
            files and next(iter(files)).parent or ".",
            f"cannot write the output ({error.strerror}); check the folder and free disk space",
        ) from None
    finally:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.unlink(temp)
        for backup, _, _ in backups:
            if backup and os.path.exists(backup):
                os.unlink(backup)


def _sync(paths: list[str]) -> None:
    """Every file on disk before any is renamed into place. One fsync after another costs a folder of 500
    issues about 6 s; the disk takes them side by side (fsync lets go of the GIL), in a fraction of it."""

    def sync(path: str) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if len(paths) <= 2:  # one issue's files: no pool, and no import of one (4 % of a one-issue build's start-up)
        for path in paths:
            sync(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(32, len(paths))) as pool:
        list(pool.map(sync, paths))  # list(): an OSError in any of them is raised here


def _keep(target: Path) -> str | None:
    """A hard link to the file about to be replaced, to put it back if a later rename fails."""
    if not target.is_file():
        return None
    backup = f"{target.parent}/.{target.name}.{os.getpid()}.old"
    try:
        if os.path.exists(backup):
            os.unlink(backup)
        os.link(target, backup)
    except OSError:
        return None
    return backup


def _restore(backups: list[tuple[str | None, bool, Path]]) -> None:
    for backup, existed, target in reversed(backups):
        try:
            if backup:
                os.replace(backup, target)
            elif not existed and target.exists():
                os.unlink(target)  # it did not exist before this write
        except OSError:
            pass


def reserve(folder: Path, stamp: str, name: str) -> Path:
    """A new file name in `folder`, `<stamp>-<name>`, or `<stamp>-2-<name>` and so on when taken,
    created empty at once so that two writers in the same second never pick the same one."""
    for n in range(1, 1000):
        path = folder / (f"{stamp}-{name}" if n == 1 else f"{stamp}-{n}-{name}")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        except OSError as error:
            raise ComposerError.at(folder, f"cannot write the output ({error.strerror}); check the folder") from None
        return path
    raise ComposerError.at(folder, "a thousand files with this name were written this second; try again")
