"""The preview when things go wrong: check errors and warnings, new template overrides, a busy port,
a watcher that dies, and an inbox line that keeps the sender apart from the subject."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FIXTURES
from preview_process import PreviewProcess

from composer.diagnostics import CommandError


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    return tmp_path / "2024-01-12.yaml"


def state(running: PreviewProcess) -> dict:
    status, body = running.get("/state")
    assert status == 200
    return json.loads(body)


def test_warnings_travel_in_the_stream_as_the_terminal_prints_them(issue: Path):
    running = PreviewProcess(issue)  # no house.yaml beside it: DW506
    try:
        running.wait_for(r"warning DW506")
        shown = state(running)
        assert shown["problems"] == []
        assert any("warning DW506" in line for line in shown["warnings"])
    finally:
        running.stop()


def test_a_template_override_created_while_running_is_picked_up(issue: Path):
    (issue.parent / "house.yaml").write_text("templates: theme\n")
    theme = issue.parent / "theme"
    theme.mkdir()
    running = PreviewProcess(issue)
    try:
        assert b"Overridden lead" not in running.get("/email.html")[1]
        lines = len(running.lines)
        (theme / "parts").mkdir()
        good = (Path(__file__).resolve().parent.parent / "templates" / "parts" / "lead.mjml.j2").read_text()
        (theme / "parts" / "lead.mjml.j2").write_text(good.replace("{{ issue.lead", "<p>Overridden lead</p>{{ issue.lead"))
        running.wait_for(r"^saved .*: rebuilt", after=lines)
        deadline = time.monotonic() + 10
        while b"Overridden lead" not in running.get("/email.html")[1]:
            assert time.monotonic() < deadline, running.lines
            time.sleep(0.1)
    finally:
        running.stop()


def test_check_errors_on_first_load_show_the_render_with_the_errors(browser, issue: Path):
    issue.write_text(issue.read_text().replace("headline: Talks", "headline: Diplomacy Watch on talks"))
    running = PreviewProcess(issue)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        running.wait_for(r"first build: 1 problem .*showing this render")
        page.goto(running.url)
        h1 = page.frame_locator("#email").locator("h1")
        h1.wait_for(timeout=5000)
        assert "Diplomacy Watch on talks" in h1.inner_text()  # not an empty frame
        overlay = page.locator("#overlay")
        overlay.wait_for(state="visible", timeout=5000)
        assert "the email below is this save" in overlay.inner_text()
        assert "2024-01-12.yaml:4:11: error DW404" in overlay.inner_text()
        listed = page.locator("#warnings")
        assert listed.is_visible() and "DW506" in listed.inner_text()
    finally:
        context.close()
        running.stop()


def test_the_inbox_line_keeps_the_sender_apart_from_the_subject(browser, issue: Path):
    (issue.parent / "house.yaml").write_text(
        "sender:\n  name: Diplomacy Watch from Responsible Statecraft\n  address: newsletter@example.org\n")
    issue.write_text(issue.read_text().replace(
        "dek: Negotiators met for the first time in months",
        "dek: Negotiators met for the first time in months, and this dek is long enough to fill the whole inbox line"))
    running = PreviewProcess(issue)
    context = browser.new_context(viewport={"width": 900, "height": 700})
    page = context.new_page()
    try:
        page.goto(running.url)
        page.wait_for_function("document.getElementById('subject').textContent.length > 0")
        sender = page.locator("#sender").evaluate("e => [e.getBoundingClientRect().right, e.scrollWidth, e.clientWidth]")
        subject_left = page.locator("#subject").evaluate("e => e.getBoundingClientRect().left")
        right, needed, shown = sender
        assert needed <= shown  # the whole sender name is visible
        assert subject_left >= right + 8  # with a gap before the subject
    finally:
        context.close()
        running.stop()


def test_a_port_in_use_is_one_line_without_a_file_name(issue: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "composer", "preview", str(issue), "--no-open", "--port",
                                 str(port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port} (Address already in use); pick another --port"


def test_a_failed_bind_closes_its_socket(issue: Path, monkeypatch):
    from composer.commands.preview import serve

    made: list[socket.socket] = []

    class Recorded(socket.socket):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        monkeypatch.setattr(socket, "socket", Recorded)
        with pytest.raises(CommandError):
            serve(issue, "127.0.0.1", busy.getsockname()[1], open_browser=False, log=lambda line: None)
        monkeypatch.undo()
    assert made and all(sock.fileno() == -1 for sock in made)  # closed, not left for the garbage collector


def test_a_dying_watcher_is_reported_in_the_terminal_and_the_page(issue: Path, monkeypatch):
    from composer.commands.preview import Preview

    logged: list[str] = []
    preview = Preview(issue, log=logged.append)
    preview.rebuild()

    async def broken_watch(self) -> None:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(Preview, "watch", broken_watch)
    started = time.monotonic()
    # In a thread of its own: the session's browser keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, preview.keep_watching()).result(timeout=5)
    assert time.monotonic() - started < 5
    assert any(line.startswith("error: the preview stopped following saves") for line in logged), logged
    problems = preview.snapshot.state()["problems"]
    assert any("inotify watch limit reached" in line and "restart" in line for line in problems)
