"""The house config and the overridable theme."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, soup

from composer.loader import load_edition
from composer.pipeline import render


def write_house(folder: Path, text: str) -> None:
    (folder / "house.yaml").write_text(text)


def test_built_in_house_when_there_is_no_house_yaml(issue_dir: Path):
    edition = load_edition(issue_dir / "2024-01-12.yaml")
    assert edition.house.newsletter == "Diplomacy Watch"
    assert edition.subject == "Diplomacy Watch: Talks about talks resume in Istanbul"
    assert edition.preheader == "Negotiators met for the first time in months"
    assert edition.web_url is None
    doc = soup(render(issue_dir / "2024-01-12.yaml").html)
    assert doc.find("a", string="Unsubscribe from Diplomacy Watch")["href"].startswith("https://")
    assert "View this issue in your browser" not in doc.get_text()


def test_subject_and_preheader_can_be_set(issue_dir: Path):
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text() + 'subject: "A quieter week in Istanbul"\npreheader: "What the negotiators said, and did not"\n')
    edition = load_edition(issue)
    assert edition.subject == "A quieter week in Istanbul"
    assert soup(render(issue).html).select_one(".dw-preheader").get_text().startswith("What the negotiators said")


def test_house_yaml_overrides_defaults_and_web_copy_link_appears(issue_dir: Path):
    write_house(
        issue_dir,
        "newsletter: Statecraft Weekly\n"
        "unsubscribe_url: '*|UNSUB|*'\n"
        "web_url: https://example.org/weekly/{date}/\n"
        "lead_ins:\n  other_news: 'Elsewhere this week:'\n"
        "colors:\n  link: '#0044aa'\n",
    )
    built = render(issue_dir / "2024-01-12.yaml")
    doc = soup(built.html)
    assert doc.h1.get_text().startswith("Statecraft Weekly: ")
    assert doc.find("strong", string="Elsewhere this week:")
    assert doc.find("a", string="View this issue in your browser")["href"] == "https://example.org/weekly/2024-01-12/"
    assert doc.find("a", string="Unsubscribe from Statecraft Weekly")["href"] == "*|UNSUB|*"
    # cssutils shortens colours while inlining: #0044aa and #04a are the same colour.
    assert doc.select_one(".dw-lead a")["style"].replace(" ", "").startswith(("color:#0044aa", "color:#04a;"))
    assert "Elsewhere this week:" in built.text


def test_prior_to_publication_variant(issue_dir: Path):
    issue = issue_dir / "2024-01-12.yaml"
    issue.write_text(issue.read_text() + "state_department_line: prior-to-publication\n")
    built = render(issue)
    line = built.edition.house.state_department_lines.prior_to_publication
    assert soup(built.html).select_one(".dw-state-department").get_text().count(line) == 1
    assert line in " ".join(built.text.split())


def test_theme_folder_overrides_one_template_and_keeps_the_rest(issue_dir: Path):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    (theme / "masthead.mjml.j2").write_text(
        '<mj-section css-class="dw-band"><mj-column><mj-text css-class="dw-text">'
        '<p class="house-mast">{{ house.newsletter }} special edition</p>'
        "</mj-text></mj-column></mj-section>\n"
    )
    write_house(issue_dir, "templates: theme\n")
    doc = soup(render(issue_dir / "2024-01-12.yaml").html)
    assert doc.select_one("p.house-mast").get_text() == "Diplomacy Watch special edition"
    assert doc.h1 is not None and doc.select(".dw-other-news")  # the other parts still come from the default theme


def test_theme_with_an_unknown_mjml_tag_is_refused(issue_dir: Path):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    footer = (Path(__file__).resolve().parent.parent / "templates" / "parts" / "footer.mjml.j2").read_text()
    typo = footer.replace("<mj-section", "<mj-secton", 2).replace("<mj-secton", "<mj-section", 1)
    (theme / "footer.mjml.j2").write_text(typo)  # the second section of the footer misspelt
    write_house(issue_dir, "templates: theme\n")
    from conftest import run_cli

    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    assert result.exit_code == 2
    lines = typo.splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "<mj-secton" in text)
    column = lines[line - 1].index("<mj-secton") + 1
    # The template that holds the typo and its line, not email.mjml.j2:1:1.
    assert result.stderr.startswith(f"{theme / 'footer.mjml.j2'}:{line}:{column}: the theme uses <mj-secton>")
    assert "not an MJML component" in result.stderr
    assert not (issue_dir / "out").exists()


def test_missing_theme_folder_is_reported(issue_dir: Path):
    write_house(issue_dir, "newsletter: Diplomacy Watch\ntemplates: no-such-theme\n")
    from conftest import run_cli

    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{issue_dir / 'house.yaml'}:2:12: `templates`: the folder")


def test_the_docs_example_issue_builds(tmp_path: Path):
    from conftest import ROOT

    page = (ROOT / "docs" / "editor" / "writing.md").read_text()
    blocks = [block.split("```", 1)[0] for block in page.split("```yaml\n")[1:]]
    [example] = [block for block in blocks if block.startswith("date:")]
    issue = tmp_path / "example.yaml"
    issue.write_text(example)
    built = render(issue)
    assert built.edition.slug == "2024-01-12-special"
    doc = soup(built.html)
    assert doc.h1.get_text() == "Diplomacy Watch: Kyiv and Moscow trade “peace plans” — again"
    assert len(doc.select(".dw-teaser")) == 1
    assert doc.select_one(".dw-appeal").get_text().strip().startswith("Dear RS readers: this week")


def test_the_docs_house_example_validates(tmp_path: Path):
    from conftest import ROOT

    page = (ROOT / "docs" / "admin" / "house.md").read_text()
    blocks = [block.split("```", 1)[0] for block in page.split("```yaml\n")[1:]]
    [house] = [block for block in blocks if block.startswith("sender:")]
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    write_house(tmp_path, house)
    edition = load_edition(tmp_path / "2024-01-12.yaml")
    # Checked as the commands that send and publish check them, against each module's own settings.
    from composer.platforms.registry import PlatformSettings
    from composer.send.providers import delivery
    from composer.settings import check_section

    assert delivery(edition).provider == "smtp"
    assert check_section(edition, PlatformSettings, "platform").mailchimp.list_id == "a1b2c3d4e5"


def test_a_mistake_in_a_providers_settings_is_located_when_it_is_used(tmp_path: Path):
    from conftest import run_cli

    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    write_house(tmp_path, "delivery:\n  provider: smtp\n  smtp:\n    hots: mail.example.org\n    port: seventy\n")
    issue = tmp_path / "2024-01-12.yaml"
    # `build` never loads a provider: it builds, and the sending command says what is wrong, where.
    assert run_cli("build", issue, "-o", tmp_path / "out").exit_code == 0
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 2
    house = tmp_path / "house.yaml"
    assert [line for line in result.stderr.splitlines() if line.startswith(str(house)) and "DW506" not in line] == [
        f"{house}:4:5: unknown key `delivery.smtp.hots`; did you mean `host`?",
        f"{house}:5:11: `delivery.smtp.port` should be a whole number, but it is text",
    ]
    write_house(tmp_path, "delivery:\n  provider: smpt\n")
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith(str(house)) and "DW506" not in line]
    assert line.startswith(f"{house}:2:13: `delivery.provider` must be one of 'outbox', 'smtp', ")


def _theme_lead(issue_dir: Path, template: str) -> str:
    from conftest import run_cli

    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True, exist_ok=True)
    (theme / "lead.mjml.j2").write_text(template)
    write_house(issue_dir, "templates: theme\n")
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out")
    assert result.exit_code == 2
    assert not (issue_dir / "out").exists()
    [line] = [line for line in result.stderr.splitlines() if "template error" in line]
    return line


def test_theme_errors_point_at_the_template_line(issue_dir: Path):
    lead = issue_dir / "theme" / "parts" / "lead.mjml.j2"
    assert _theme_lead(issue_dir, "<mj-section>\n{{ 1/0 }}\n</mj-section>\n") == (
        f"{lead}:2:1: template error: ZeroDivisionError: division by zero; check the house's template overrides")
    assert _theme_lead(issue_dir, '{% include "nope.j2" %}\n') == (
        f"{lead}:1:1: template error: no template named 'nope.j2' in the theme or the house's templates")
    assert _theme_lead(issue_dir, "\n{% if %}\n").startswith(f"{lead}:2:1: template error: ")


def test_house_values_that_would_break_the_email_are_refused(tmp_path: Path):
    from conftest import run_cli

    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    write_house(tmp_path, "web_url: 'https://x.org/{date:%Y}/'\nfonts:\n  body: 'Arial; } body { background: red'\n")
    result = run_cli("build", tmp_path / "2024-01-12.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{tmp_path / 'house.yaml'}:1:10: `web_url`: the web-copy pattern may only hold")
    assert lines[1].startswith(f"{tmp_path / 'house.yaml'}:3:9: `fonts.body` has an invalid value")


def test_custom_accent_and_link_colours_get_readable_dark_twins(issue_dir: Path):
    """Without dark_accent / dark_link, dark mode once kept the built-in red beside a house's own blue."""
    import re

    from composer.model.house import contrast

    write_house(issue_dir, "colors:\n  accent: '#1a4d8f'\n  link: '#0b6e4f'\n")
    built = render(issue_dir / "2024-01-12.yaml")
    colours = built.edition.house.colors
    dark = soup(built.html).find("style", string=re.compile("prefers-color-scheme: dark")).string
    dark = dark[dark.index("prefers-color-scheme: dark"):]
    link = re.search(r"\.dw-text a \{ color: (#[0-9a-f]{6}) !important", dark)[1]
    label = re.search(r"\.dw-label \{ color: (#[0-9a-f]{6}) !important", dark)[1]
    assert (link, label) == (colours.dark_link, colours.dark_accent)
    assert link not in ("#f5b7b0", "#0b6e4f") and label not in ("#f0a39b", "#1a4d8f")
    for twin in (link, label):
        assert contrast(twin, colours.dark_background) >= 4.5
    # Still the house's hue: blue stays blue, green stays green.
    assert int(label[5:7], 16) > int(label[1:3], 16) and int(link[3:5], 16) > int(link[1:3], 16)

    write_house(issue_dir, "colors:\n  link: '#0b6e4f'\n  dark_link: '#88ddbb'\n")
    assert render(issue_dir / "2024-01-12.yaml").edition.house.colors.dark_link == "#88ddbb"  # a twin set is kept
