"""Which parts of the built HTML Gmail, Apple Mail and Outlook do not support.

Runs the caniemail data (the npm package doiuse-email, installed into
benchmarks/.node on first use) over every example issue, then prints each
feature it flags, the clients concerned, and the fallback that keeps the
email working there. A flagged feature with no fallback named below is
UNHANDLED, and the script exits with 1.

    python benchmarks/compat_report.py              # the report
    python benchmarks/compat_report.py --markdown   # the same, as the table in docs/developer/mail-clients.md
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = Path(__file__).resolve().parent / ".node"
DOIUSE_VERSION = "0.4.1"
CLIENTS = "gmail.*,apple-mail.*,outlook.*"

sys.path.insert(0, str(ROOT))

# Every feature the data flags for our HTML, and why the email still works where it is missing.
FALLBACKS = {
    "@media": "Phone and dark-mode rules are extras: the layout is a fluid 600px column that already "
    "fits a phone, and the light colours stay readable where dark mode is not applied.",
    "!important keyword": "Only used inside the @media rules; where it is dropped "
    "the inlined light-mode style applies.",
    "<body> element": "The page colour is also set on MJML's wrapper div, so clients that drop <body> keep it.",
    "Chaining selectors": "Everything needed to read the email is inlined by premailer; <style> only adds refinements.",
    "Class selector": "Everything needed to read the email is inlined by premailer; <style> only adds refinements.",
    "Descendant combinator": "Everything needed to read the email is inlined by premailer; "
    "<style> only adds refinements.",
    "ID selector": "Only in MJML's Outlook.com reset (#outlook a); harmless where ignored.",
    "Type selector": "Everything needed to read the email is inlined by premailer; <style> only adds refinements.",
    "aria-label attribute": "Extra information for screen readers; ignoring it loses nothing visible.",
    "role attribute": "role=presentation only helps screen readers; the tables still lay out.",
    "dir attribute": "The text is left-to-right, which is every client's default.",
    "direction": "The text is left-to-right, which is every client's default.",
    "display:none": "The preheader is also hidden by max-height:0, font-size:1px, opacity:0 and mso-hide:all; "
    "one of them works in each client.",
    "display": "Columns fall back to full-width blocks, which is the single-column layout anyway.",
    "opacity": "One of several ways the preheader is hidden (see display:none).",
    "overflow": "One of several ways the preheader is hidden (see display:none).",
    "outline": "Part of MJML's image reset; only matters for linked images, which have no outline anyway.",
    "word-break": "Only lets very long words wrap; the text has none.",
    "background": "Outlook paints the bgcolor attribute that MJML writes beside it.",
    "border-radius": "Outlook draws the donate button and the logo plate with square corners; both still show.",
    "border": "The quote bar and the rule may look thinner in Outlook; the text is unaffected.",
    "font-weight": "Headings are also larger, so they still stand out if bold is lost.",
    "height attribute": "Outlook sizes images by the attribute; elsewhere the inline height:auto keeps their shape.",
    "width attribute": "Images also carry a CSS width; Outlook uses the attribute, others the CSS.",
    "letter-spacing": "Only spaces out the label line; without it the label still reads.",
    "line-height": "Outlook uses its own line height; the text still reads.",
    "margin": "Paragraph spacing; MJML pads the surrounding cells too, so blocks stay apart.",
    "max-width": "MJML wraps the column in an Outlook-only 600px table (mso conditional comments).",
    "padding": "MJML puts the padding on table cells, where Outlook honours it.",
    "text-align": "Text is left-aligned, every client's default; the centred footer also uses align=center.",
    "text-decoration": "Links keep the client's default underline where the inlined one is dropped.",
    "text-transform": "The label line is typed in its own case, so it still reads without upper case.",
}

LINE = re.compile(r"^`(?P<feature>.+?)` is (?P<how>not supported|only partially supported) by `(?P<client>.+?)`")


def doiuse() -> list[str]:
    cli = NODE_DIR / "node_modules" / "doiuse-email" / "bin" / "cli.js"
    if not cli.exists():
        if not shutil.which("npm"):
            sys.exit("npm is needed to install doiuse-email (apt-get install npm)")
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR),
             f"doiuse-email@{DOIUSE_VERSION}"],
            check=True,
        )
    return ["node", str(cli), "-e", CLIENTS]


def flagged(html_files: list[Path]) -> dict[str, dict[str, set[str]]]:
    """feature -> {"not supported": clients, "only partially supported": clients}"""
    command = doiuse()
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in html_files:
        result = json.loads(subprocess.run([*command, str(path)], check=True, capture_output=True, text=True).stdout)
        for message in result.get("errors", []) + result.get("warnings", []):
            match = LINE.match(message)
            if not match:
                raise SystemExit(f"unexpected doiuse-email message: {message}")
            found[match["feature"]][match["how"]].add(match["client"])
    return found


def built_examples(folder: Path) -> list[Path]:
    from composer.pipeline import issue_files, render

    paths = []
    for issue in issue_files([ROOT / "examples"]):
        path = folder / f"{issue.stem}.html"
        path.write_text(render(issue).html)
        paths.append(path)
    return paths


def main() -> int:
    markdown = "--markdown" in sys.argv
    with tempfile.TemporaryDirectory() as scratch:
        found = flagged(built_examples(Path(scratch)))
    unhandled = sorted(f for f in found if f not in FALLBACKS)
    if markdown:
        print("| feature | not supported in | partly supported in | fallback |")
        print("|---|---|---|---|")
    for feature in sorted(found, key=str.lower):
        clients = found[feature]
        missing = ", ".join(sorted(clients.get("not supported", ()))) or "–"
        partial = ", ".join(sorted(clients.get("only partially supported", ()))) or "–"
        fallback = FALLBACKS.get(feature, "UNHANDLED")
        if markdown:
            print(f"| `{feature}` | {missing} | {partial} | {fallback} |")
        else:
            print(f"{feature}\n  not supported: {missing}\n  partly supported: {partial}\n  fallback: {fallback}")
    names = f": {', '.join(unhandled)}" if unhandled else ""
    print(f"\n{len(found)} features flagged, {len(unhandled)} unhandled" + names)
    return 1 if unhandled else 0


if __name__ == "__main__":
    sys.exit(main())
