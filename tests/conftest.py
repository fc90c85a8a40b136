from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from composer.cli import app
from composer.pipeline import issue_files, render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args: str):
    """Run the composer command line in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False, prog_name="composer")


def example_paths() -> list[Path]:
    return issue_files([EXAMPLES])


@pytest.fixture(scope="session")
def built_examples():
    """Every example issue, rendered once for the whole session."""
    return {path.stem: render(path) for path in example_paths()}


@pytest.fixture(params=[p.stem for p in example_paths()])
def example(request, built_examples):
    return built_examples[request.param]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


@pytest.fixture
def issue_dir(tmp_path: Path) -> Path:
    """A scratch folder holding a copy of the minimal valid issue."""
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    return tmp_path


@pytest.fixture
def server(monkeypatch):
    """The link check's local web server (tests/link_server.py): every request of the test goes to it, and
    it answers every address not routed with a story page."""
    from link_server import STORY, LinkServer, page

    running = LinkServer(default=page("Talks resume", STORY)).start()
    monkeypatch.setenv("COMPOSER_LINKS_TEST_SERVER", running.address)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    from browser import launch, sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


_SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter):
    from browser import SCREENSHOTS

    shots = [p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= _SESSION_START] if SCREENSHOTS.is_dir() else []
    if shots:
        terminalreporter.write_line(f"browser screenshots: {len(shots)} in {SCREENSHOTS}")


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the session (tests/postgres.py); each test makes its own database."""
    import postgres

    server = postgres.start()
    yield server
    postgres.stop(server)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_house(request, monkeypatch) -> str:
    """The `suppressions:` lines of house.yaml for each store: SQLite beside it, or a fresh PostgreSQL database
    with its password in the environment."""
    if request.param == "sqlite":
        return ""
    import postgres

    server = request.getfixturevalue("postgres_server")
    monkeypatch.setenv("COMPOSER_SUPPRESSIONS_PASSWORD", postgres.PASSWORD)
    return f"suppressions:\n  url: {server.url(server.new_database())}\n"


@pytest.fixture
def list_server():
    """Starts aiosmtpd servers with the given inboxes (tests/mail_servers.py); each one's port. Stopped after."""
    from mail_servers import start_list_server

    running = []

    def start(inbox) -> int:
        controller, port = start_list_server(inbox)
        running.append(controller)
        return port

    yield start
    for controller in running:
        controller.stop()
