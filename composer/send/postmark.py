"""Postmark: `POST /email` on the house's message stream; `POST /email/batch` for the list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from composer.credentials import secret, service_url
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

NAME = "postmark"
SENT_MAYBE = "the message may have been sent"


class Settings(Model):
    message_stream: Text = Field(default="broadcast", description="The Postmark message stream to send through.")


SETTINGS = (Settings, Settings())


# /email/batch takes at most 500 messages and 50 MB. Requests are kept to 10 MB: memory stays
# flat however long the list, and fewer messages are in flight if the process dies.
BATCH_MESSAGES = 500
BATCH_BYTES = 10 * 1024 * 1024


def _explain(error: dict) -> str:
    return f"{error['Message']} (ErrorCode {error['ErrorCode']})"


class Postmark:
    name = NAME
    url = "https://api.postmarkapp.com"
    batch_limit = BATCH_MESSAGES
    one_by_one = False

    def __init__(self, token: str, stream: str, base_url: str | None = None):
        self.token, self.stream, self.base = token, stream, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from composer.send.http import call, client

        body = {
            "From": mail.header("From"),
            "To": ", ".join(mail.recipients),
            "ReplyTo": mail.header("Reply-To"),
            "Subject": mail.subject,
            "HtmlBody": mail.html,
            "TextBody": mail.text,
            # Broadcast streams add their own List-Unsubscribe headers, which cannot be replaced.
            "MessageStream": self.stream,
        }
        headers = {"Accept": "application/json", "X-Postmark-Server-Token": self.token}
        from composer.send.http import answer

        with client(headers=headers) as session:
            response = call(session, self.name, "POST", f"{self.base}/email", json=body,
                            explain=_explain)
        return str(answer(response, self.name, ("MessageID",), effect=SENT_MAYBE)["MessageID"])

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        import gc
        import json

        from composer.ledger import Outcome
        from composer.send.http import answers, call, client
        from composer.unsubscribe import PLACEHOLDER

        # The parts are JSON-encoded once and split around the placeholder; each reader's copy joins
        # the pieces with their token (base64url, which JSON leaves alone): no 40 KB search per reader.
        html, text = json.dumps(broadcast.html).split(PLACEHOLDER), json.dumps(broadcast.text).split(PLACEHOLDER)
        shared = json.dumps({"From": broadcast.from_header, "ReplyTo": broadcast.reply_to,
                             "Subject": broadcast.subject, "MessageStream": self.stream})[1:-1]
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   "X-Postmark-Server-Token": self.token}
        with client(headers=headers) as session:

            def post(readers: list[Pending], messages: list[bytes]) -> list[Outcome]:
                messages[0], messages[-1] = b"[" + messages[0], messages[-1] + b"]"
                body = b",".join(messages)  # one copy of ten megabytes, not three
                messages.clear()
                response = call(session, self.name, "POST", f"{self.base}/email/batch", content=body, explain=_explain)
                replies = answers(response, self.name, len(readers), effect="the batch may have been sent")
                # httpx's request and response refer to each other, so the body they hold lives until the
                # cycle collector runs, which megabytes of bytes never trigger: run it, or memory grows per batch.
                del body, response
                gc.collect(1)  # the young generations: milliseconds, where a full collection takes 90
                # One answer per message, in order: ErrorCode 0 is accepted; any other refused that reader only.
                return [Outcome(reader.key, answer.get("MessageID")) if answer.get("ErrorCode") == 0
                        else Outcome(reader.key, reason=_explain(answer))
                        for reader, answer in zip(readers, replies, strict=True)]

            readers: list[Pending] = []
            messages: list[bytes] = []
            size, share = 0, len(batch)
            for reader in batch:
                token = broadcast.token(reader)
                link = broadcast.list_unsubscribe(broadcast.url_with(token))
                unsubscribe = [{"Name": "List-Unsubscribe", "Value": link},
                               {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}]
                one = (f'{{{shared},"To":{json.dumps(reader.address)},"Headers":{json.dumps(unsubscribe)},'
                       f'"HtmlBody":{token.join(html)},"TextBody":{token.join(text)}}}').encode()
                if not messages and not size:
                    # Requests of even size: 500 messages of 41 KB go as 250 + 250, not 249 + 249 + 2.
                    requests = -(-len(batch) * (len(one) + 1) // BATCH_BYTES)
                    share = -(-len(batch) // requests)
                if readers and (len(readers) == share or size + len(one) > BATCH_BYTES):
                    yield post(readers, messages)
                    readers, messages, size = [], [], 1
                readers.append(reader)
                messages.append(one)
                size += len(one) + 1
            if readers:
                yield post(readers, messages)


def from_house(house: House, house_dir: Path) -> Postmark:
    return Postmark(secret("POSTMARK_SERVER_TOKEN", NAME), house.delivery.postmark.message_stream,
                    service_url("COMPOSER_POSTMARK_URL"))
