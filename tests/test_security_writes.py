"""Writing to disk: every target checked before any is replaced, concurrent builds never mixed,
outbox files never overwritten."""

from __future__ import annotations

import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli


def test_a_folder_in_the_way_of_one_file_leaves_every_file_as_it_was(issue_dir: Path):
    out = issue_dir / "out"
    out.mkdir()
    (out / "2024-01-12.html").write_text("the previous HTML")
    (out / "2024-01-12.txt").mkdir()  # a folder where the text file goes
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out, "--eml")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"{out / '2024-01-12.txt'}:1:1: {out / '2024-01-12.txt'} is a folder, so the file cannot be written there; "
        "move it away or choose another folder with -o")
    assert (out / "2024-01-12.html").read_text() == "the previous HTML"
    assert not (out / "2024-01-12.eml").exists()
    assert sorted(p.name for p in out.iterdir()) == ["2024-01-12.html", "2024-01-12.txt"]  # no temporary file left


def test_concurrent_writes_into_one_folder_never_mix_their_sets(tmp_path: Path, monkeypatch):
    from composer.output import write_all

    html, text = tmp_path / "x.html", tmp_path / "x.txt"
    real_replace = os.replace
    second_done = threading.Event()

    def slow_replace(source, target):
        real_replace(source, target)
        # The first writer pauses after its first rename, long enough for the second to run whole.
        if threading.current_thread().name == "first" and Path(target) == html:
            second_done.wait(timeout=1.0)

    monkeypatch.setattr(os, "replace", slow_replace)
    first = threading.Thread(name="first", target=write_all, args=({html: b"A", text: b"A"},))
    first.start()
    time.sleep(0.2)
    second = threading.Thread(name="second", target=lambda: (write_all({html: b"B", text: b"B"}), second_done.set()))
    second.start()
    first.join()
    second.join()
    assert html.read_bytes() == text.read_bytes()  # one writer's set, whichever came last


def test_two_outbox_sends_in_the_same_second_keep_both(tmp_path: Path, monkeypatch):
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    monkeypatch.setattr(time, "strftime", lambda fmt, *args: "20240112-090000")
    first = run_cli("send", tmp_path / "2024-01-12.yaml", "--to", "ed@example.org")
    second = run_cli("send", tmp_path / "2024-01-12.yaml", "--to", "desk@example.org")
    assert first.exit_code == 0 and second.exit_code == 0
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [f.name for f in files] == ["20240112-090000-2-2024-01-12.eml", "20240112-090000-2024-01-12.eml"]
    assert f"({files[1]})" in first.stdout and f"({files[0]})" in second.stdout
    assert b"To: ed@example.org" in files[1].read_bytes() and b"To: desk@example.org" in files[0].read_bytes()


def test_a_rename_that_fails_midway_puts_the_replaced_files_back(tmp_path: Path, monkeypatch):
    from composer.diagnostics import ComposerError
    from composer.output import write_all

    html, text, eml = tmp_path / "x.html", tmp_path / "x.txt", tmp_path / "x.eml"
    html.write_bytes(b"old html")
    text.write_bytes(b"old text")
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == eml:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    try:
        write_all({html: b"new html", text: b"new text", eml: b"new eml"})
    except ComposerError as error:
        assert "No space left on device" in str(error)
    else:
        raise AssertionError("the write should have failed")
    assert html.read_bytes() == b"old html" and text.read_bytes() == b"old text"
    assert not eml.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.html", "x.txt"]


def _special_file(path: Path, kind: str) -> str:
    """A character device like /dev/full where the test may make one (as root, in its own folder), else a
    named pipe: either is a node that renaming a file over would destroy."""
    if kind == "device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
            return "a character device"
        except PermissionError:
            pass
    os.mkfifo(path)
    return "a named pipe"


def _node(path: Path) -> tuple[int, int, int]:
    info = os.lstat(path)
    return info.st_mode, info.st_ino, info.st_rdev


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_schema_never_replaces_a_device_or_a_pipe(tmp_path: Path, kind: str):
    target = tmp_path / "full"
    described = _special_file(target, kind)
    before = _node(target)
    result = run_cli("schema", "-o", target)
    assert result.exit_code == 2
    assert result.stderr == (f"{target}:1:1: {target} is {described}, not a regular file; composer writes only over "
                             "regular files, so remove it or choose another place with -o\n")
    assert _node(target) == before
    assert os.listdir(tmp_path) == ["full"]


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_build_never_replaces_a_device_or_a_pipe_in_the_output_folder(issue_dir: Path, kind: str):
    out = issue_dir / "out"
    out.mkdir()
    described = _special_file(out / "2024-01-12.txt", kind)
    before = _node(out / "2024-01-12.txt")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"{out / '2024-01-12.txt'}:1:1: {out / '2024-01-12.txt'} is {described}, not a regular file; composer "
        "writes only over regular files, so remove it or choose another place with -o")
    assert _node(out / "2024-01-12.txt") == before
    assert os.listdir(out) == ["2024-01-12.txt"]  # the HTML is not written without its text either


def test_a_link_to_a_regular_file_is_still_written_over(issue_dir: Path):
    out = issue_dir / "out"
    out.mkdir()
    (issue_dir / "kept.txt").write_text("the previous text")
    os.symlink(issue_dir / "kept.txt", out / "2024-01-12.txt")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "Talks about talks resume in Istanbul" in (out / "2024-01-12.txt").read_text()
