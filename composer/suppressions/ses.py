"""Amazon SES's feedback: its notifications through SNS, and its account-level suppression list.

The webhook takes SNS's HTTP(S) deliveries as AWS documents them: the topic
must be one the house names (anyone can sign messages for a topic of their
own); the signing certificate is fetched only from an https URL on
sns.<region>.amazonaws.com, and must be SNS's; the signature (SignatureVersion
1, SHA1withRSA, or 2, SHA256withRSA) covers the documented fields in their
documented order. A SubscriptionConfirmation is confirmed by fetching its
SubscribeURL, checked the same way. The fetches use the system's proxy and CA
settings (HTTPS_PROXY, SSL_CERT_FILE), as any HTTPS client does, and nothing else.

`pull` reads SES v2 `ListSuppressedDestinations` (bounces and complaints).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from composer.diagnostics import DeliveryError
from composer.model.house import Suppressions
from composer.suppressions.events import Event, Kind, Refused, issue_of, mapping, utc

NAME = "ses"
_SNS_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?")
_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
_CERTIFICATE_BYTES = 64 * 1024
_certificates: dict[str, rsa.RSAPublicKey] = {}


def sns_url(url: object, what: str) -> str:
    """`url` when it is https on SNS's own host; Refused otherwise."""
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme != "https" or not _SNS_HOST.fullmatch(parts.hostname or "") or parts.port not in (None, 443) \
            or parts.username or parts.password:
        raise Refused(403, f"the {what} is not an https address on sns.<region>.amazonaws.com")
    return str(url)


def _fetch(url: str) -> httpx.Response:
    try:
        with httpx.Client(timeout=10.0, follow_redirects=False) as client:
            return client.get(url)
    except httpx.HTTPError as error:
        raise Refused(502, f"could not reach SNS ({type(error).__name__}); SNS will try again") from None


def _public_key(url: str) -> rsa.RSAPublicKey:
    if url in _certificates:
        return _certificates[url]
    response = _fetch(url)
    if response.status_code != 200 or len(response.content) > _CERTIFICATE_BYTES:
        raise Refused(502, f"SNS's signing certificate could not be fetched ({response.status_code})")
    try:
        certificate = x509.load_pem_x509_certificate(response.content)
    except ValueError:
        raise Refused(403, "the signing certificate is not a certificate") from None
    names = [n.value for n in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    key = certificate.public_key()
    if names != ["sns.amazonaws.com"] or not isinstance(key, rsa.RSAPublicKey):
        raise Refused(403, "the signing certificate is not Amazon SNS's")
    if len(_certificates) >= 16:  # SNS rotates its certificate now and then; a handful is plenty
        _certificates.clear()
    _certificates[url] = key
    return key


def string_to_sign(message: dict) -> bytes:
    """The fields SNS signs, name and value each on its own line, in the documented order."""
    fields = _SIGNED[message["Type"]]
    return "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode("utf-8")


def verified(body: bytes, settings: Suppressions) -> dict:
    """The SNS message in `body`, once its topic, certificate and signature are checked; Refused otherwise."""
    try:
        message = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not an SNS message (not JSON)") from None
    if not isinstance(message, dict) or message.get("Type") not in _SIGNED or \
            not all(isinstance(message.get(k), str) for k in ("Message", "MessageId", "Timestamp", "TopicArn",
                                                             "Signature", "SignatureVersion", "SigningCertURL")):
        raise Refused(400, "the body is not an SNS message")
    if message["TopicArn"] not in settings.ses.topic_arns:
        raise Refused(403, "the SNS topic is not one of suppressions.ses.topic_arns in house.yaml")
    algorithm = _HASHES.get(message["SignatureVersion"])
    if algorithm is None:
        raise Refused(400, "unknown SNS SignatureVersion")
    key = _public_key(sns_url(message["SigningCertURL"], "SigningCertURL"))
    try:
        key.verify(base64.b64decode(message["Signature"], validate=True), string_to_sign(message),
                   padding.PKCS1v15(), algorithm())
    except (InvalidSignature, binascii.Error, ValueError):
        raise Refused(403, "the SNS signature does not verify") from None
    return message


def webhook(headers, body: bytes, settings: Suppressions) -> list[Event] | str:
    """A verified SNS delivery: the events of an SES notification, or what was done with a confirmation."""
    message = verified(body, settings)
    if message["Type"] == "SubscriptionConfirmation":
        response = _fetch(sns_url(message.get("SubscribeURL"), "SubscribeURL"))
        if response.status_code != 200:
            raise Refused(502, f"SNS did not confirm the subscription ({response.status_code}); it will ask again")
        return "subscription confirmed"
    if message["Type"] == "UnsubscribeConfirmation":
        return "unsubscription noted"
    try:
        notification = json.loads(message["Message"])
    except ValueError:
        return []  # a test message from the console, say: nothing to record
    return events_of(notification) if isinstance(notification, dict) else []


def _addresses(items: object, field: str = "emailAddress") -> list[str]:
    found = items if isinstance(items, list) else []
    return [item[field] if isinstance(item, dict) else item for item in found
            if isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get(field), str))]


def events_of(notification: dict) -> list[Event]:
    """An SES notification (notificationType) or event (eventType) as events."""
    kind = notification.get("notificationType") or notification.get("eventType")
    issue = issue_of(mapping(mapping(notification.get("mail")).get("commonHeaders")).get("messageId"))
    if kind == "Bounce" and isinstance(bounce := notification.get("bounce"), dict):
        hard = bounce.get("bounceType") == "Permanent"
        detail = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}"
        return [Event(a, "hard" if hard else "soft", detail, issue, utc(bounce.get("timestamp")))
                for a in _addresses(bounce.get("bouncedRecipients"))]
    if kind == "Complaint" and isinstance(complaint := notification.get("complaint"), dict):
        if complaint.get("complaintFeedbackType") == "not-spam":
            return []
        return [Event(a, "complaint", "complaint", issue, utc(complaint.get("timestamp")))
                for a in _addresses(complaint.get("complainedRecipients"))]
    if kind == "Delivery" and isinstance(delivery := notification.get("delivery"), dict):
        return [Event(a, "delivered", issue=issue) for a in _addresses(delivery.get("recipients"))]
    return []


def pull(delivery, house) -> Iterator[Event]:
    """SES v2 ListSuppressedDestinations, every page."""
    try:
        import boto3  # 300 ms, and only for a house that sends through SES
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise DeliveryError("ses: boto3 is not installed; install the ses extra into composer's "
                            "environment, from the checkout: .venv/bin/pip install -e '.[ses]'") from None
    client = boto3.client("sesv2", region_name=delivery.ses.region)
    token = None
    while True:
        try:
            page = client.list_suppressed_destinations(**({"NextToken": token} if token else {}), PageSize=1000)
        except (BotoCoreError, ClientError) as error:
            raise DeliveryError(f"ses: could not read the suppression list ({type(error).__name__}: {error})") \
                from None
        for item in page.get("SuppressedDestinationSummaries", []):
            updated = item.get("LastUpdateTime")
            at = utc(updated.timestamp()) if hasattr(updated, "timestamp") else None
            kind: Kind = "complaint" if item.get("Reason") == "COMPLAINT" else "hard"
            yield Event(item["EmailAddress"], kind, f"SES suppression list: {item.get('Reason')}", at=at)
        token = page.get("NextToken")
        if not token:
            return
