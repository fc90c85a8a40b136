"""Amazon SES: v2 `SendEmail` with raw content, through boto3 (the optional `ses` extra).

For the list, one `SendEmail` per reader, each their own raw message: SES's
`SendBulkEmail` needs a stored template and cannot carry the exact built
parts. boto3 retries throttling itself (standard mode).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from composer.diagnostics import DeliveryError
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

NAME = "ses"


class Settings(Model):
    region: Text = Field(default="us-east-1", description="The AWS region of the SES account, e.g. eu-west-1.")
    configuration_set: Text | None = Field(default=None, description="An SES configuration set to send with.")


SETTINGS = (Settings, Settings())


def _imports():
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    except ImportError:
        raise DeliveryError("ses: boto3 is not installed; pip install 'composer[ses]'") from None
    return boto3, BotoCoreError, ClientError, NoCredentialsError


def _reason(error) -> str:
    info = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    return f"error {status} {info.get('Code', '')}: {info.get('Message', '')}".rstrip(": ")


class Ses:
    name = NAME
    batch_limit = 50  # one request per reader; 50 between two ledger updates
    one_by_one = True  # one message per reader, each recorded as soon as it is accepted

    def __init__(self, region: str, configuration_set: str | None = None):
        self.region, self.configuration_set = region, configuration_set

    @contextmanager
    def _client(self):
        boto3, BotoCoreError, ClientError, NoCredentialsError = _imports()
        try:
            from botocore.config import Config

            # boto3 finds credentials itself (environment, profile), and honours AWS_ENDPOINT_URL_SESV2.
            yield boto3.client("sesv2", region_name=self.region,
                               config=Config(retries={"mode": "standard", "max_attempts": 4}))
        except NoCredentialsError:
            raise DeliveryError("ses: no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                "or AWS_PROFILE") from None
        except ClientError as error:
            raise DeliveryError(f"ses: {_reason(error)}") from None
        except BotoCoreError as error:
            raise DeliveryError(f"ses: {error}") from None

    def _request(self, recipients: list[str], raw: bytes) -> dict:
        request = {"Destination": {"ToAddresses": recipients}, "Content": {"Raw": {"Data": raw}}}
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        return request

    def send(self, mail: Outgoing) -> str:
        from composer.send.message import message_bytes

        with self._client() as ses:
            return ses.send_email(**self._request(mail.recipients, message_bytes(mail.message)))["MessageId"]

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        from composer.ledger import Outcome
        from composer.send.message import message_bytes

        _, _, ClientError, _ = _imports()
        with self._client() as ses:
            for reader in batch:
                raw = message_bytes(broadcast.message(reader))
                try:
                    answer = ses.send_email(**self._request([reader.address], raw))
                except ClientError as error:
                    reason = _reason(error)
                    # A refusal naming this reader is about them; any other (the sender, the account) stops the send.
                    if reader.address.lower() not in reason.lower():
                        raise
                    yield [Outcome(reader.key, reason=reason)]
                    continue
                yield [Outcome(reader.key, answer["MessageId"])]


def from_house(house: House, house_dir: Path) -> Ses:
    return Ses(house.delivery.ses.region, house.delivery.ses.configuration_set)
