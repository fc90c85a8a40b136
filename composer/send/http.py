"""Calling a provider's HTTP API: bounded retries, and its error told in one line."""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from composer.diagnostics import DeliveryError
from composer.printable import redact
from composer.send.deadline import ATTEMPTS, DEADLINE, Late, within

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
    # A provider may repeat the request's credentials in its error.
    return redact(f"{response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else ""))


_ID_FIELDS = ("id", "MessageID", "MessageId", "message_id")


def answer(response: httpx.Response, service: str, keys: tuple[str, ...], *, effect: str) -> dict:
    """The JSON object of a successful answer, holding `keys`. Anything else is told in one line,
    with the provider's id when it gave one: the request may have taken `effect` already."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and all(data.get(k) not in (None, "", [], {}) for k in keys):
        return data
    found = data.get if isinstance(data, dict) else (lambda _: None)
    ident = next((str(found(k)) for k in _ID_FIELDS if isinstance(found(k), (str, int))),
                 response.headers.get("X-Message-Id"))
    what = "not JSON" if data is None else f"no {' or '.join(f'`{k}`' for k in keys if not found(k))}"
    raise DeliveryError(f"{service}: answered {response.status_code} {response.reason_phrase} but its answer is "
                        f"{what}, so {effect}" + (f" (its id: {redact(ident)})" if ident else "")
                        + "; check the provider's dashboard before trying again")


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
    ends = time.monotonic() + DEADLINE
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = within(ends - time.monotonic(), lambda: client.request(method, url, **kwargs))
        except Late:
            raise DeliveryError(f"{service}: {httpx.URL(url).host} did not finish answering within {DEADLINE:.0f} "
                                "seconds; the request may have reached it, so check before trying again") from None
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
            if wait <= LONGEST_WAIT and time.monotonic() + wait < ends:
                sleep(wait)
                continue
        raise refusal(service, response, explain, attempt)
    raise AssertionError("unreachable")


def answers(response: httpx.Response, service: str, count: int, *, effect: str) -> list[dict]:
    """A batch API's JSON array of `count` objects, one per message; anything else is one line."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, list) and len(data) == count and all(isinstance(item, dict) for item in data):
        return data
    what = "not JSON" if data is None else f"not a list of {count} answers"
    raise DeliveryError(f"{service}: answered {response.status_code} {response.reason_phrase} but its answer is "
                        f"{what}, so {effect}; check the provider's dashboard before trying again")


def refusal(service: str, response: httpx.Response, explain: Callable[[dict], str], attempt: int = 1) -> DeliveryError:
    """The provider's answer as the one-line error a command prints."""
    what = "rate limit" if response.status_code == 429 else "error"
    tries = f" after {attempt} attempts" if attempt > 1 else ""
    return DeliveryError(f"{service}: {what}{tries}, {_reason(response, explain)}")
