"""The house's `links:` settings: how `check --links` fetches, and which outlets the house knows."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field

from composer.model.fields import Model

# A site's name as a URL carries it: `nytimes.com`, `pravda.com.ua`; a subdomain counts as its site.
Domain = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")]

# Many news sites answer a client that says it is a script with 403 or a challenge page,
# so the check introduces itself as a current desktop browser does.
BROWSER = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")

# Outlets that answer 401 or 403 to anything but a signed-in reader.
PAYWALLED = ["nytimes.com", "wsj.com", "ft.com", "washingtonpost.com", "bloomberg.com", "economist.com",
             "foreignaffairs.com", "theatlantic.com", "newyorker.com", "thetimes.co.uk", "telegraph.co.uk"]


class LinkSettings(Model):
    user_agent: Annotated[str, Field(pattern=r"^[\x20-\x7e]{1,300}$")] = Field(
        default=BROWSER, description="The User-Agent `check --links` sends: one line of plain ASCII, "
                                     "by default a desktop browser's, since many news sites turn scripts away.")
    paywalled: list[Domain] = Field(
        default=PAYWALLED, max_length=500,
        description="Sites whose 401 or 403 means a paywall, not a dead link: reported as unverified (DW313). "
                    "Setting it replaces the built-in list.")
    outlets: dict[Annotated[str, Field(min_length=1, max_length=80)], list[Domain]] = Field(
        default={}, max_length=500,
        description="More outlets for the attribution checks (DW103, DW104), each name with its sites, "
                    "e.g. `Meduza: [meduza.io]`; a built-in outlet named again gains the sites listed.")
    timeout: float = Field(default=10.0, gt=0, le=120,
                           description="Seconds one request may take; a link is tried twice before it is reported.")
    deadline: float = Field(default=90.0, gt=0, le=1800,
                            description="Seconds the whole `check --links` may take; links left are reported.")

    def paywalls(self, *urls: str) -> bool:
        """True when one of `urls` is on a paywalled site."""
        hosts = [(urlsplit(url).hostname or "").lower() for url in urls]
        return any(host == site or host.endswith("." + site) for host in hosts for site in self.paywalled)
