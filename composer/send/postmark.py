"""Postmark: `POST /email/batch` on the house's message stream, for test sends and list sends alike.

The parts are JSON-encoded once and split around the `{token}` placeholder;
each recipient's message joins the pieces with their token (base64url, which
JSON leaves alone): no search through 40 KB per recipient.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from threading import Event

from pydantic import Field

from composer.credentials import secret, service_url
from composer.diagnostics import DeliveryError
from composer.model.edition import Edition
from composer.model.fields import Model, Text
from composer.printable import redact
from composer.send.http import answers, call, client
from composer.send.letter import Letter, Recipient
from composer.send.provider import Outcome
from composer.unsubscribe import PLACEHOLDER

NAME = "postmark"


class PostmarkSettings(Model):
    message_stream: Text = Field(default="broadcast", description="The Postmark message stream to send through.")


SETTINGS = (PostmarkSettings, PostmarkSettings())


# /email/batch takes at most 500 messages and 50 MB. Requests are kept to 10 MB: memory stays
# flat however long the list, and fewer messages are in flight if the process dies.
BATCH_MESSAGES = 500
BATCH_BYTES = 10 * 1024 * 1024


def _explain(error: dict) -> str:
    return f"{error['Message']} (ErrorCode {error['ErrorCode']})"


def _outcome(recipient: Recipient, answer: dict) -> Outcome:
    """One answer of the batch: ErrorCode 0 and a MessageID is accepted; any other code refuses that
    recipient only. An answer in neither shape is not Postmark's, and stops the send."""
    code, message_id = answer.get("ErrorCode"), answer.get("MessageID")
    if code == 0 and isinstance(message_id, str) and message_id:
        return Outcome(recipient.key, message_id)
    if isinstance(code, int) and code != 0 and isinstance(answer.get("Message"), str):
        return Outcome(recipient.key, reason=redact(_explain(answer)))
    raise DeliveryError("postmark: answered 200 OK but one of its answers has no ErrorCode and MessageID, so "
                        "the batch may have been sent; check the provider's dashboard before trying again")


class Postmark:
    name = NAME
    url = "https://api.postmarkapp.com"
    batch_limit = BATCH_MESSAGES
    one_by_one = False

    def __init__(self, token: str, stream: str, base_url: str | None = None):
        self.token, self.stream, self.base = token, stream, (base_url or self.url).rstrip("/")

    def send(self, letter: Letter, recipients: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        html, text = json.dumps(letter.html).split(PLACEHOLDER), json.dumps(letter.text).split(PLACEHOLDER)
        shared = json.dumps({"From": letter.from_field, "ReplyTo": letter.reply_to, "Subject": letter.subject,
                             "MessageStream": self.stream})[1:-1]
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   "X-Postmark-Server-Token": self.token}
        with client(headers=headers) as session:

            def post(readers: list[Recipient], messages: list[bytes]) -> list[Outcome]:
                messages[0], messages[-1] = b"[" + messages[0], messages[-1] + b"]"
                body = b",".join(messages)  # one copy of ten megabytes, not three
                messages.clear()
                response = call(session, self.name, "POST", f"{self.base}/email/batch", content=body, explain=_explain)
                replies = answers(response, self.name, len(readers), effect="the batch may have been sent")
                # httpx's request and response refer to each other, so the body they hold lives until the
                # cycle collector runs, which megabytes of bytes never trigger: run it, or memory grows per batch.
                del body, response
                gc.collect(1)  # the young generations: milliseconds, where a full collection takes 90
                return [_outcome(reader, answer) for reader, answer in zip(readers, replies, strict=True)]

            readers: list[Recipient] = []
            messages: list[bytes] = []
            size, share = 0, len(recipients)
            for reader in recipients:
                token = reader.token or PLACEHOLDER  # a reviewer's copy keeps the house's link as it is
                extra = [{"Name": name, "Value": value} for name, value in letter.api_headers(reader).items()]
                one = (f'{{{shared},"To":{json.dumps(letter.to_field(reader))},"Headers":{json.dumps(extra)},'
                       f'"HtmlBody":{token.join(html)},"TextBody":{token.join(text)}}}').encode()
                if not messages and not size:
                    # Requests of even size: 500 messages of 41 KB go as 250 + 250, not 249 + 249 + 2.
                    requests = -(-len(recipients) * (len(one) + 1) // BATCH_BYTES)
                    share = -(-len(recipients) // requests)
                if readers and (len(readers) == share or size + len(one) > BATCH_BYTES):
                    yield post(readers, messages)
                    readers, messages, size = [], [], 1
                    if stop is not None and stop.is_set():
                        return  # the request in flight is answered; the rest wait for the next run
                readers.append(reader)
                messages.append(one)
                size += len(one) + 1
            if readers:
                yield post(readers, messages)


def from_house(edition: Edition, settings: PostmarkSettings) -> Postmark:
    return Postmark(secret("POSTMARK_SERVER_TOKEN", NAME), settings.message_stream,
                    service_url("COMPOSER_POSTMARK_URL"))
