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
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    wanted = dict(zip(UTM_KEYS, (source, medium, campaign, content)))
    query += [(key, value) for key, value in wanted.items() if key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def has_utm(url: str) -> bool:
    return any(key.lower().startswith("utm_") for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))
