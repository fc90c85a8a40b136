"""The one-click endpoint's guards: forged, damaged and expired tokens, a rotated secret, Host names, request
sizes and rates, and where it finds the token; on the running endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import soup
from endpoint import in_thread
from lists import LIST_SECRET, list_issue

from composer.model.house import Suppressions
from composer.suppressions.store import Store
from composer.unsubscribe import _b64, _mac, make_unsubscribe_token, today, verify_unsubscribe_token

OLD_SECRET = "the-old-secret-of-2023-4a9f"
PATH = "/newsletter/unsubscribe?t="
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def suppressed(folder: Path) -> list[str]:
    store = Store.open(folder, Suppressions())
    try:
        return [entry.address for entry in store.entries()]
    finally:
        store.close()


@pytest.fixture
def house(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    list_issue(tmp_path, "suppressions:\n  requests_per_minute: 40\n  token_days: 60\n")
    return tmp_path


def test_a_rotated_secret_old_links_still_work_forged_ones_do_not(house, monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_OLD_SECRETS", f"another-retired-secret-0001,{OLD_SECRET}")
    old = make_unsubscribe_token("ann@example.org", OLD_SECRET)
    # Made before key ids: base64url(address) "." MAC, with the secret of the time.
    legacy = f"{_b64(b'bob@example.org')}.{_b64(_mac('bob@example.org', OLD_SECRET))}"
    forged = make_unsubscribe_token("carl@example.org", "a-secret-nobody-here-has-01")
    with in_thread(house) as (client, log):
        assert client.post(PATH + forged, data=ONE_CLICK).status_code == 403
        assert suppressed(house) == []
        assert client.post(PATH + old, data=ONE_CLICK).status_code == 200
        assert client.post(PATH + legacy, data=ONE_CLICK).status_code == 200
    assert sorted(suppressed(house)) == ["ann@example.org", "bob@example.org"]
    assert not any(OLD_SECRET in line or LIST_SECRET in line for line in log)


def test_retiring_a_secret_retires_its_links(house, monkeypatch):
    old = make_unsubscribe_token("ann@example.org", OLD_SECRET)
    assert verify_unsubscribe_token(old) is None  # OLD_SECRET is not in COMPOSER_UNSUBSCRIBE_OLD_SECRETS
    with in_thread(house) as (client, _):
        assert client.post(PATH + old, data=ONE_CLICK).status_code == 403
    assert suppressed(house) == []


def test_forged_damaged_and_expired_tokens_change_nothing(house):
    good = make_unsubscribe_token("ann@example.org", LIST_SECRET)
    address, key, day, mac = good.split(".")
    cases = {
        "forged": (f"{_b64(b'eve@example.org')}.{key}.{day}.{mac}", 403),
        "another day": (f"{address}.{key}.{int(day) - 1}.{mac}", 403),
        "cut short": (good[:-5], 400),
        "cut shorter": (good[:-4], 403),
        "damaged": ("not-a-token", 400),
        "garbage": ("%00%ff..", 400),
        "too long": ("a" * 5000, 400),
        "expired": (make_unsubscribe_token("ann@example.org", LIST_SECRET, day=today() - 61), 410),
    }
    with in_thread(house) as (client, _):
        for name, (token, status) in cases.items():
            for method in ("get", "post"):
                answer = getattr(client, method)(PATH + token, data=ONE_CLICK) if method == "post" else \
                    client.get(PATH + token)
                assert answer.status_code == status, (name, method, answer.text)
                assert soup(answer.text).find("form") is None
        assert client.post("/newsletter/unsubscribe", data=ONE_CLICK).status_code == 400  # no token at all
        # A good token, but not the RFC 8058 body: nothing is done either.
        assert client.post(PATH + good, data={"List-Unsubscribe": "Yes"}).status_code == 400
        assert client.post(PATH + good, content=b"").status_code == 400
    assert suppressed(house) == []


def test_a_multipart_one_click_post_counts_too(house):
    token = make_unsubscribe_token("ann@example.org", LIST_SECRET)
    with in_thread(house) as (client, _):
        answer = client.post(PATH + token, files={"List-Unsubscribe": (None, "One-Click")})
        assert answer.status_code == 200, answer.text
    assert suppressed(house) == ["ann@example.org"]


def test_other_host_names_sizes_and_rates_are_refused(house):
    token = make_unsubscribe_token("ann@example.org", LIST_SECRET)
    with in_thread(house) as (client, _):
        rebinding = client.http.get(client.base + PATH + token, headers={"Host": "attacker.example"})
        assert rebinding.status_code == 400
        big = client.post(PATH + token, content=b"List-Unsubscribe=One-Click&" + b"x" * 10_000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert big.status_code == 413
        assert client.post("/webhooks/postmark", content=b"x" * (1024 * 1024 + 1)).status_code == 413
        assert client.post("/webhooks/unknown", content=b"{}").status_code == 404
        assert client.get("/webhooks/postmark").status_code == 405
        assert suppressed(house) == []
        answers = [client.get(PATH + token).status_code for _ in range(45)]
        assert answers.count(429) >= 5 and 429 not in answers[:30]
        limited = client.get(PATH + token)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"


def test_the_token_in_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    issue = list_issue(tmp_path)
    house = issue.parent / "house.yaml"
    house.write_text(house.read_text().replace("/newsletter/unsubscribe?t={token}", "/u/{token}/"))
    token = make_unsubscribe_token("ann@example.org", LIST_SECRET)
    with in_thread(tmp_path) as (client, _):
        assert client.get(f"/u/{token}/").status_code == 200
        assert suppressed(tmp_path) == []
        assert client.post(f"/u/{token}/", data=ONE_CLICK).status_code == 200
    assert suppressed(tmp_path) == ["ann@example.org"]


def test_the_asgi_app_behind_a_server_of_the_houses_own(house):
    """`uvicorn --factory composer.suppressions.app:from_environment`, as a house deploys it."""
    import os
    import subprocess
    import sys
    import time

    import httpx
    from conftest import ROOT
    from mail_servers import free_port

    port = free_port()
    env = os.environ | {"COMPOSER_HOUSE_FOLDER": str(house), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "composer.suppressions.app:from_environment",
                               "--port", str(port), "--no-access-log"], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    token = make_unsubscribe_token("ann@example.org", LIST_SECRET)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None and time.monotonic() < deadline, server.communicate()
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}{PATH}{token}", data=ONE_CLICK, trust_env=False)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(10)
    assert suppressed(house) == ["ann@example.org"]
