"""The built message survives DKIM: signed, parsed and written out again by the
email package (as a relay or a mailing-list manager would), it still verifies.

dkimpy signs and verifies; the public key is answered from memory, no DNS.
"""

from __future__ import annotations

import base64
import email
import email.policy

import dkim
import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from composer.send.letter import Letter, Recipient

SELECTOR, DOMAIN = b"news", b"responsiblestatecraft.org"


def rsa_key() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def ed25519_key() -> tuple[bytes, bytes]:
    key = nacl.signing.SigningKey.generate()
    return base64.b64encode(bytes(key)), b"v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(key.verify_key))


KEYS = {"rsa-sha256": rsa_key(), "ed25519-sha256": ed25519_key()}
SIGNINGS = [("rsa-sha256", b"relaxed"), ("rsa-sha256", b"simple"), ("ed25519-sha256", b"relaxed"),
            ("ed25519-sha256", b"simple")]


def copy_of(edition, html: str, text: str, *, test: bool = False) -> bytes:
    """A reader's copy of a list send, or a reviewer's of a test send, as it goes on the wire."""
    letter = Letter(edition, html, text, test=test, version=None if test else "v1")
    reader = Recipient("ann.reader@example.org", "Ann Réader", token=None if test else "dG9rZW4.bWFj")
    return letter.copy(reader)[0]


def reserialised(data: bytes) -> bytes:
    return email.message_from_bytes(data, policy=email.policy.SMTP).as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("test", [False, True], ids=["list", "test-send"])
@pytest.mark.parametrize(("algorithm", "canonical"), SIGNINGS, ids=[f"{a}-{c.decode()}" for a, c in SIGNINGS])
def test_signature_survives_reserialisation(example, algorithm, canonical, test):
    private, record = KEYS[algorithm]
    data = copy_of(example.edition, example.html, example.text, test=test)
    signature = dkim.sign(data, SELECTOR, DOMAIN, private, canonicalize=(canonical, canonical),
                          signature_algorithm=algorithm.encode(), include_headers=[b"from", b"subject", b"to",
                          b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post"])
    signed = signature + data

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == SELECTOR + b"._domainkey." + DOMAIN + b"."
        return record

    assert dkim.verify(signed, dnsfunc=dns), "the signature as sent"
    assert dkim.verify(reserialised(signed), dnsfunc=dns), "the signature after the email package wrote it out again"


def test_subject_starts_on_the_header_line(example):
    for test in (False, True):
        data = copy_of(example.edition, example.html, example.text, test=test)
        head = data.split(b"\r\n\r\n", 1)[0]
        [subject] = [line for line in head.split(b"\r\n") if line.lower().startswith(b"subject:")]
        assert subject.startswith(b"Subject: ") and subject[len(b"Subject: "):].strip(), subject
        assert all(len(line) <= 78 for line in head.split(b"\r\n"))
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["Subject"] == ("[TEST] " if test else "") + example.edition.subject


@pytest.mark.parametrize("subject", [
    "Diplomacy Watch: Peace envoys multiply as a dam collapse upends the war",  # folds before its first word
    "Diplomacy Watch: Peace envoys multiply as a dam collapse upends the wär",  # a space before the fold
    "Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch, and a little more",
    "Diplomacy Watch:  two  spaces  kept  here and there and everywhere in this line too",
])
def test_any_subject_reads_back_exactly(built_examples, subject):
    from composer.model.edition import Edition

    built = next(iter(built_examples.values()))
    edition = Edition(built.edition.issue.model_copy(update={"subject": subject}), built.edition.house, "x")
    data = copy_of(edition, built.html, built.text)
    head = data.split(b"\r\n\r\n", 1)[0]
    assert not head.startswith(b"Subject:\r\n") and b"\r\nSubject:\r\n" not in head
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert email.message_from_bytes(data, policy=email.policy.default)["Subject"] == subject
    assert reserialised(data) == data


def test_a_long_unsubscribe_url_is_written_as_it_is(example):
    """Longer than a 78-column line, the URL is still written literally on the header's first line:
    RFC 2047 encoded words hide it from mail clients, and a fold before it breaks simple DKIM."""
    from composer.model.edition import Edition

    url = "https://responsiblestatecraft.org/newsletter/unsubscribe/?list=diplomacy-watch&t={token}"
    house = example.edition.house.model_copy(update={"unsubscribe_url": url})
    edition = Edition(example.edition.issue, house, example.edition.slug)
    head = copy_of(edition, example.html, example.text, test=True).split(b"\r\n\r\n", 1)[0]
    [line] = [line for line in head.split(b"\r\n") if line.lower().startswith(b"list-unsubscribe:")]
    assert line == b"List-Unsubscribe: <" + url.encode() + b">"
