"""The endpoint's webhooks, one per provider, each with a correctly signed payload (suppressed) and a badly
signed one (refused, nothing changed), on the running endpoint; soft bounces counted in a row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from endpoint import in_thread
from lists import LIST_SECRET, list_issue
from webhooks import (
    MAILGUN_KEY,
    POSTMARK_PASSWORD,
    TOPIC,
    Sns,
    mailgun_body,
    postmark_auth,
    sendgrid_keys,
    sendgrid_request,
    ses_bounce,
    ses_complaint,
)

from composer.model.house import Suppressions
from composer.suppressions.store import Store

ANN, BOB = "ann.lee@example.org", "bob@example.org"


def someone_elses_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def entries(folder: Path) -> dict[str, tuple]:
    store = Store.open(folder, Suppressions())
    try:
        return {e.address: (e.reason, e.source, e.issue) for e in store.entries()}
    finally:
        store.close()


def soft_count(folder: Path, address: str) -> int:
    store = Store.open(folder, Suppressions())
    try:
        return store.soft_count(address)
    finally:
        store.close()


@pytest.fixture
def sns(tmp_path):
    sns = Sns(tmp_path)
    yield sns
    sns.close()


@pytest.fixture
def sendgrid_key():
    return sendgrid_keys()


@pytest.fixture
def house(tmp_path, monkeypatch, sns, sendgrid_key):
    """A house whose endpoint takes every provider's webhooks, with their secrets in the environment."""
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    monkeypatch.setenv("MAILGUN_WEBHOOK_SIGNING_KEY", MAILGUN_KEY)
    monkeypatch.setenv("COMPOSER_POSTMARK_WEBHOOK_PASSWORD", POSTMARK_PASSWORD)
    for name, value in sns.environment().items():
        monkeypatch.setenv(name, value)
    list_issue(tmp_path, f"suppressions:\n  soft_bounce_limit: 2\n  ses:\n    topic_arns: [\"{TOPIC}\"]\n"
                         f"  sendgrid:\n    public_key: {sendgrid_key[1]}\n")
    return tmp_path


@pytest.fixture
def endpoint(house):
    with in_thread(house) as running:
        yield running


def test_ses_through_sns_signed_is_suppressed_badly_signed_is_refused(house, endpoint, sns):
    client, log = endpoint
    forged = sns.message("Notification", ses_bounce(BOB), key=someone_elses_key())  # SNS's certificate named
    tampered = json.loads(sns.message("Notification", ses_bounce(BOB)))
    tampered["Message"] = ses_bounce(ANN)
    stranger = sns.message("Notification", ses_bounce(BOB), topic="arn:aws:sns:us-east-1:999999999999:theirs")
    elsewhere = sns.message("Notification", ses_bounce(BOB), cert_url="https://sns.evil.example/cert.pem")
    for body, status in ((forged, 403), (json.dumps(tampered).encode(), 403), (stranger, 403), (elsewhere, 403),
                         (b"{not json", 400)):
        answer = client.post("/webhooks/ses", content=body, headers={"Content-Type": "text/plain"})
        assert answer.status_code == status, answer.text
    assert entries(house) == {}
    assert not sns.tunnel.refused  # the certificate of another host was never even asked for

    for version in ("1", "2"):
        answer = client.post("/webhooks/ses", content=sns.message("Notification", ses_bounce(ANN), version=version))
        assert answer.status_code == 200, answer.text
    assert client.post("/webhooks/ses", content=sns.message("Notification", ses_complaint(BOB))).status_code == 200
    assert entries(house) == {ANN: ("bounced", "webhook", "2023-03-17"), BOB: ("complained", "webhook", None)}
    assert any("ses webhook: " in line for line in log)


def test_sns_subscription_is_confirmed_only_when_signed(house, endpoint, sns):
    client, _ = endpoint
    subscribe = f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=tok-1"
    forged = sns.message("SubscriptionConfirmation", "confirm", SubscribeURL=subscribe, Token="tok-1",
                         key=someone_elses_key())
    assert client.post("/webhooks/ses", content=forged).status_code == 403
    assert sns.confirmed == []
    signed = sns.message("SubscriptionConfirmation", "You have chosen to subscribe…", SubscribeURL=subscribe,
                         Token="tok-1")
    assert client.post("/webhooks/ses", content=signed).status_code == 200
    assert sns.confirmed == [{"Action": "ConfirmSubscription", "TopicArn": TOPIC, "Token": "tok-1"}]
    # A signed confirmation whose SubscribeURL leads anywhere but SNS is not followed.
    astray = sns.message("SubscriptionConfirmation", "x", SubscribeURL="https://example.org/?Token=1", Token="t")
    assert client.post("/webhooks/ses", content=astray).status_code == 403
    assert len(sns.confirmed) == 1


def test_ses_soft_bounces_suppress_after_the_limit_in_a_row(house, endpoint, sns):
    client, _ = endpoint
    transient = sns.message("Notification", ses_bounce(ANN, "Transient"))
    assert client.post("/webhooks/ses", content=transient).status_code == 200
    assert entries(house) == {} and soft_count(house, ANN) == 1
    assert client.post("/webhooks/ses", content=transient).status_code == 200
    assert entries(house)[ANN][0] == "bounced"


