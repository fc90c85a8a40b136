"""Writing results so that a failed build never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from composer.diagnostics import ComposerError


def prepare_folder(folder: Path) -> None:
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


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file, or none: each goes to a temporary file first, then all are renamed."""
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in files.items():
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((temp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
        for temp, target in staged:
            os.replace(temp, target)
    except OSError as error:
        for temp, _ in staged:
            if os.path.exists(temp):
                os.unlink(temp)
        raise ComposerError.at(
            files and next(iter(files)).parent or ".",
            f"cannot write the output ({error.strerror}); check the folder and free disk space",
        ) from None
