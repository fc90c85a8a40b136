"""Calling a provider's HTTP API: bounded retries, and its error told in one line."""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from composer.diagnostics import DeliveryError

ATTEMPTS = 4
LONGEST_WAIT = 30.0  # seconds; a provider asking for more is reported, not waited for
RETRIED = {429, 500, 502, 503, 504}


def client(**options) -> httpx.Client:
    return httpx.Client(timeout=30.0, verify=_trusted(), **options)


@functools.cache
def _trusted() -> ssl.SSLContext:
    """httpx's own default trust (certifi, or SSL_CERT_FILE), loaded once: it costs 150 ms a client,
    and a list send makes hundreds of clients."""
    return httpx.create_ssl_context()


def _retry_after(response: httpx.Response, attempt: int) -> float:
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return float(2 ** (attempt - 1))  # 1, 2, 4 seconds


def _reason(response: httpx.Response, explain: Callable[[dict], str]) -> str:
    try:
        detail = explain(response.json())
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
    return f"{response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")


def call(
    client: httpx.Client,
    service: str,
    method: str,
    url: str,
    *,
    expect: tuple[int, ...] = (200,),
    explain: Callable[[dict], str],
    sleep: Callable[[float], None] = time.sleep,
    **kwargs,
) -> httpx.Response:
    """One API call. Rate limits (honouring Retry-After) and server errors are retried a few times."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = client.request(method, url, **kwargs)
        except httpx.ConnectError as error:
            raise DeliveryError(f"{service}: cannot connect to {httpx.URL(url).host} ({error})") from None
        except httpx.TimeoutException:
            raise DeliveryError(f"{service}: {httpx.URL(url).host} did not answer in time; try again later") from None
        except httpx.HTTPError as error:
            raise DeliveryError(f"{service}: the request failed ({type(error).__name__})") from None
        if response.status_code in expect:
            return response
        if response.status_code in RETRIED and attempt < ATTEMPTS:
            wait = _retry_after(response, attempt)
            if wait <= LONGEST_WAIT:
                sleep(wait)
                continue
        raise refusal(service, response, explain, attempt)
    raise AssertionError("unreachable")


def refusal(service: str, response: httpx.Response, explain: Callable[[dict], str], attempt: int = 1) -> DeliveryError:
    """The provider's answer as the one-line error a command prints."""
    what = "rate limit" if response.status_code == 429 else "error"
    tries = f" after {attempt} attempts" if attempt > 1 else ""
    return DeliveryError(f"{service}: {what}{tries}, {_reason(response, explain)}")
