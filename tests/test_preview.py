"""`composer preview` as an editor uses it: a real server, a real browser, real saves."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS  # noqa: F401  (the browser fixture comes from conftest)
from conftest import FIXTURES
from preview_process import PreviewProcess

from composer.pipeline import render
from composer.web.render import render_preview


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    return tmp_path / "2024-01-12.yaml"


@pytest.fixture
def preview(issue: Path):
    running = PreviewProcess(issue)
    yield running
    running.stop()


def save(path: Path, text: str) -> None:
    path.write_text(text)


def test_serves_exactly_what_build_writes_and_nothing_else(preview, issue: Path):
    status, body = preview.get("/email.html")
    assert status == 200
    assert body == render(issue).html.encode("utf-8")
    status, body = preview.get("/email.txt")
    assert status == 200 and body == render(issue).text.encode("utf-8")
    for path in ("/../pyproject.toml", "/../../etc/passwd", "/email.html/../../pyproject.toml",
                 "/%2e%2e/pyproject.toml", "/2024-01-12.yaml", "/house.yaml", "//etc/passwd"):
        status, body = preview.get(path)
        assert status == 404, path
        assert b"talks" not in body.lower() and b"root:" not in body


def test_page_follows_saves_and_shows_errors(browser, preview, issue: Path):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(preview.url)
        frame = page.frame_locator("#email")
        h1 = frame.locator("h1")
        h1.wait_for()
        assert h1.inner_text() == "Diplomacy Watch: Talks about talks resume in Istanbul"
        assert page.locator("#subject").inner_text() == "Diplomacy Watch: Talks about talks resume in Istanbul"
        page.evaluate("window.__not_reloaded = true")

        # Scroll the email, then save a new headline: the frame updates in place and keeps its scroll.
        page.locator("#email").evaluate("f => f.contentWindow.scrollTo(0, 200)")
        original = issue.read_text()
        save(issue, original.replace("Talks about talks resume", "Negotiators return"))
        frame.locator("h1", has_text="Negotiators return").wait_for(timeout=5000)
        assert page.evaluate("window.__not_reloaded") is True
        assert page.locator("#email").evaluate("f => f.contentWindow.scrollY") == 200

        # Break the YAML: the overlay names the line, over the last good render.
        lines_before = len(preview.lines)
        save(issue, original.replace("kind: Reporting", "kind: Opinion"))
        overlay = page.locator("#overlay")
        overlay.wait_for(state="visible", timeout=5000)
        assert re.search(r"2024-01-12\.yaml:2:7: `kind` must be one of", overlay.inner_text())
        assert frame.locator("h1").inner_text() == "Diplomacy Watch: Negotiators return in Istanbul"
        preview.wait_for(r"2024-01-12\.yaml:2:7: `kind` must be one of", after=lines_before)

        # Fix it: the overlay goes.
        save(issue, original)
        overlay.wait_for(state="hidden", timeout=5000)
        frame.locator("h1", has_text="Talks about talks").wait_for(timeout=5000)
        assert preview.wait_for(r"rebuilt in \d+ ms", after=lines_before)
    finally:
        context.close()


def test_toggles_width_scheme_and_text(browser, preview):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(preview.url)
        frame = page.frame_locator("#email")
        frame.locator("h1").wait_for()
        band = frame.locator(".dw-band").first
        assert band.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
        assert page.locator("#email").evaluate("f => f.getBoundingClientRect().width") >= 600

        page.keyboard.press("p")  # phone width, by keyboard
        assert page.locator("#email").evaluate("f => f.getBoundingClientRect().width") == 375
        assert frame.locator("body").evaluate("b => b.ownerDocument.defaultView.innerWidth") == 375

        page.click("#dark")
        assert band.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 29, 31)"
        assert frame.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(236, 235, 232)"

        # The choices survive a reload of the page.
        page.reload()
        frame.locator("h1").wait_for()
        page.wait_for_function("document.getElementById('dark').getAttribute('aria-pressed') === 'true'")
        page.wait_for_function(
            "getComputedStyle(document.getElementById('email').contentDocument.querySelector('.dw-band'))"
            ".backgroundColor === 'rgb(29, 29, 31)'"
        )
        assert page.locator("#email").evaluate("f => f.getBoundingClientRect().width") == 375

        page.keyboard.press("t")
        text = page.frame_locator("#text").locator("body")
        assert "In other diplomatic news related to the war in Ukraine:" in text.inner_text()
        assert page.locator("#email").is_hidden()
        size = page.locator("#size").inner_text()
        assert re.match(r"[\d,]+ bytes, \d+% of Gmail's clipping limit", size)
    finally:
        context.close()


def test_web_toggle_shows_the_issue_page(browser, preview, issue: Path):
    status, body = preview.get("/web.html")
    assert status == 200 and body == render_preview(render(issue).edition).encode("utf-8")
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    try:
        page.goto(preview.url)
        page.frame_locator("#email").locator("h1").wait_for()
        page.keyboard.press("w")
        assert page.locator("#email").is_hidden() and page.locator("#web").is_visible()
        web = page.frame_locator("#web")
        assert web.locator("article h1").inner_text() == render(issue).edition.title
        assert web.locator("ul.items > li").count() == 2
        page.click("#dark")
        assert web.locator("body").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(29, 29, 31)"
        page.keyboard.press("p")
        assert web.locator("body").evaluate("b => b.ownerDocument.defaultView.innerWidth") == 375
    finally:
        context.close()


def test_ctrl_c_stops_cleanly(issue: Path):
    running = PreviewProcess(issue)
    assert running.get("/state")[0] == 200
    assert running.stop() == 0
    output = "\n".join(running.lines)
    assert "Traceback" not in output
    assert output.rstrip().endswith("preview stopped")
    assert re.search(r"first build: rebuilt in \d+ ms", output)


def test_other_hosts_need_the_flag_and_get_a_warning(issue: Path):
    running = PreviewProcess(issue, "--host", "0.0.0.0")
    try:
        assert any("warning: listening on 0.0.0.0" in line for line in running.lines)
        assert running.get("/state")[0] == 200
    finally:
        running.stop()


def test_missing_issue_is_a_clear_error(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "composer", "preview", str(tmp_path / "nope.yaml"), "--no-open"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}:1:1: file not found; check the path and the file name"


def test_other_host_names_are_refused(preview):
    # A web page that points its own name at 127.0.0.1 (DNS rebinding) gets nothing.
    assert preview.get("/email.html", host="attacker.example")[0] == 400
    assert preview.get("/email.html", host=f"localhost:{preview.port}")[0] == 200


def test_a_broken_template_shows_in_the_overlay_and_the_preview_carries_on(browser, issue: Path):
    (issue.parent / "house.yaml").write_text("templates: theme\n")
    theme = issue.parent / "theme" / "parts"
    theme.mkdir(parents=True)
    lead = theme / "lead.mjml.j2"
    good = (Path(__file__).resolve().parent.parent / "templates" / "parts" / "lead.mjml.j2").read_text()
    lead.write_text(good)
    running = PreviewProcess(issue)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(running.url)
        page.frame_locator("#email").locator("h1").wait_for()
        lead.write_text(good.replace("{{ issue.lead", "{{ 1/0 }}{{ issue.lead"))
        overlay = page.locator("#overlay")
        overlay.wait_for(state="visible", timeout=5000)
        assert f"{lead}:4:" in overlay.inner_text() and "ZeroDivisionError" in overlay.inner_text()
        lead.write_text(good)
        overlay.wait_for(state="hidden", timeout=5000)
        assert running.get("/state")[0] == 200
    finally:
        context.close()
        running.stop()
