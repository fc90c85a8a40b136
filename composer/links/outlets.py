"""The outlets the house knows, by the names an editor writes and the sites their stories live on.

Used offline, by every `check`: a link whose text names Reuters should go to reuters.com.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

# name as printed: (other names an editor writes, its sites). Names are matched as written, in
# capitals: "Foreign Policy" is the magazine, "foreign policy" is not. A leading "the" is optional;
# a name that needs its article to be one ("The Hill", not Capitol Hill) starts with a capital "The".
BUILT_IN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Reuters": ((), ("reuters.com",)),
    "the Associated Press": (("AP", "AP News"), ("apnews.com", "ap.org")),
    "the New York Times": (("NYT",), ("nytimes.com",)),
    "the Guardian": ((), ("theguardian.com", "guardian.co.uk")),
    "Politico": (("Politico Europe",), ("politico.com", "politico.eu")),
    "the Financial Times": (("FT",), ("ft.com",)),
    "the Wall Street Journal": (("WSJ",), ("wsj.com",)),
    "the Washington Post": ((), ("washingtonpost.com",)),
    "Bloomberg": (("Bloomberg News",), ("bloomberg.com",)),
    "the BBC": (("BBC News",), ("bbc.com", "bbc.co.uk")),
    "Al Jazeera": ((), ("aljazeera.com", "aljazeera.net")),
    "TASS": (("Tass",), ("tass.com", "tass.ru")),
    "RIA Novosti": (("RIA",), ("ria.ru",)),
    "the Kyiv Independent": ((), ("kyivindependent.com",)),
    "Ukrainska Pravda": ((), ("pravda.com.ua",)),
    "the Kyiv Post": ((), ("kyivpost.com",)),
    "Interfax": (("Interfax-Ukraine",), ("interfax.com", "interfax.ru", "interfax.com.ua")),
    "Meduza": ((), ("meduza.io",)),
    "Kommersant": ((), ("kommersant.ru",)),
    "Radio Free Europe/Radio Liberty": (("RFE/RL", "Radio Free Europe", "Radio Liberty"), ("rferl.org",)),
    "Deutsche Welle": (("DW",), ("dw.com",)),
    "CNN": ((), ("cnn.com",)),
    "NPR": ((), ("npr.org",)),
    "Axios": ((), ("axios.com",)),
    "The Economist": ((), ("economist.com",)),
    "Foreign Policy": ((), ("foreignpolicy.com",)),
    "Foreign Affairs": ((), ("foreignaffairs.com",)),
    "Le Monde": ((), ("lemonde.fr",)),
    "Der Spiegel": (("Spiegel",), ("spiegel.de",)),
    "the South China Morning Post": (("SCMP",), ("scmp.com",)),
    "Xinhua": ((), ("xinhuanet.com", "news.cn")),
    "Nikkei Asia": ((), ("asia.nikkei.com",)),
    "The Hill": ((), ("thehill.com",)),
    "Euronews": ((), ("euronews.com",)),
    "Agence France-Presse": (("AFP",), ("afp.com",)),
}


@dataclass(frozen=True)
class Outlet:
    name: str
    domains: tuple[str, ...]

    def site_match(self, url: str) -> int:
        """How specific a match the outlet's sites are for `url`: the length of its site that holds it, or 0."""
        host = (urlsplit(url).hostname or "").lower()
        return max((len(d) for d in self.domains if host == d or host.endswith("." + d)), default=0)

    def owns(self, url: str) -> bool:
        return self.site_match(url) > 0


def _pattern(name: str) -> str:
    article, bare = (r"[Tt]he\s+", name[4:]) if name.startswith("The ") else ("", name)
    words = r"\s+".join(re.escape(word) for word in bare.split())  # a name may wrap onto the next line
    return rf"(?<![\w-]){article}{words}(?![\w-])"


@dataclass(frozen=True)
class Outlets:
    outlets: tuple[Outlet, ...]
    _names: re.Pattern  # one named group per outlet

    def named_in(self, text: str) -> list[Outlet]:
        """The outlets `text` names, in the order it names them."""
        named: list[Outlet] = []
        for match in self._names.finditer(text.replace("\u2019", "'")):
            outlet = self.outlets[int(str(match.lastgroup).removeprefix("o"))]
            if outlet not in named:
                named.append(outlet)
        return named

    def starts_with(self, text: str) -> tuple[Outlet, str] | None:
        """The outlet `text` opens with, perhaps after an article ("a Reuters report", "the BBC's reporter"),
        and the words that name it there."""
        text = text.strip().replace("\u2019", "'")
        article = re.match(r"(?:(?:the|a|an)\s+)?", text, re.I)
        match = self._names.match(text) or self._names.match(text, article.end() if article else 0)
        if not match:
            return None
        return self.outlets[int(str(match.lastgroup).removeprefix("o"))], " ".join(text[:match.end()].split())

    def owner(self, url: str) -> Outlet | None:
        """The outlet whose site `url` is on; the most specific site wins (asia.nikkei.com over nikkei.com)."""
        return _owner(self, (urlsplit(url).hostname or "").lower())


@lru_cache(maxsize=4096)
def _owner(outlets: Outlets, host: str) -> Outlet | None:
    """The outlet of a host name: its own name, then each name it is under (news.bbc.co.uk, bbc.co.uk, …),
    the first a site of an outlet. Asked for every link of every issue, so answered once per host."""
    sites = {domain: outlet for outlet in reversed(outlets.outlets) for domain in outlet.domains}
    labels = host.split(".")
    return next((sites[name] for n in range(len(labels)) if (name := ".".join(labels[n:])) in sites), None)


@lru_cache(maxsize=16)
def _compiled(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> Outlets:
    table = dict(BUILT_IN)
    for name, domains in extra:
        same = name.lower().removeprefix("the ")
        known = next((n for n in table if n.lower().removeprefix("the ") == same), None)
        if known:
            aliases, old = table[known]
            table[known] = (aliases, tuple(dict.fromkeys(old + domains)))
        else:
            table[name] = ((), domains)
    groups = []
    for n, (name, (aliases, _)) in enumerate(table.items()):
        names = sorted({name.removeprefix("the "), *aliases}, key=len, reverse=True)  # the longest name first
        groups.append(f"(?P<o{n}>{'|'.join(_pattern(x) for x in names)})")
    return Outlets(tuple(Outlet(name, domains) for name, (_, domains) in table.items()), re.compile("|".join(groups)))


def outlets_of(house) -> Outlets:
    """The built-in table, the house's own publication, and what house.yaml adds under `links: outlets:`."""
    own = urlsplit(house.publication_url).hostname or ""
    extra = [(house.publication, (own.removeprefix("www."),))] if own else []
    extra += [(name, tuple(domains)) for name, domains in house.links.outlets.items()]
    return _compiled(tuple(extra))
