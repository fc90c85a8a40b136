"""Amazon SES: v2 `SendEmail` with raw content, through boto3 (the optional `ses` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from composer.diagnostics import DeliveryError
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from composer.model.house import House

NAME = "ses"


class Settings(Model):
    region: Text = "us-east-1"
    configuration_set: Text | None = None


SETTINGS = (Settings, Settings())


class Ses:
    name = NAME

    def __init__(self, region: str, configuration_set: str | None = None):
        self.region, self.configuration_set = region, configuration_set

    def send(self, mail: Outgoing) -> str:
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
        except ImportError:
            raise DeliveryError("ses: boto3 is not installed; pip install 'composer[ses]'") from None
        from composer.send.message import message_bytes

        request = {"Destination": {"ToAddresses": mail.recipients},
                   "Content": {"Raw": {"Data": message_bytes(mail.message)}}}
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            # boto3 finds credentials itself (environment, profile), and honours AWS_ENDPOINT_URL_SESV2.
            ses = boto3.client("sesv2", region_name=self.region)
            return ses.send_email(**request)["MessageId"]
        except NoCredentialsError:
            raise DeliveryError("ses: no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                "or AWS_PROFILE") from None
        except ClientError as error:
            info = error.response.get("Error", {})
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            message = f"ses: error {status} {info.get('Code', '')}: {info.get('Message', '')}"
            raise DeliveryError(message.rstrip(": ")) from None
        except BotoCoreError as error:
            raise DeliveryError(f"ses: {error}") from None


def from_house(house: House, house_dir: Path) -> Ses:
    return Ses(house.delivery.ses.region, house.delivery.ses.configuration_set)