def test_postmark_basic_auth_and_bounce_types(house, endpoint):
    client, _ = endpoint
    hard = {"RecordType": "Bounce", "ID": 4323372036854775807, "Type": "HardBounce", "TypeCode": 1,
            "Name": "Hard bounce", "MessageStream": "broadcast", "Email": ANN, "BouncedAt": "2024-01-12T04:00:00-05:00",
            "Inactive": True, "CanActivate": True, "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483"}
    complaint = {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 100001, "Email": BOB,
                 "BouncedAt": "2024-01-12T05:00:00-05:00", "MessageStream": "broadcast"}
    for headers in (postmark_auth(password="wrong-password-123"), {"Content-Type": "application/json"},
                    postmark_auth(user="intruder")):
        assert client.post("/webhooks/postmark", json=hard, headers=headers).status_code == 401
    assert entries(house) == {}
    assert client.post("/webhooks/postmark", json=hard, headers=postmark_auth()).status_code == 200
    assert client.post("/webhooks/postmark", json=complaint, headers=postmark_auth()).status_code == 200
    assert entries(house) == {ANN: ("bounced", "webhook", None), BOB: ("complained", "webhook", None)}
    found = Store.open(house, Suppressions())
    assert found.entry(ANN).at == "2024-01-12T09:00:00Z"  # Postmark's local time, kept in UTC
    found.close()

    # Soft bounces in a row: a delivery in between starts the count again.
    soft = {**hard, "Type": "SoftBounce", "TypeCode": 4096, "Email": "carl@example.org"}
    delivered = {"RecordType": "Delivery", "Recipient": "carl@example.org", "MessageStream": "broadcast"}
    for record in (soft, delivered, soft):
        assert client.post("/webhooks/postmark", json=record, headers=postmark_auth()).status_code == 200
    assert "carl@example.org" not in entries(house)
    assert client.post("/webhooks/postmark", json=soft, headers=postmark_auth()).status_code == 200
    assert entries(house)["carl@example.org"][0] == "bounced"


def test_sendgrid_signed_events_suppress_and_bad_signatures_are_refused(house, endpoint, sendgrid_key):
    client, _ = endpoint
    events = [{"email": ANN, "timestamp": 1705050000, "event": "bounce", "type": "bounce", "status": "5.1.1",
               "reason": "550 5.1.1 no such user", "sg_event_id": "ZGVsaXZlcmVk", "sg_message_id": "14c5d75ce93"},
              {"email": BOB, "timestamp": 1705050001, "event": "spamreport", "sg_event_id": "c3BhbXJlcG9ydA"},
              {"email": "dee@example.org", "timestamp": 1705050002, "event": "open", "sg_event_id": "b3Blbg"}]
    key, _ = sendgrid_key
    body, headers = sendgrid_request(key, events)
    impostor, _ = sendgrid_keys()
    forged_body, forged_headers = sendgrid_request(impostor, events)
    assert client.post("/webhooks/sendgrid", content=forged_body, headers=forged_headers).status_code == 403
    tampered = body.replace(ANN.encode(), b"eve@example.org")
    assert client.post("/webhooks/sendgrid", content=tampered, headers=headers).status_code == 403
    unsigned = {k: v for k, v in headers.items() if "Signature" not in k}
    assert client.post("/webhooks/sendgrid", content=body, headers=unsigned).status_code == 403
    assert entries(house) == {}
    answer = client.post("/webhooks/sendgrid", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["suppressed"] == 2
    assert entries(house) == {ANN: ("bounced", "webhook", None), BOB: ("complained", "webhook", None)}


def test_mailgun_hmac_signature_and_replays(house, endpoint):
    client, _ = endpoint
    failed = {"event": "failed", "severity": "permanent", "recipient": ANN, "timestamp": 1705050000.5,
              "id": "G9Bn5sl1TC6nu79C8C0bwg", "reason": "bounce",
              "delivery-status": {"code": 550, "message": "5.1.1 The email account does not exist"},
              "message": {"headers": {"message-id": "20240112090000.1.ABCDEF@responsiblestatecraft.org"}}}
    assert client.post("/webhooks/mailgun", content=mailgun_body(failed, key="someone-elses-key-1")).status_code \
        == 403
    assert entries(house) == {}
    body = mailgun_body(failed)
    assert client.post("/webhooks/mailgun", content=body).status_code == 200
    assert entries(house) == {ANN: ("bounced", "webhook", None)}
    assert client.post("/webhooks/mailgun", content=body).status_code == 409  # the same token again: a replay
    complained = {"event": "complained", "recipient": BOB, "timestamp": 1705050100}
    assert client.post("/webhooks/mailgun", content=mailgun_body(complained)).status_code == 200
    assert entries(house)[BOB][0] == "complained"


def test_no_secret_or_whole_address_in_any_answer_or_log_line(house, endpoint, sns, sendgrid_key):
    client, log = endpoint
    answers = [client.post("/webhooks/postmark", json={"RecordType": "Bounce", "Type": "HardBounce", "Email": ANN},
                           headers=postmark_auth(password="wrong-password-123")),
               client.post("/webhooks/mailgun", content=mailgun_body({"event": "failed", "recipient": ANN},
                                                                     key="someone-elses-key-1")),
               client.post("/webhooks/postmark", json={"RecordType": "Bounce", "Type": "HardBounce", "Email": ANN},
                           headers=postmark_auth())]
    seen = "\n".join([*(a.text for a in answers), *(str(a.headers) for a in answers), *log])
    for secret in (LIST_SECRET, MAILGUN_KEY, POSTMARK_PASSWORD, "wrong-password-123", "someone-elses-key-1"):
        assert secret not in seen
    assert ANN not in "\n".join(log)
