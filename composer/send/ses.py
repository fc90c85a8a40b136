"""Amazon SES: v2 `SendEmail` with raw content, through boto3 (the optional `ses` extra).

One `SendEmail` per recipient, each their own raw message: SES's
`SendBulkEmail` needs a stored template and cannot carry the exact built
parts. boto3 retries throttling and server errors itself (standard mode),
held to the same number of attempts as the other providers, and each call
has the same overall deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Event

from pydantic import Field

from composer.diagnostics import DeliveryError
from composer.model.edition import Edition
from composer.model.fields import Model, Text
from composer.printable import redact
from composer.send.deadline import ATTEMPTS, DEADLINE, Late, within
from composer.send.letter import Letter, Recipient
from composer.send.provider import Outcome, one_by_one

NAME = "ses"
TIMEOUT = 30.0  # seconds for each connection and read, as for the HTTP providers


class SesSettings(Model):
    region: Text = Field(default="us-east-1", description="The AWS region of the SES account, e.g. eu-west-1.")
    configuration_set: Text | None = Field(default=None, description="An SES configuration set to send with.")


SETTINGS = (SesSettings, SesSettings())


def _imports():
    try:
        import boto3  # 300 ms, and only for a house that sends through SES
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    except ImportError:
        raise DeliveryError("ses: boto3 is not installed; install the ses extra into composer's "
                            "environment, from the checkout: .venv/bin/pip install -e '.[ses]'") from None
    return boto3, Config, BotoCoreError, ClientError, NoCredentialsError


def _reason(error) -> str:
    info = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    return redact(f"error {status} {info.get('Code', '')}: {info.get('Message', '')}".rstrip(": "))


class Ses:
    name = NAME
    batch_limit = 50  # one request per recipient; 50 between two ledger updates
    one_by_one = True  # one message per recipient, each recorded as soon as it is accepted

    def __init__(self, region: str, configuration_set: str | None = None):
        self.region, self.configuration_set = region, configuration_set

    @contextmanager
    def _client(self):
        boto3, Config, BotoCoreError, ClientError, NoCredentialsError = _imports()
        try:
            # boto3 finds credentials itself (environment, profile), and honours AWS_ENDPOINT_URL_SESV2.
            # total_max_attempts counts the first request; botocore's max_attempts would count retries only.
            config = Config(retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
                            connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
            yield boto3.client("sesv2", region_name=self.region, config=config)
        except NoCredentialsError:
            raise DeliveryError("ses: no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                "or AWS_PROFILE") from None
        except ClientError as error:
            raise DeliveryError(f"ses: {_reason(error)}") from None
        except BotoCoreError as error:
            raise DeliveryError(redact(f"ses: {error}")) from None
        except Late:
            raise DeliveryError(f"ses: SES did not finish answering within {DEADLINE:.0f} seconds; the message may "
                                "have reached it, so check before trying again") from None

    def _send_one(self, ses, recipient: Recipient, raw: bytes) -> str:
        request = {"Destination": {"ToAddresses": [recipient.address]}, "Content": {"Raw": {"Data": raw}}}
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        answer = within(DEADLINE, lambda: ses.send_email(**request))
        message_id = answer.get("MessageId") if isinstance(answer, dict) else None
        if not isinstance(message_id, str) or not message_id.strip():
            status = answer.get("ResponseMetadata", {}).get("HTTPStatusCode", "?") if isinstance(answer, dict) else "?"
            raise DeliveryError(f"ses: answered {status} but its answer has no MessageId, so the message may have "
                                "been sent; check the SES console before trying again")
        return message_id

    def send(self, letter: Letter, batch: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        _, _, _, ClientError, _ = _imports()
        with self._client() as ses:

            def deliver(recipient: Recipient, raw: bytes, message_id: str) -> Outcome:
                try:
                    return Outcome(recipient.key, self._send_one(ses, recipient, raw))
                except ClientError as error:
                    reason = _reason(error)
                    # A refusal naming this recipient is about them; any other (the sender, the account)
                    # stops the send.
                    if recipient.address.lower() not in reason.lower():
                        raise
                    return Outcome(recipient.key, reason=reason)

            yield from one_by_one(letter, batch, deliver, stop.is_set if stop else lambda: False)


def from_house(edition: Edition, settings: SesSettings) -> Ses:
    return Ses(settings.region, settings.configuration_set)
