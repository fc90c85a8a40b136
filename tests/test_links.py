"""`composer check --links` against a local web server that answers for every site (tests/link_server.py):
what each kind of answer is reported as, where, and what the lock file records. No test touches the network."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, run_cli
from link_server import STORY, Answer, image, page, redirect
from links import FIRST_ITEM_LINE, URL_COLUMN, check, link_findings, lock_of, placed, write_issue

from composer.links.fetch import TEST_SERVER

STORY_URL = "https://www.reuters.com/world/europe/talks-resume-2024-01-10/"


def test_a_page_that_answers_has_no_finding_and_is_recorded_in_the_lock_file(server, tmp_path):
    server.route(STORY_URL, page("Talks resume in Istanbul", STORY))
    issue = write_issue(tmp_path, [STORY_URL])
    result, report = check("--links", issue)
    assert result.exit_code == 0 and link_findings(report) == []
    lock = lock_of(issue)
    assert lock["version"] == 1 and lock["issue"] == "2024-01-12.yaml"
    assert list(lock["links"]) == sorted(lock["links"])  # a fixed order, so that diffs show what changed
    seen = lock["links"][STORY_URL]
    assert seen["status"] == 200 and seen["final_url"] == STORY_URL and seen["redirects"] == []
    assert seen["content_type"] == "text/html" and seen["length"] == len(page("Talks resume in Istanbul", STORY).body)
    assert seen["title"] == "Talks resume in Istanbul"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", seen["text_hash"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", seen["checked"])
    assert seen["method"] == "GET" and server.asked(STORY_URL) == ["HEAD", "GET"]  # the page's text needs its body
    # The house's own links are checked too: the masthead, the donate button, the footer's links.
    assert {"https://responsiblestatecraft.org/", "https://responsiblestatecraft.org/donate/"} <= set(lock["links"])


@pytest.mark.parametrize("status, words", [(404, "404 Not Found"), (410, "410 Gone")])
def test_a_dead_link_is_an_error_at_its_line(server, tmp_path, status, words):
    dead = server.route("https://apnews.com/article/withdrawn-story", Answer(status=status))
    issue = write_issue(tmp_path, [STORY_URL, dead])
    result, report = check("--links", issue)
    assert placed(report) == [("DW306", FIRST_ITEM_LINE + 1, URL_COLUMN)]
    [finding] = link_findings(report)
    assert finding["severity"] == "error" and finding["path"] == str(issue)
    assert finding["message"] == f"the link '{dead}' is dead: it answers {words}"
    assert result.exit_code == 1
    assert server.asked(dead) == ["HEAD", "GET"]  # a GET confirms it; a dead page is not tried again
    assert lock_of(issue)["links"][dead]["status"] == status


def test_a_refused_head_is_followed_by_a_get_and_a_document_that_answers_head_needs_no_get(server, tmp_path):
    pdf = Answer(body=b"%PDF-1.7 a statement", content_type="application/pdf")
    refused = server.route("https://www.mid.ru/upload/statement.pdf", Answer(**{**pdf.__dict__, "head_status": 405}))
    answered = server.route("https://www.state.gov/wp-content/uploads/readout.pdf", pdf)
    issue = write_issue(tmp_path, [refused, answered])
    result, report = check("--links", issue)
    assert link_findings(report) == [] and result.exit_code == 0
    assert server.asked(refused) == ["HEAD", "GET"] and server.asked(answered) == ["HEAD"]
    links = lock_of(issue)["links"]
    assert (links[refused]["method"], links[refused]["status"]) == ("GET", 200)
    assert (links[answered]["method"], links[answered]["content_type"]) == ("HEAD", "application/pdf")


def test_a_server_error_is_tried_once_more_and_reported_only_if_it_stays(server, tmp_path):
    failing = server.route("https://www.politico.eu/article/summit/", Answer(status=503), Answer(status=503))
    recovering = server.route("https://www.dw.com/en/talks/a-1", Answer(status=503), page("Talks", STORY))
    issue = write_issue(tmp_path, [failing, recovering])
    result, report = check("--links", issue)
    assert placed(report) == [("DW307", FIRST_ITEM_LINE, URL_COLUMN)]
    [finding] = link_findings(report)
    assert finding["severity"] == "warning"
    assert finding["message"] == f"the link '{failing}' answers 503 Service Unavailable, tried 3 times"
    assert result.exit_code == 0  # a warning
    assert server.asked(failing) == ["HEAD", "GET", "GET"]
    assert server.asked(recovering) == ["HEAD", "GET", "GET"]
    assert lock_of(issue)["links"][recovering]["status"] == 200


def test_a_page_that_answers_too_slowly_is_reported_after_a_second_try(server, tmp_path):
    slow = server.route("https://www.aljazeera.com/news/2024/1/10/slow", Answer(delay=3))
    issue = write_issue(tmp_path, [slow, STORY_URL], house="links:\n  timeout: 0.5\n")
    _, report = check("--links", issue)
    assert placed(report) == [("DW307", FIRST_ITEM_LINE, URL_COLUMN)]
    [finding] = link_findings(report)
    assert finding["message"] == f"the link '{slow}': no answer came in time (no answer within 0.5 s, tried 2 times)"
    assert lock_of(issue)["links"][slow]["problem"] == "timeout"
    assert lock_of(issue)["links"][STORY_URL]["status"] == 200  # the others are not held up


def test_a_site_that_hangs_up_without_answering_is_reported_after_a_second_try(server, tmp_path):
    rude = server.route("https://www.example-wire.com/story", Answer(hang_up=True))
    issue = write_issue(tmp_path, [rude])
    _, report = check("--links", issue)
    assert placed(report) == [("DW307", FIRST_ITEM_LINE, URL_COLUMN)]
    message = link_findings(report)[0]["message"]
    assert message.startswith(f"the link '{rude}': the request failed (RemoteProtocolError: ")
    assert message.endswith(", tried 2 times)")
    assert server.asked(rude) == ["HEAD", "GET"]  # a HEAD without an answer was the first try


def test_the_whole_check_has_a_deadline(server, tmp_path):
    stuck = server.route("https://tass.com/politics/1", Answer(delay=6))
    issue = write_issue(tmp_path, [STORY_URL, stuck], house="links:\n  timeout: 5\n  deadline: 1\n")
    _, report = check("--links", issue)
    assert placed(report) == [("DW307", FIRST_ITEM_LINE + 1, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == (f"the link '{stuck}': it was not checked (the check's 1 s "
                                                   "deadline passed first)")
    assert lock_of(issue)["links"][STORY_URL]["status"] == 200


def test_redirects_are_followed_and_recorded(server, tmp_path):
    first = server.route("http://reuters.com/world/talks", redirect("https://www.reuters.com/world/talks"))
    server.route("https://www.reuters.com/world/talks", redirect("/world/europe/talks-resume-2024-01-10/", 302))
    server.route(STORY_URL, page("Talks resume", STORY))
    issue = write_issue(tmp_path, [first])
    _, report = check("--links", issue)
    assert link_findings(report) == []  # the same site all along
    seen = lock_of(issue)["links"][first]
    assert seen["redirects"] == [{"status": 301, "url": first}, {"status": 302, "url": "https://www.reuters.com/world/talks"}]
    assert seen["final_url"] == STORY_URL and seen["status"] == 200


def test_a_redirect_to_another_site_is_a_warning_naming_where_it_lands(server, tmp_path):
    landing = "https://www.nytimes.com/2024/01/10/world/europe/talks.html"
    short = server.route("https://nyti.ms/3xTalks", redirect(landing))
    server.route(landing, page("Talks resume", STORY))
    same_site = server.route("https://news.bbc.co.uk/2/hi/europe/talks.stm",
                             redirect("https://www.bbc.co.uk/news/world-europe-1"))  # one site, by the suffix list
    issue = write_issue(tmp_path, [short, same_site])
    _, report = check("--links", issue)
    assert placed(report) == [("DW308", FIRST_ITEM_LINE, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == (f"the link '{short}' redirects to another site, "
                                                   f"www.nytimes.com: {landing}")


@pytest.mark.parametrize("wall", ["https://www.example-paper.com/account/login?next=%2Fstory",
                                  "https://consent.example-portal.com/v2/collectConsent?sessionId=7"])
def test_a_redirect_to_a_login_or_consent_page(server, tmp_path, wall):
    walled = server.route("https://www.example-paper.com/story/talks", redirect(wall, 302))
    issue = write_issue(tmp_path, [walled])
    _, report = check("--links", issue)
    assert placed(report) == [("DW309", FIRST_ITEM_LINE, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == (f"the link '{walled}' redirects to a login or consent page: "
                                                   f"{wall}")


@pytest.mark.parametrize("title", ["Page not found | Example News", "Страница не найдена — ТАСС"])
def test_a_page_that_says_it_is_not_found_is_a_soft_404(server, tmp_path, title):
    gone = server.route("https://www.example-news.com/2024/01/talks", page(title, "Sorry, we looked everywhere."))
    issue = write_issue(tmp_path, [gone])
    _, report = check("--links", issue)
    assert placed(report) == [("DW310", FIRST_ITEM_LINE, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == f"the link '{gone}' answers 200, but its page is titled '{title}'"


def image_lines(url: str, height: int, width: int | None = 600) -> str:
    size = f"  width: {width}\n" if width else ""
    return f"image:\n  url: {url}\n  alt: Negotiators at a long table\n{size}  height: {height}\n"


IMAGE_URL = "https://cdn.example-photos.com/talks.jpg"
IMAGE_LINE = FIRST_ITEM_LINE + 2  # after one item: image:, then url:


def test_an_image_address_that_serves_no_image_is_an_error(server, tmp_path):
    server.route(IMAGE_URL, page("Negotiators at a long table | Photos", STORY))
    issue = write_issue(tmp_path, [STORY_URL], extra=image_lines(IMAGE_URL, 400))
    result, report = check("--links", issue)
    assert placed(report) == [("DW311", IMAGE_LINE, 8)]
    [finding] = link_findings(report)
    assert finding["severity"] == "error" and result.exit_code == 1
    assert finding["message"] == f"the image '{IMAGE_URL}' is not an image: it answers text/html"

    server.route(IMAGE_URL, Answer(body=b"<html>not a picture</html>", content_type="image/jpeg"))
    _, report = check("--links", issue)
    assert [f["message"] for f in link_findings(report)] == [
        f"the image '{IMAGE_URL}' answers image/jpeg, but what it sends is not an image composer can read"]


@pytest.mark.parametrize("height, reported", [(400, False), (406, False), (394, False), (410, True), (310, True)])
def test_an_image_whose_shape_does_not_match_its_declared_height(server, tmp_path, height, reported):
    server.route(IMAGE_URL, image(1200, 800))  # 400 px high at 600 px wide; 2 % either side is fine
    issue = write_issue(tmp_path, [STORY_URL], extra=image_lines(IMAGE_URL, height))
    _, report = check("--links", issue)
    height_line = IMAGE_LINE + 3
    assert placed(report) == ([("DW312", height_line, 11)] if reported else [])
    if reported:
        assert link_findings(report)[0]["message"] == (
            f"the image '{IMAGE_URL}' is 1200×800, so at 600 px wide it is 400 px high, not the declared {height}: "
            "it would look squashed")
        assert link_findings(report)[0]["fix"] == "set `height: 400`, or crop the image to the declared shape"
    assert lock_of(issue)["links"][IMAGE_URL]["image_size"] == [1200, 800]


def test_the_links_of_an_image_credit_are_checked(server, tmp_path):
    server.route(IMAGE_URL, image(1200, 800))
    dead = server.route("https://www.example-agency.com/photographers/jane-smith", Answer(status=404))
    extra = image_lines(IMAGE_URL, 400) + f"  credit: Jane Smith via [Example Agency]({dead})\n"
    issue = write_issue(tmp_path, [STORY_URL], extra=extra)
    _, report = check("--links", issue)
    credit_line = IMAGE_LINE + 4
    assert placed(report) == [("DW306", credit_line, len("  credit: Jane Smith via [Example Agency](") + 1)]


def test_a_teaser_image_without_a_width_is_measured_at_the_teasers_width(server, tmp_path):
    teaser_image = server.route("https://responsiblestatecraft.org/media-library/port.png", image(1104, 1104, "PNG"))
    teaser = ("teasers:\n  - label: Global Crises\n    headline: Grain routes narrow again\n"
              "    url: https://responsiblestatecraft.org/2024/01/10/grain/\n    image:\n"
              f"      url: {teaser_image}\n      alt: Grain silos at a port\n      height: 310\n"
              "    summary: Ships keep moving, for now.\n")
    issue = write_issue(tmp_path, [STORY_URL], extra=teaser)
    _, report = check("--links", issue)
    [finding] = link_findings(report)
    assert finding["code"] == "DW312" and "at 552 px wide it is 552 px high, not the declared 310" in finding["message"]
    assert server.asked(teaser_image) == ["GET"]  # an image is read, never asked with HEAD first


def test_a_paywalled_site_that_refuses_machines_is_unverified_not_dead(server, tmp_path):
    paywalled = server.route("https://www.nytimes.com/2024/01/10/world/talks.html", Answer(status=403))
    refusing = server.route("https://www.example-forum.org/thread/talks", Answer(status=403))
    issue = write_issue(tmp_path, [paywalled, refusing])
    result, report = check("--links", issue)
    assert placed(report) == [("DW313", FIRST_ITEM_LINE, URL_COLUMN), ("DW307", FIRST_ITEM_LINE + 1, URL_COLUMN)]
    unverified = link_findings(report)[0]
    assert unverified["message"] == (f"the link '{paywalled}' is unverified: www.nytimes.com answers machines 403, "
                                     "as paywalled sites do (house.yaml `links: paywalled:`)")
    assert result.exit_code == 0
    assert server.asked(paywalled) == ["HEAD", "GET"]  # a paywall does not open on a second try
    assert server.asked(refusing) == ["HEAD", "GET", "GET"]


def test_the_house_lists_its_own_paywalled_sites(server, tmp_path):
    own = server.route("https://www.example-paper.com/story/1", Answer(status=401))
    nyt = server.route("https://www.nytimes.com/2024/01/10/world/talks.html", Answer(status=403))
    issue = write_issue(tmp_path, [own, nyt], house="links:\n  paywalled: [example-paper.com]\n")
    _, report = check("--links", issue)
    assert [code for code, _, _ in placed(report)] == ["DW313", "DW307"]  # the list replaces the built-in one


def test_the_user_agent_is_a_browsers_unless_the_house_sets_one(server, tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    check("--links", issue)
    [agent] = server.agents
    assert agent.startswith("Mozilla/5.0 (") and "Chrome/" in agent
    server.agents.clear()
    write_issue(tmp_path, [STORY_URL], house='links:\n  user_agent: "Mozilla/5.0 (compatible; DW-desk)"\n')
    check("--links", issue)
    assert server.agents == {"Mozilla/5.0 (compatible; DW-desk)"}


def test_requests_are_bounded_per_site_and_in_all(server, tmp_path):
    one_site = [server.route(f"https://www.reuters.com/world/story-{n}/", Answer(delay=0.3)) for n in range(9)]
    many_sites = [server.route(f"https://news{n}.example.org/story", Answer(delay=0.3)) for n in range(28)]
    issue = write_issue(tmp_path, one_site + many_sites)
    _, report = check("--links", issue)
    assert link_findings(report) == []
    assert server.most["www.reuters.com"] == 4
    assert 4 < server.most["*"] <= 16


def test_house_links_are_checked_and_reported_in_house_yaml(server, tmp_path):
    dead = server.route("https://www.example-social.com/ResponsibleStatecraft", Answer(status=404))
    house = f"social:\n  - name: Example\n    url: {dead}\nlinks:\n  timeout: 2\n"
    issue = write_issue(tmp_path, [STORY_URL], house=house)
    _, report = check("--links", issue)
    [finding] = link_findings(report)
    assert (finding["path"], finding["line"], finding["column"]) == (str(tmp_path / "house.yaml"), 3, 10)
    assert finding["code"] == "DW306"


def test_a_link_repeated_is_fetched_once_and_reported_where_each_use_is(server, tmp_path):
    dead = server.route("https://apnews.com/article/withdrawn-story", Answer(status=404))
    issue = write_issue(tmp_path, [dead, STORY_URL, dead], extra="silence: [DW302]\n")
    _, report = check("--links", issue)
    assert placed(report) == [("DW306", FIRST_ITEM_LINE, URL_COLUMN), ("DW306", FIRST_ITEM_LINE + 2, URL_COLUMN)]
    assert server.asked(dead) == ["HEAD", "GET"]


def test_json_output_with_link_findings_matches_the_schema(server, tmp_path):
    import json

    import jsonschema

    dead = server.route("https://apnews.com/article/withdrawn-story", Answer(status=404))
    _, report = check("--links", write_issue(tmp_path, [dead]))
    assert link_findings(report)
    jsonschema.validate(report, json.loads((ROOT / "composer" / "check_schema.json").read_text()))


def test_the_test_server_must_be_on_this_machine(tmp_path, monkeypatch):
    monkeypatch.setenv(TEST_SERVER, "192.0.2.10:80")
    result = run_cli("check", "--links", write_issue(tmp_path, [STORY_URL]))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {TEST_SERVER}=192.0.2.10:80: it sends every link check to a test "
                                     "server, which must be on this machine (127.0.0.1:PORT); unset it to check "
                                     "the links themselves")


@pytest.mark.parametrize("options, message", [
    (["--offline"], "error: --offline goes with --links, as in `composer check --links --offline issue.yaml`"),
    (["--changed"], "error: --changed goes with --links, as in `composer check --links --changed issue.yaml`"),
    (["--links", "--offline", "--changed"],
     "error: --changed fetches the pages again to compare them, so it cannot be --offline; choose one"),
])
def test_link_options_that_do_not_go_together(tmp_path, options, message):
    result = run_cli("check", *options, write_issue(tmp_path, [STORY_URL]))
    assert result.exit_code == 2 and result.stderr.strip() == message


def test_the_check_runs_inside_a_program_that_runs_an_event_loop(server, tmp_path):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    dead = server.route("https://apnews.com/article/withdrawn-story", Answer(status=404))
    issue = write_issue(tmp_path, [dead])

    async def embedded():
        return check("--links", issue)

    # In a thread of its own: this one may already run Playwright's loop, which would refuse asyncio.run here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        _, report = pool.submit(asyncio.run, embedded()).result()
    assert placed(report) == [("DW306", FIRST_ITEM_LINE, URL_COLUMN)]


def test_ctrl_c_stops_the_check_in_one_line_and_records_nothing(server, tmp_path):
    import os
    import signal
    import time

    slow = server.route("https://www.example-wire.com/slow", Answer(delay=20))
    issue = write_issue(tmp_path, [slow], house="links:\n  timeout: 30\n")
    process = subprocess.Popen([sys.executable, "-m", "composer", "check", "--links", str(issue)], cwd=ROOT,
                               env={**os.environ, TEST_SERVER: server.address}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        if server.asked(slow):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert err.strip() == "error: the link check was interrupted; nothing was recorded"
    assert not issue.with_name("2024-01-12.links.json").exists()


def imported_modules(*args: str, env: dict | None = None) -> set[str]:
    import os

    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "composer", *args], capture_output=True,
                            text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_build_and_check_never_load_httpx_and_check_links_does(server, tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    assert "httpx" not in imported_modules("build", str(issue), "-o", str(tmp_path / "out"))
    assert (tmp_path / "out" / "2024-01-12.html").exists()
    assert "httpx" not in imported_modules("check", str(issue))
    assert "httpx" in imported_modules("check", "--links", str(issue), env={TEST_SERVER: server.address})
    assert "httpx" not in imported_modules("check", "--links", "--offline", str(issue))  # offline is offline


def test_a_link_or_a_redirect_to_this_machine_or_a_private_network_is_never_fetched(server, tmp_path):
    inside = "http://127.0.0.1:8631/admin/reset"
    router = "http://192.168.1.1/cgi-bin/reboot"
    moved = server.route("https://www.example-wire.com/moved", redirect(router))
    issue = write_issue(tmp_path, [inside, moved])
    result, report = check("--links", issue)
    assert server.asked(inside) == [] and server.asked(router) == []
    assert server.asked(moved) == ["HEAD", "GET"]  # the public page is asked; where it sends us is not
    found = {(f["code"], f["line"]): f["message"] for entry in report["files"] for f in entry["findings"]}
    assert found[("DW301", FIRST_ITEM_LINE)] == (f"the link '{inside}' points to this machine or a private "
                                                 "network, which readers cannot reach")
    assert "192.168.1.1 is this machine or a private network; composer does not fetch it" in \
        found[("DW307", FIRST_ITEM_LINE + 1)]
    assert result.exit_code == 1


@pytest.mark.parametrize(("url", "private"), [
    ("http://localhost:8080/", True), ("http://intranet.localhost/", True), ("http://[::1]/", True),
    ("http://10.1.2.3/x", True), ("http://169.254.169.254/latest/meta-data/", True), ("http://[fe80::1]/", True),
    ("https://8.8.8.8/", False), ("https://www.reuters.com/world/", False),
])
def test_addresses_of_this_machine_or_a_private_network_are_refused_without_the_network(tmp_path, url, private):
    _, report = check(write_issue(tmp_path, [url]))
    private_findings = [f for entry in report["files"] for f in entry["findings"]
                        if f["code"] == "DW301" and "private network" in f["message"]]
    assert bool(private_findings) == private
