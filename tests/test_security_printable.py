"""Secrets in disguise: a configured secret is masked however it is echoed back."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import run_cli

from composer.printable import forget, printable

# Every kind of character a key holds: letters of both cases, digits, '/', '+', a space, a quote, a non-ASCII letter.
SECRET = 'SG.Ab/Cd+Ef Gh"ij-ä12345'
BASIC = base64.b64encode(f"api:{SECRET}".encode()).decode()


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("SENDGRID_API_KEY", SECRET)
    forget()
    yield
    forget()


@pytest.mark.parametrize("echoed", [
    SECRET.lower(),
    SECRET.upper(),
    quote(SECRET, safe=""),
    quote(SECRET, safe="").lower(),  # %2f as well as %2F
    quote_plus(SECRET),  # a form body: the space as +
    json.dumps(SECRET)[1:-1],  # \" and \u00e4
    json.dumps(SECRET)[1:-1].replace("/", "\\/"),  # encoders that escape the slash
    f"Basic%20{BASIC}",
    f"Basic%20{quote(BASIC, safe='')}",  # the base64 itself percent-encoded: %2B, %2F, %3D
], ids=["lower", "upper", "percent", "percent-lower", "form", "json", "json-slash", "basic-url", "basic-url-quoted"])
def test_a_secret_in_disguise_is_masked(configured, echoed):
    assert printable(f"error: 401 from the provider: {echoed} (retry later)") == (
        "error: 401 from the provider: [redacted] (retry later)")


def test_ordinary_text_is_left_alone(configured):
    text = "wrote out/2024-01-12.html (19,409 bytes); see https://example.org/?q=a%20b&page=2"
    assert printable(text) == text


def test_a_printed_path_that_holds_the_secret_lower_cased_is_masked(configured, issue_dir: Path):
    out = issue_dir / quote(SECRET.lower(), safe="")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"wrote {issue_dir}/[redacted]/2024-01-12.html  "
                                          f"({(out / '2024-01-12.html').stat().st_size:,} bytes)",
                                          f"wrote {issue_dir}/[redacted]/2024-01-12.txt  "
                                          f"({(out / '2024-01-12.txt').stat().st_size:,} bytes)"]
