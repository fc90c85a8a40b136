"""Content lost between the model and the HTML stops the build; the previous files stay."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli


def previous_build(issue_dir: Path) -> Path:
    out = issue_dir / "out"
    out.mkdir()
    (out / "2024-01-12.html").write_text("the previous HTML")
    (out / "2024-01-12.txt").write_text("the previous text")
    return out


def test_a_theme_that_drops_the_items_is_refused(issue_dir: Path):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    (theme / "other_news.mjml.j2").write_text("<mj-section><mj-column><mj-text><p>No news.</p></mj-text>"
                                              "</mj-column></mj-section>\n")
    (issue_dir / "house.yaml").write_text("templates: theme\n")
    out = previous_build(issue_dir)
    issue = issue_dir / "2024-01-12.yaml"
    result = run_cli("build", issue, "-o", out)
    assert result.exit_code == 2
    message = ("is missing from the finished HTML (the theme or the HTML tools dropped it); nothing was written; "
               "shorten the text, or check the house's template overrides")
    assert result.stderr.strip().splitlines() == [
        f"{issue}:12:5: the text of `items[0]` {message}",
        f"{issue}:13:5: the text of `items[1]` {message}",
    ]
    assert (out / "2024-01-12.html").read_text() == "the previous HTML"


def test_a_theme_that_keeps_every_part_builds(issue_dir: Path):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    (theme / "masthead.mjml.j2").write_text("<mj-section><mj-column><mj-text><p>Masthead</p></mj-text>"
                                            "</mj-column></mj-section>\n")
    (issue_dir / "house.yaml").write_text("templates: theme\n")
    assert run_cli("build", issue_dir / "2024-01-12.yaml", "-o", issue_dir / "out").exit_code == 0


def test_text_over_ten_megabytes_never_vanishes_from_the_html(issue_dir: Path):
    issue = issue_dir / "2024-01-12.yaml"
    huge = "word " * (11_000_000 // 5)
    issue.write_text(issue.read_text().replace('"We are listening," one of them said.', huge.strip()))
    out = previous_build(issue_dir)
    result = run_cli("build", issue, "-o", out)
    assert result.exit_code == 2
    # Refused inside the lead, whether by a size limit before rendering or by the check after it.
    located = re.match(rf"{re.escape(str(issue))}:(\d+):\d+: ", result.stderr.strip().splitlines()[0])
    assert located, result.stderr[:300]
    line = int(located.group(1))
    assert line >= 6 and "word word" in issue.read_text().splitlines()[line - 1]
    assert (out / "2024-01-12.html").read_text() == "the previous HTML"
    assert (out / "2024-01-12.txt").read_text() == "the previous text"


def test_a_theme_that_drops_the_dek_is_refused_at_the_dek(issue_dir: Path):
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    header = (Path(__file__).parent.parent / "templates" / "parts" / "header.mjml.j2").read_text()
    (theme / "header.mjml.j2").write_text("\n".join(line for line in header.splitlines() if "dek" not in line))
    (issue_dir / "house.yaml").write_text("templates: theme\n")
    out = previous_build(issue_dir)
    issue = issue_dir / "2024-01-12.yaml"
    result = run_cli("build", issue, "-o", out)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    dek_line = next(n for n, text in enumerate(issue.read_text().splitlines(), 1) if text.startswith("dek:"))
    assert line.startswith(f"{issue}:{dek_line}:") and "the text of `dek` is missing" in line
    assert (out / "2024-01-12.html").read_text() == "the previous HTML"


def test_a_theme_without_the_legal_footer_is_refused(issue_dir: Path):
    """An empty footer override would drop the unsubscribe link and the postal address every email must carry."""
    theme = issue_dir / "theme" / "parts"
    theme.mkdir(parents=True)
    (theme / "footer.mjml.j2").write_text("")
    house = issue_dir / "house.yaml"
    house.write_text("templates: theme\nappeal: false\nsubscribe: false\n")
    out = previous_build(issue_dir)
    result = run_cli("build", issue_dir / "2024-01-12.yaml", "-o", out)
    assert result.exit_code == 2
    missing = [re.search(r"the house's `(\w+)` is missing", line) for line in result.stderr.strip().splitlines()]
    assert [m.group(1) for m in missing if m] == ["postal_address", "unsubscribe_url"]
    assert all(line.startswith(f"{house}:1:1: ") for line in result.stderr.strip().splitlines())
    assert (out / "2024-01-12.html").read_text() == "the previous HTML"
