"""Each provider's webhook as it documents it, signed by the test with its own keys; and SNS's own host.

SNS: the endpoint fetches the signing certificate and the SubscribeURL from
https://sns.us-east-1.amazonaws.com as in real use, through the standard
HTTPS_PROXY (a CONNECT tunnel here that leads to a local TLS server) and
trusting the test's CA through SSL_CERT_FILE: nothing in composer knows it is
a test, and the amazonaws.com check stays as it is.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from mail_servers import free_port
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SNS_HOST = "sns.us-east-1.amazonaws.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:dw-ses-feedback"
MAILGUN_KEY = "mailgun-signing-key-7c2e9a41"
POSTMARK_USER, POSTMARK_PASSWORD = "composer", "postmark-hook-password-61b0"


def _certificate(key: rsa.RSAPrivateKey, name: str) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


class Tunnel:
    """An HTTP CONNECT proxy that takes sns.*.amazonaws.com:443 to one local port, and nothing else."""

    def __init__(self, target_port: int):
        self.target, self.port = target_port, free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.refused: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = client.recv(1024)
            if not chunk:
                client.close()
                return
            head += chunk
        method, target = head.split(b"\r\n", 1)[0].decode().split(" ")[:2]
        if method != "CONNECT" or not (target.startswith("sns.") and target.endswith(".amazonaws.com:443")):
            self.refused.append(target)
            client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def close(self) -> None:
        self.listener.close()


class Sns:
    """SNS's side: the signing certificate served at its URL, the SubscribeURL recorded, messages signed."""

    def __init__(self, folder: Path):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # A certificate of its own at a URL of its own, as SNS names each certificate it rotates to.
        self.cert_path = f"/SimpleNotificationService-{id(self):016x}.pem"
        self.ca = trustme.CA()
        self.ca_file = folder / f"sns-test-ca-{id(self):x}.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(SNS_HOST).configure_cert(context)
        self.server = HTTPServer(host="127.0.0.1", port=free_port(), ssl_context=context)
        self.server.expect_request(self.cert_path, method="GET").respond_with_data(
            _certificate(self.key, "sns.amazonaws.com"), content_type="application/x-pem-file")
        self.confirmed: list[dict] = []
        self.server.expect_request("/", method="GET").respond_with_handler(self._confirm)
        self.server.start()
        self.tunnel = Tunnel(self.server.port)

    def _confirm(self, request: Request) -> Response:
        self.confirmed.append(dict(request.args))
        return Response("<ConfirmSubscriptionResponse/>", 200, content_type="text/xml")

    def environment(self) -> dict[str, str]:
        return {"HTTPS_PROXY": f"http://127.0.0.1:{self.tunnel.port}", "SSL_CERT_FILE": str(self.ca_file),
                "NO_PROXY": "127.0.0.1,localhost"}

    def message(self, kind: str, message: str, *, key: rsa.RSAPrivateKey | None = None, version: str = "2",
                cert_url: str | None = None, topic: str = TOPIC, **extra) -> bytes:
        cert_url = cert_url or f"https://{SNS_HOST}{self.cert_path}"
        body = {"Type": kind, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "TopicArn": topic,
                "Message": message, "Timestamp": "2024-01-12T09:00:01.000Z", "SignatureVersion": version,
                "SigningCertURL": cert_url, **extra}
        # The documented fields, in the documented (alphabetical) order, each "Name\nvalue\n".
        names = ["Message", "MessageId", "Subject", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        if kind == "Notification":
            names = [n for n in names if n not in ("SubscribeURL", "Token")]
        signed = "".join(f"{n}\n{body[n]}\n" for n in names if n in body).encode()
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = (key or self.key).sign(signed, padding.PKCS1v15(), algorithm)
        return json.dumps({**body, "Signature": base64.b64encode(signature).decode()}).encode()

    def close(self) -> None:
        self.tunnel.close()
        self.server.stop()


def ses_bounce(address: str, bounce_type: str = "Permanent") -> str:
    """An SES bounce notification as SES documents it."""
    return json.dumps({
        "notificationType": "Bounce",
        "bounce": {"bounceType": bounce_type, "bounceSubType": "General" if bounce_type == "Permanent" else
                   "MailboxFull", "bouncedRecipients": [{"emailAddress": address, "action": "failed",
                                                          "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1"}],
                   "timestamp": "2024-01-12T09:00:00.000Z", "feedbackId": "0100018cfe2a-bounce"},
        "mail": {"timestamp": "2024-01-12T08:59:58.000Z", "source": "newsletter@responsiblestatecraft.org",
                 "messageId": "0100018cfe2a", "destination": [address],
                 "commonHeaders": {"messageId": "<0123456789abcdef.2023-03-17@responsiblestatecraft.org>"}},
    })


def ses_complaint(address: str) -> str:
    return json.dumps({
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": address}], "timestamp": "2024-01-12T10:00:00.000Z",
                      "feedbackId": "0100018cfe2a-complaint", "complaintFeedbackType": "abuse"},
        "mail": {"messageId": "0100018cfe2b", "destination": [address], "commonHeaders": {}},
    })


def sendgrid_keys() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A P-256 key pair; the public key as SendGrid's Mail Settings show it (base64 DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(der).decode()


def sendgrid_request(key: ec.EllipticCurvePrivateKey, events: list[dict]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(events).encode()
    stamp = str(int(time.time()))
    signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return body, {"Content-Type": "application/json",
                  "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                  "X-Twilio-Email-Event-Webhook-Timestamp": stamp}


def mailgun_body(event: dict, key: str = MAILGUN_KEY, token: str | None = None) -> bytes:
    stamp = str(int(time.time()))
    token = token or hashlib.sha256(f"{time.time_ns()}{event}".encode()).hexdigest()[:50]
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return json.dumps({"signature": {"timestamp": stamp, "token": token, "signature": signature},
                       "event-data": event}).encode()


def postmark_auth(user: str = POSTMARK_USER, password: str = POSTMARK_PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
            "Content-Type": "application/json"}
