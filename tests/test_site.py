"""The web edition, built and parsed: pages, links, feeds, sitemap, pagination, incremental and atomic builds."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import feedparser
import pytest
from conftest import EXAMPLES, FIXTURES, example_paths, run_cli, soup
from lxml import etree

from composer import markdown
from composer.pipeline import render

BASE = "https://responsiblestatecraft.org/diplomacy-watch/"


def text_of(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_cli("site", EXAMPLES, "-o", out)
    assert result.exit_code == 0, result.stderr
    return out


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def page_of(site: Path, url: str) -> Path:
    """The file that serves an absolute address of the site."""
    assert url.startswith(BASE), url
    relative = url[len(BASE):]
    return site / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)


# -- the issue pages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_issue_page_is_one_article_with_the_parts_in_house_order(site, path):
    edition = render(path).edition
    issue, house = edition.issue, edition.house
    doc = soup(page_of(site, edition.web_url).read_text())
    [article] = doc.select("main > article")
    [h1] = doc.find_all("h1")
    assert article in h1.parents
    assert text_of(h1) == edition.title
    assert doc.html["lang"] == house.language
    assert doc.title.get_text() == edition.title

    elements = list(doc.body.find_all(True))
    where = {id(el): n for n, el in enumerate(elements)}

    def first(what, predicate):
        for el in elements:
            if predicate(el):
                return where[id(el)]
        raise AssertionError(f"{what} not found")

    lead_start = markdown.block_to_text(issue.lead)[:40]
    order = [
        first("label", lambda el: el.name == "p" and text_of(el) == edition.label),
        first("headline", lambda el: el.name == "h1"),
        first("dek", lambda el: el.name == "p" and text_of(el) == markdown.inline_to_text(issue.dek)),
        first("date", lambda el: el.name == "time"),
        first("lead", lambda el: el.name == "p" and text_of(el).startswith(lead_start[:30])),
        first("other-news lead-in", lambda el: el.name == "h2" and text_of(el) == house.lead_ins.other_news),
        first("items", lambda el: el.name == "ul" and "items" in el.get("class", [])),
        first("State Department", lambda el: el.name == "h2" and text_of(el) == house.lead_ins.state_department),
    ]
    # A week may run no appeal or no subscribe call (`appeal: false`): then the page has none either.
    if edition.appeal:
        order.append(first("appeal", lambda el: el.name == "p" and text_of(el).startswith("Dear RS readers:")))
    else:
        assert doc.select("section.appeal, a.button") == []
    if edition.subscribe:
        order.append(first("subscribe", lambda el: el.name == "section" and "subscribe" in el.get("class", [])))
    else:
        assert doc.select("section.subscribe") == []
    social = getattr(house, "social", [])  # house.yaml's `social:` accounts, where the model has them
    if social:
        order.append(first("social links", lambda el: el.name == "nav" and "social" in el.get("class", [])))
        assert [a["href"] for a in doc.select("nav.social a")] == [account.url for account in social]
    if issue.teasers:
        order.append(first("teasers", lambda el: el.name == "h2" and text_of(el) == house.lead_ins.teasers))
    assert order == sorted(order)

    items = doc.select("ul.items > li")
    assert len(items) == len(issue.items)
    for li, item in zip(items, issue.items, strict=True):
        assert text_of(li) == "— " + " ".join(markdown.block_to_text(item).split())
    def quotes(source: str) -> int:
        return sum(token.type == "blockquote_open" for token in markdown.parse(source))

    assert len(doc.select(".lead blockquote")) == quotes(issue.lead)
    assert len(doc.select(".state-department blockquote")) == quotes(edition.state_department_text)
    assert text_of(doc.select_one(".state-department")).endswith(
        " ".join(markdown.block_to_text(edition.state_department_text).split())[-40:])
    if issue.image:
        figure = doc.select_one("article figure")
        assert figure.img["src"] == issue.image.url and figure.img["alt"]
        caption = [markdown.inline_to_text(issue.image.caption)] if issue.image.caption else []
        credit = ["Top image credit: " + markdown.inline_to_text(issue.image.credit)] if issue.image.credit else []
        if caption or credit:
            assert [text_of(span) for span in figure.figcaption.find_all("span")] == caption + credit
    # Nothing to run: the one script element is data for search engines.
    assert [script.get("type") for script in doc.find_all("script")] == ["application/ld+json"]
    teasers = doc.select("aside.teasers article.teaser")
    assert len(teasers) == len(issue.teasers)
    for box, teaser in zip(teasers, issue.teasers, strict=True):
        assert [a["href"] for a in box.select("h3 a")] == [teaser.url]
        assert box.select_one(".keep-reading a")["href"] == teaser.url


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_time_and_canonical_match_the_issue_and_the_emails_web_link(site, path, built_examples):
    built = built_examples[path.stem]
    edition = built.edition
    email_link = soup(built.html).find("a", string=lambda s: s and "View this issue in your browser" in s)["href"]
    doc = soup(page_of(site, email_link).read_text())
    assert doc.find("link", rel="canonical")["href"] == email_link == edition.web_url
    [published] = doc.select("article.issue > header time")
    assert published["datetime"] == edition.issue.date.isoformat()
    assert date.fromisoformat(published["datetime"]).strftime("%B") in published.get_text()


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_sharing_and_search_metadata(site, path):
    edition = render(path).edition
    issue = edition.issue
    doc = soup(page_of(site, edition.web_url).read_text())

    def meta(**attrs) -> str:
        return doc.find("meta", attrs=attrs)["content"]

    dek = markdown.inline_to_text(issue.dek)
    assert meta(name="description") == dek
    assert meta(property="og:title") == meta(name="twitter:title") == edition.title
    assert meta(property="og:description") == meta(name="twitter:description") == dek
    assert meta(property="og:url") == edition.web_url
    assert meta(property="og:type") == "article"
    if issue.image:
        assert meta(property="og:image") == meta(name="twitter:image") == issue.image.url
        assert meta(name="twitter:card") == "summary_large_image"
    else:
        assert meta(name="twitter:card") == "summary"
        assert doc.find("meta", property="og:image") is None  # the examples' house has no logo to share instead
    [block] = doc.find_all("script", type="application/ld+json")
    data = json.loads(block.string)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == edition.title
    assert data["datePublished"] == issue.date.isoformat()
    assert data["mainEntityOfPage"] == edition.web_url
    expected = [markdown.inline_to_text(a) for a in issue.authors] or [edition.house.publication]
    assert [a["name"] for a in data["author"]] == expected


def test_no_broken_internal_link_anywhere(site):
    checked = 0
    for page in html_files(site):
        doc = soup(page.read_text())
        for element in doc.find_all(href=True) + doc.find_all(src=True):
            url = element.get("href") or element.get("src")
            address, fragment = urldefrag(url)
            if urlsplit(address).scheme in ("http", "https", "mailto"):
                if not address.startswith(BASE):
                    continue  # the sources' own sites
                target = page_of(site, address)
            elif address == "":
                target = page
            else:
                target = (page.parent / address).resolve()
                if address.endswith("/"):
                    target = target / "index.html"
            assert target.is_file() and target.resolve().is_relative_to(site.resolve()), f"{page}: {url}"
            if fragment and target.suffix == ".html":
                assert soup(target.read_text()).find(id=fragment), f"{page}: {url}"
            checked += 1
    assert checked > 30


# -- the archive, the feeds, the sitemap ----------------------------------------------------------------

def test_archive_lists_every_issue_newest_first(site):
    editions = sorted((render(p).edition for p in example_paths()), key=lambda e: e.issue.date, reverse=True)
    doc = soup((site / "index.html").read_text())
    assert len(doc.find_all("h1")) == 1
    entries = doc.select("ol.archive > li")
    assert [li.time["datetime"] for li in entries] == [e.issue.date.isoformat() for e in editions]
    for li, edition in zip(entries, editions, strict=True):
        assert text_of(li.h2) == markdown.inline_to_text(edition.issue.headline)
        assert page_of(site, edition.web_url) == (site / li.h2.a["href"] / "index.html").resolve()
        assert text_of(li.select_one(".dek")) == markdown.inline_to_text(edition.issue.dek)
        assert text_of(li.select_one(".label")) == edition.label
    assert doc.find("link", rel="canonical")["href"] == BASE
    assert doc.find("link", rel="next") is None  # three issues fit on one page
    year = soup((site / "archive" / "2023" / "index.html").read_text())
    assert len(year.select("ol.archive > li")) == len(editions)


def newest_first():
    return sorted((render(p).edition for p in example_paths()), key=lambda e: e.issue.date, reverse=True)


def assert_full_text(content_html: str, edition) -> None:
    content = soup(content_html)
    last_paragraph = markdown.block_to_text(edition.issue.lead.split("\n\n")[-1])
    assert " ".join(last_paragraph.split())[-60:] in text_of(content)  # the whole lead, not an excerpt
    assert len(content.select("ul.items > li")) == len(edition.issue.items)
    assert text_of(content.select_one(".state-department h2")) == edition.house.lead_ins.state_department


def test_atom_feed_parses_newest_first_with_full_text(site):
    editions = newest_first()
    feed = feedparser.parse((site / "atom.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Diplomacy Watch"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [BASE + "atom.xml"]
    assert [e.link for e in feed.entries] == [e.web_url for e in editions]
    assert [e.title for e in feed.entries] == [e.title for e in editions]
    for entry, edition in zip(feed.entries, editions, strict=True):
        assert entry.id == edition.web_url
        assert_full_text(entry.content[0].value, edition)
        assert entry.published_parsed[:3] == edition.issue.date.timetuple()[:3]


def test_json_feed_follows_version_1_1_newest_first_with_full_text(site):
    # feedparser's released versions (6.0.x) read only XML feeds, so JSON Feed is checked against its spec.
    import jsonschema

    editions = newest_first()
    feed = json.loads((site / "feed.json").read_text())
    schema = json.loads((FIXTURES / "jsonfeed-1.1.schema.json").read_text())
    jsonschema.validate(feed, schema)
    assert feed["feed_url"] == BASE + "feed.json" and feed["home_page_url"] == BASE
    assert [item["url"] for item in feed["items"]] == [e.web_url for e in editions]
    for item, edition in zip(feed["items"], editions, strict=True):
        assert item["id"] == edition.web_url and item["title"] == edition.title
        assert_full_text(item["content_html"], edition)
        assert datetime.fromisoformat(item["date_published"]).date() == edition.issue.date


def test_sitemap_lists_every_page(site):
    tree = etree.fromstring((site / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in tree.findall("s:url/s:loc", ns)}
    pages = set()
    for page in html_files(site):
        relative = page.relative_to(site).as_posix()
        pages.add(BASE + (relative[: -len("index.html")] if relative.endswith("index.html") else relative))
    assert listed == pages
    assert {render(p).edition.web_url for p in example_paths()} <= listed


# -- many issues: pagination, incremental builds, deletions, failures -------------------------------------------

def write_issues(folder: Path, count: int, start: date = date(2022, 6, 3)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "house.yaml", folder / "house.yaml")
    minimal = (FIXTURES / "good" / "minimal.yaml").read_text()
    paths = []
    for n in range(count):
        day = start + timedelta(weeks=n)
        path = folder / f"{day.isoformat()}.yaml"
        path.write_text(minimal.replace("date: 2024-01-12", f"date: {day.isoformat()}")
                        .replace("resume in Istanbul", f"resume in Istanbul, round {n + 1}"))
        paths.append(path)
    return paths


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_archive_is_paginated_with_rel_prev_and_next(tmp_path):
    write_issues(tmp_path / "issues", 45)
    out = tmp_path / "site"
    assert run_cli("site", tmp_path / "issues", "-o", out).exit_code == 0
    pages = [out / "index.html", out / "page" / "2" / "index.html", out / "page" / "3" / "index.html"]
    assert not (out / "page" / "4").exists()
    dates = []
    for number, page in enumerate(pages, start=1):
        doc = soup(page.read_text())
        entries = doc.select("ol.archive > li")
        assert len(entries) == (20 if number < 3 else 5)
        dates += [li.time["datetime"] for li in entries]
        head_prev, head_next = doc.find("link", rel="prev"), doc.find("link", rel="next")
        body_prev, body_next = doc.find("a", rel="prev"), doc.find("a", rel="next")
        if number == 1:
            assert head_prev is None and body_prev is None
        else:
            assert (page.parent / head_prev["href"] / "index.html").resolve() == pages[number - 2].resolve()
            assert body_prev["href"] == head_prev["href"]
        if number == 3:
            assert head_next is None and body_next is None
        else:
            assert (page.parent / head_next["href"] / "index.html").resolve() == pages[number].resolve()
            assert body_next["href"] == head_next["href"]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 45
    assert len(feedparser.parse((out / "atom.xml").read_bytes()).entries) == 20
    assert len(json.loads((out / "feed.json").read_text())["items"]) == 20
    years = {p.parent.name for p in (out / "archive").glob("*/index.html")}
    assert years == {str(y) for y in {date.fromisoformat(d).year for d in dates}}


def test_rebuild_rewrites_only_what_changed_and_removes_deleted_issues(tmp_path):
    paths = write_issues(tmp_path / "issues", 25)
    out = tmp_path / "site"
    assert run_cli("site", tmp_path / "issues", "-o", out).exit_code == 0
    before = snapshot(out)

    again = run_cli("site", tmp_path / "issues", "-o", out)
    assert again.exit_code == 0 and "0 files written" in again.stdout
    assert snapshot(out) == before

    changed = paths[3]
    changed.write_text(changed.read_text().replace("Talks about talks", "Talks, at last,"))
    result = run_cli("site", tmp_path / "issues", "-o", out)
    assert result.exit_code == 0, result.stderr
    after = snapshot(out)
    rewritten = {name for name in after if after[name] != before.get(name)}
    page = f"{changed.stem}/index.html"
    assert page in rewritten
    assert "Talks, at last," in (out / page).read_text()
    # Only that page and what lists it: the archive page it is on, its year, the sitemap stays as it was.
    assert rewritten <= {page, "page/2/index.html", f"archive/{changed.stem[:4]}/index.html",
                         "atom.xml", "feed.json", ".composer-site.json"}
    assert "sitemap.xml" not in rewritten

    deleted = paths[-1]
    deleted.unlink()
    result = run_cli("site", tmp_path / "issues", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert f"removed {out / deleted.stem / 'index.html'}" in result.stdout
    assert not (out / deleted.stem).exists()
    index = soup((out / "index.html").read_text())
    assert deleted.stem not in [li.time["datetime"] for li in index.select("ol.archive li")]
    assert deleted.stem not in (out / "sitemap.xml").read_text()
    assert [e["file"] for e in json.loads((out / ".composer-site.json").read_text())["issues"]
            if e["source"] == deleted.name] == []
    # The newest issue went, so the 21st moved up into the feeds: with its full text like the others.
    feed = feedparser.parse((out / "atom.xml").read_bytes())
    assert len(feed.entries) == 20 and feed.entries[-1].link.endswith(f"/{paths[-21].stem}/")
    for entry in feed.entries:
        assert "one of them said" in entry.content[0].value and entry.content[0].value.count("<li>") == 2


def test_a_template_change_rebuilds_every_page(tmp_path):
    write_issues(tmp_path / "issues", 3)
    theme = tmp_path / "issues" / "theme" / "web"
    theme.mkdir(parents=True)
    with open(tmp_path / "issues" / "house.yaml", "a") as house:
        house.write("templates: theme\n")
    out = tmp_path / "site"
    assert run_cli("site", tmp_path / "issues", "-o", out).exit_code == 0
    css = (Path(__file__).parent.parent / "templates" / "web" / "style.css.j2").read_text()
    (theme / "style.css.j2").write_text(css + "\n.dek { font-style: italic; }\n")
    result = run_cli("site", tmp_path / "issues", "-o", out)
    assert result.exit_code == 0
    for page in html_files(out):
        assert "font-style: italic" in page.read_text()


def test_with_strict_all_a_failed_build_leaves_the_previous_site_intact(tmp_path):
    paths = write_issues(tmp_path / "issues", 4)
    out = tmp_path / "site"
    assert run_cli("site", tmp_path / "issues", "-o", out).exit_code == 0
    before = snapshot(out)
    paths[1].write_text(paths[1].read_text().replace("headline:", "haedline:"))
    paths[2].write_text(paths[2].read_text() + "extra: [unclosed\n")
    paths[3].unlink()  # a deletion in the same failed build must not remove its page either
    result = run_cli("site", tmp_path / "issues", "-o", out, "--strict-all")
    assert result.exit_code == 2
    build = run_cli("build", paths[1], paths[2], "-o", tmp_path / "email")
    assert build.exit_code == 2
    assert result.stderr.splitlines() == build.stderr.splitlines()
    assert f"{paths[1]}:4:1: unknown key `haedline`" in result.stderr
    assert snapshot(out) == before
    assert not list(out.rglob("*.tmp"))


def test_check_errors_stop_an_issue_as_they_stop_build(tmp_path):
    paths = write_issues(tmp_path / "issues", 2)
    paths[0].write_text(paths[0].read_text().replace("headline: Talks", "headline: Diplomacy Watch on talks"))
    result = run_cli("site", tmp_path / "issues", "-o", tmp_path / "site")
    build = run_cli("build", *paths, "-o", tmp_path / "email")
    assert result.exit_code == build.exit_code == 2
    # The same problem lines as `build`; then each says what it left out.
    assert "DW404" in result.stderr and result.stderr.splitlines()[:-1] == build.stderr.splitlines()[:-1]
    assert result.stderr.splitlines()[-1] == f"not published: {paths[0]}; the others are on the site"
    assert not (tmp_path / "site" / paths[0].stem).exists() and (tmp_path / "site" / paths[1].stem).is_dir()
    result = run_cli("site", tmp_path / "issues", "-o", tmp_path / "strict", "--strict-all")
    assert result.exit_code == 2 and not (tmp_path / "strict").exists()


# -- addresses -------------------------------------------------------------------------------------------------

def test_base_url_moves_every_absolute_address(tmp_path):
    write_issues(tmp_path / "issues", 2)
    out = tmp_path / "site"
    staging = "https://staging.example.org/dw/"
    assert run_cli("site", tmp_path / "issues", "-o", out, "--base-url", staging).exit_code == 0
    page = soup((out / "2022-06-03" / "index.html").read_text())
    assert page.find("link", rel="canonical")["href"] == staging + "2022-06-03/"
    feed = feedparser.parse((out / "atom.xml").read_bytes())
    assert all(e.link.startswith(staging) for e in feed.entries)
    assert "https://responsiblestatecraft.org/diplomacy-watch/" not in (out / "sitemap.xml").read_text()


def test_with_only_site_url_the_email_links_to_the_page(tmp_path):
    folder = tmp_path / "issues"
    write_issues(folder, 1)
    house = [line for line in (folder / "house.yaml").read_text().splitlines() if not line.startswith("web_url")]
    (folder / "house.yaml").write_text("\n".join(house) + "\n")
    out = tmp_path / "site"
    assert run_cli("site", folder, "-o", out).exit_code == 0
    built = render(folder / "2022-06-03.yaml")
    link = soup(built.html).find("a", string=lambda s: s and "View this issue in your browser" in s)["href"]
    assert link == BASE + "2022-06-03/"
    assert soup(page_of(out, link).read_text()).find("link", rel="canonical")["href"] == link


def test_a_web_url_outside_the_site_is_refused_with_its_line(tmp_path):
    folder = tmp_path / "issues"
    write_issues(folder, 1)
    text = (folder / "house.yaml").read_text().replace("https://responsiblestatecraft.org/diplomacy-watch/{date}/",
                                                      "https://elsewhere.example.org/{date}/")
    (folder / "house.yaml").write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row.startswith("web_url"))
    result = run_cli("site", folder, "-o", tmp_path / "site")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{folder / 'house.yaml'}:{line}:10: `web_url`")


def test_a_site_needs_an_address(tmp_path):
    (tmp_path / "issues").mkdir()
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "issues" / "2024-01-12.yaml")
    result = run_cli("site", tmp_path / "issues", "-o", tmp_path / "site")
    assert result.exit_code == 2
    assert "site_url" in result.stderr and "--base-url" in result.stderr
    bad = run_cli("site", tmp_path / "issues", "-o", tmp_path / "site", "--base-url", "ftp://x")
    assert bad.exit_code == 2 and bad.stderr.startswith("--base-url:1:1: 'ftp://x' is not a site address")
    assert not (tmp_path / "site").exists()
    assert os.listdir(tmp_path) == ["issues"]


def test_a_broken_web_template_is_reported_with_its_file_and_line(tmp_path):
    folder = tmp_path / "issues"
    write_issues(folder, 2)
    (folder / "theme" / "web").mkdir(parents=True)
    (folder / "theme" / "web" / "page.html.j2").write_text('{% extends "web/base.html.j2" %}\n{% block main %}\n'
                                                           "{{ issue.headline | inline }\n{% endblock %}\n")
    with open(folder / "house.yaml", "a") as house:
        house.write("templates: theme\n")
    result = run_cli("site", folder, "-o", tmp_path / "site")
    assert result.exit_code == 2
    [line] = set(result.stderr.splitlines())
    assert line.startswith(f"{folder / 'theme' / 'web' / 'page.html.j2'}:3:1: template error")
    assert not (tmp_path / "site").exists()


def test_top_image_is_a_figure_with_its_credit_and_the_sharing_image(tmp_path):
    folder = tmp_path / "issues"
    [path] = write_issues(folder, 1)
    path.write_text(path.read_text() + (
        "image:\n  url: https://example.org/top.jpg\n  alt: Delegates around a long table\n"
        "  credit: Jane Smith via Reuters\n  width: 600\n  height: 338\n"))
    assert run_cli("site", folder, "-o", tmp_path / "site").exit_code == 0
    doc = soup((tmp_path / "site" / path.stem / "index.html").read_text())
    [figure] = doc.select("article.issue figure")
    assert figure.find_previous("h1") is not None and figure.find_next("div", class_="lead") is not None
    assert (figure.img["src"], figure.img["alt"], figure.img["width"], figure.img["height"]) == (
        "https://example.org/top.jpg", "Delegates around a long table", "600", "338")
    assert text_of(figure.figcaption) == "Top image credit: Jane Smith via Reuters"
    assert doc.find("meta", property="og:image")["content"] == "https://example.org/top.jpg"
    assert doc.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    assert json.loads(doc.find("script", type="application/ld+json").string)["image"] == ["https://example.org/top.jpg"]
    feed = json.loads((tmp_path / "site" / "feed.json").read_text())
    assert feed["items"][0]["image"] == "https://example.org/top.jpg"


def test_every_page_is_valid_html(site):
    from test_html_validity import errors

    found = [f"{m['url'].rsplit('/', 2)[-2]}/{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
             for m in errors(html_files(site))]
    assert not found, "\n".join(found)


def test_without_a_top_image_the_page_shares_the_logo(tmp_path):
    out = tmp_path / "site"
    result = run_cli("site", FIXTURES / "logo-house", "-o", out, "--base-url", "https://example.org/dw/")
    assert result.exit_code == 0, result.stderr
    doc = soup((out / "2024-01-12" / "index.html").read_text())
    assert doc.find("meta", property="og:image")["content"] == "https://assets.example.org/logo-ink.png"
    assert doc.find("meta", attrs={"name": "twitter:image"})["content"] == "https://assets.example.org/logo-ink.png"
    assert doc.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
    assert "image" not in json.loads(doc.find("script", type="application/ld+json").string)


def test_two_issues_on_one_page_are_told_how_to_part(tmp_path):
    """With pages named by {date} alone, a slug moves nothing: the advice must say to add {slug}."""
    folder = tmp_path / "issues"
    shutil.copytree(EXAMPLES, folder)
    special = folder / "2023-11-17-special.yaml"
    special.write_text((folder / "2023-11-17.yaml").read_text() + "slug: 2023-11-17-special\n")
    result = run_cli("site", folder, "-o", tmp_path / "site")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{special}:1:1: this issue and 2023-11-17.yaml both build the page 2023-11-17/index.html")
    assert "add {slug} to `web_url`" in line
    assert not (tmp_path / "site").exists()

    house = folder / "house.yaml"
    house.write_text(house.read_text().replace('diplomacy-watch/{date}/"', 'diplomacy-watch/{slug}/"'))
    assert run_cli("site", folder, "-o", tmp_path / "site").exit_code == 0
    assert (tmp_path / "site" / "2023-11-17-special" / "index.html").is_file()


def test_the_page_has_its_own_subscribe_call_not_the_emails(site):
    """The email's blurb asks whether it was forwarded; a web page must not."""
    from composer import markdown
    from composer.model.house import House

    page = soup((site / "2023-11-17" / "index.html").read_text())
    [call] = page.select("section.subscribe")
    assert "forwarded" not in text_of(call).lower()
    assert text_of(call) == " ".join(markdown.block_to_text(House().web_subscribe).split())
    assert call.find("a")["href"] == "https://responsiblestatecraft.org/newsletter/"
