"""Link tracking: utm_ parameters on outbound links, the same in the HTML and the text.

Parameters already on a link are kept; composer only adds the utm_ keys that
are missing. mailto: links and the unsubscribe link are never touched.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def tag(url: str, *, source: str, medium: str, campaign: str, content: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    wanted = dict(zip(UTM_KEYS, (source, medium, campaign, content), strict=True))
    added = urlencode([(key, value) for key, value in wanted.items() if key not in present])
    if not added:
        return url
    # Appended to the query as written: re-encoding it could break a signed or unusual URL.
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def utm_keys(url: str) -> set[str]:
    return {key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if key.lower().startswith("utm_")}


def has_utm(url: str) -> bool:
    return bool(utm_keys(url))
