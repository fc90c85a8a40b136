"""Attribution, offline and part of every `check`: link text naming one outlet but going to another (DW103),
and an item's "according to X" of an outlet none of its links goes to (DW104)."""

from __future__ import annotations

import pytest
from links import FIRST_ITEM_LINE, check, write_issue

from composer.links.outlets import outlets_of
from composer.model.house import House


def column(item: str, url: str) -> int:
    return len("  - ") + item.index(url) + 1


def attribution(tmp_path, items: list[str], house: str = "") -> list[tuple[str, int, int, str]]:
    issue = write_issue(tmp_path, [], extra="".join(f"  - {item}\n" for item in items), house=house or "{}\n")
    _, report = check(issue)
    return [(f["code"], f["line"], f["column"], f["message"]) for entry in report["files"]
            for f in entry["findings"] if f["code"] in ("DW103", "DW104")]


def test_link_text_naming_another_outlet_than_the_link_names_both(tmp_path):
    item = "On Monday, talks resumed, according to [Reuters](https://apnews.com/article/x)."
    assert attribution(tmp_path, [item]) == [
        ("DW103", FIRST_ITEM_LINE, column(item, "https://apnews.com"),
         "the link text names Reuters, but the link goes to apnews.com, the Associated Press")]


@pytest.mark.parametrize("item", [
    "On Monday, talks resumed, according to [Reuters](https://www.reuters.com/world/x).",
    "On Monday, talks resumed, according to [the AP](https://apnews.com/article/x).",
    "On Monday, talks resumed, as [Politico Europe](https://www.politico.eu/article/x) reported.",
    "On Monday, talks resumed, as [the BBC's correspondent](https://www.bbc.co.uk/news/x) saw.",
    # Syndicated copies on a site no outlet owns are not judged; nor is a name that is no outlet.
    "On Monday, talks resumed, according to [Reuters](https://www.yahoo.com/news/x).",
    "On Monday, [the administration's foreign policy](https://www.state.gov/x) was restated.",
    "On Monday, senators on [Capitol Hill](https://www.senate.gov/x) met.",
    "On Monday, talks resumed, according to [the Kremlin](https://en.kremlin.ru/x).",
])
def test_link_text_that_fits_its_link_or_names_no_outlet_passes(tmp_path, item):
    assert attribution(tmp_path, [item]) == []


def test_according_to_an_outlet_no_link_goes_to(tmp_path):
    item = "On Monday, talks resumed, according to a Reuters report. [The ministry said](https://mid.ru/x) so too."
    assert attribution(tmp_path, [item]) == [
        ("DW104", FIRST_ITEM_LINE, column(item, "according"),
         "the item credits Reuters ('according to a Reuters…'), but none of its links goes to reuters.com")]


@pytest.mark.parametrize("item", [
    "On Monday, talks resumed, according to [Reuters](https://www.reuters.com/world/x).",
    "On Monday, talks resumed, according to the [BBC](https://www.bbc.com/news/x).",
    "On Monday, talks resumed, according to Reuters, which [published the text](https://www.reuters.com/x).",
    "On Monday, talks resumed, according to officials, as [the AP](https://apnews.com/article/x) reported.",
    "On Monday, talks resumed, according to the Ministry of Foreign Affairs, as [the AP](https://apnews.com/x) said.",
])
def test_according_to_a_linked_outlet_or_no_outlet_passes(tmp_path, item):
    assert attribution(tmp_path, [item]) == []


def test_the_house_adds_outlets_and_sites(tmp_path):
    house = "links:\n  outlets:\n    Novaya Gazeta Europe: [novayagazeta.eu]\n    Reuters: [reut.rs]\n"
    found = attribution(tmp_path, [
        "On Monday, talks resumed, according to [Novaya Gazeta Europe](https://meduza.io/en/feature/x).",
        "On Tuesday, they paused, according to [Reuters](https://reut.rs/3xTalks).",
    ], house)
    assert [(code, line) for code, line, _, _ in found] == [("DW103", FIRST_ITEM_LINE)]
    assert "names Novaya Gazeta Europe, but the link goes to meduza.io, Meduza" in found[0][3]
    # Without the house's table, Reuters on reut.rs is no finding either (no known outlet owns reut.rs).
    outlets = outlets_of(House.model_validate({"links": {"outlets": {"Reuters": ["reut.rs"]}}}))
    assert outlets.owner("https://reut.rs/x").name == "Reuters"


def test_the_houses_own_publication_is_an_outlet(tmp_path):
    item = "On Monday, talks resumed, as [Responsible Statecraft](https://www.reuters.com/world/x) argued."
    assert attribution(tmp_path, [item]) == [
        ("DW103", FIRST_ITEM_LINE, column(item, "https://www.reuters.com"),
         "the link text names Responsible Statecraft, but the link goes to www.reuters.com, Reuters")]


def test_a_house_outlet_name_must_be_a_site(tmp_path):
    issue = write_issue(tmp_path, [], extra="  - On Monday, [Reuters](https://www.reuters.com/x) said.\n",
                        house='links:\n  outlets:\n    Reuters: ["https://reuters.com"]\n')
    _, report = check(issue)
    [refused] = [f for entry in report["files"] for f in entry["findings"]]
    assert refused["code"] == "DW001" and refused["path"] == str(tmp_path / "house.yaml")
    assert refused["line"] == 3 and "links.outlets.Reuters[0]" in refused["message"]
