"""The preview under hostile conditions: foreign Host names, too many open pages, the file pulled away."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from preview_process import PreviewProcess

from composer.commands.preview import MAX_LIVE_PAGES


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    path = tmp_path / "2024-01-12.yaml"
    path.write_text((FIXTURES / "good" / "minimal.yaml").read_text())
    return path


@pytest.fixture
def preview(issue: Path):
    running = PreviewProcess(issue)
    yield running
    running.stop()


def get(address: str, port: int, path: str, host: str) -> int:
    connection = http.client.HTTPConnection(address, port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


def state(preview: PreviewProcess) -> dict:
    status, body = preview.get("/state")
    assert status == 200
    return json.loads(body)


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the preview did not get there in time"
        time.sleep(0.05)


def test_an_address_given_with_host_is_answered_but_other_names_are_not(issue: Path):
    running = PreviewProcess(issue, "--host", "127.0.0.2")
    try:
        port = running.port
        assert get("127.0.0.2", port, "/email.html", f"127.0.0.2:{port}") == 200
        assert get("127.0.0.2", port, "/email.html", f"localhost:{port}") == 200
        # DNS rebinding: a page on another site whose name now resolves to this machine.
        assert get("127.0.0.2", port, "/email.html", "attacker.example") == 400
        assert get("127.0.0.2", port, "/state", f"attacker.example:{port}") == 400
    finally:
        running.stop()


def test_listening_everywhere_still_refuses_foreign_names(issue: Path):
    running = PreviewProcess(issue, "--host", "0.0.0.0")
    try:
        assert get("127.0.0.1", running.port, "/email.txt", "attacker.example") == 400
        assert get("127.0.0.1", running.port, "/email.txt", f"127.0.0.1:{running.port}") == 200
    finally:
        running.stop()


def open_stream(port: int) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/events")
    return connection, connection.getresponse()


def test_live_update_connections_are_bounded_and_freed(preview):
    streams = [open_stream(preview.port) for _ in range(MAX_LIVE_PAGES)]
    try:
        assert [response.status for _, response in streams] == [200] * MAX_LIVE_PAGES
        assert streams[0][1].readline().startswith(b"data: ")
        connection, refused = open_stream(preview.port)
        assert refused.status == 503
        assert b"too many preview pages are open" in refused.read()
        connection.close()
        # The page itself and the email are still served.
        assert preview.get("/email.html")[0] == 200

        # Closing one page frees its place.
        first, _ = streams.pop(0)
        first.sock.close()
        first.close()

        def another_fits() -> bool:
            connection, response = open_stream(preview.port)
            if response.status == 200:
                streams.append((connection, response))
                return True
            connection.close()
            return False

        wait_until(another_fits)
    finally:
        for connection, _ in streams:
            connection.close()


def test_deleting_and_replacing_the_issue_shows_a_message_and_the_server_carries_on(preview, issue: Path):
    original = issue.read_text()
    good = preview.get("/email.html")[1]
    issue.unlink()
    wait_until(lambda: state(preview)["problems"])
    assert state(preview)["problems"] == [f"{issue}:1:1: file not found; check the path and the file name"]
    assert preview.get("/email.html") == (200, good)  # the last good render stays on screen

    # An editor that saves by writing a new file and renaming it over the old one.
    replacement = issue.with_name(".2024-01-12.yaml.tmp")
    replacement.write_text(original.replace("Talks about talks resume", "Negotiators return"))
    os.replace(replacement, issue)
    wait_until(lambda: not state(preview)["problems"])
    assert "Negotiators return" in state(preview)["subject"]

    # A hostile replacement is refused like any other save, and the server keeps serving.
    issue.write_bytes(b"\0" * 5_000_000)
    wait_until(lambda: any("larger than 2 MB" in p for p in state(preview)["problems"]))
    assert preview.get("/email.html")[0] == 200
    assert preview.process.poll() is None


def test_the_page_says_the_issue_is_gone_and_recovers_when_it_is_back(browser, preview, issue: Path):
    original = issue.read_text()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(preview.url)
        frame = page.frame_locator("#email")
        frame.locator("h1").wait_for()
        issue.unlink()
        overlay = page.locator("#overlay")
        overlay.wait_for(state="visible", timeout=10_000)
        assert f"{issue}:1:1: file not found" in overlay.inner_text()
        assert "Talks about talks" in frame.locator("h1").inner_text()  # the last good render stays

        issue.write_text(original.replace("Talks about talks resume", "Negotiators return"))
        overlay.wait_for(state="hidden", timeout=10_000)
        frame.locator("h1", has_text="Negotiators return").wait_for(timeout=10_000)
    finally:
        context.close()


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_previewing_a_device_or_a_folder_is_refused_at_once(target: str, tmp_path: Path):
    path = Path(target) if target.startswith("/") else tmp_path
    result = subprocess.run([sys.executable, "-m", "composer", "preview", str(path), "--no-open", "--port", "0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    message = "this is not a file but a folder or a device; give the path of a .yaml file"
    assert result.stderr.strip() == f"{path}:1:1: {message}"


def test_the_issue_replaced_by_a_link_to_dev_zero_shows_a_message(preview, issue: Path):
    good = preview.get("/email.html")[1]
    link = issue.with_name(".2024-01-12.yaml.link")
    os.symlink("/dev/zero", link)
    os.replace(link, issue)  # one rename: the issue file is now a link to a device
    wait_until(lambda: state(preview)["problems"])
    [problem] = state(preview)["problems"]
    assert problem.startswith(f"{issue}:1:") and "larger than 2 MB" in problem
    assert preview.get("/email.html") == (200, good)  # the last good render stays on screen
    assert preview.process.poll() is None
