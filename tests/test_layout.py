"""The package's layout stays easy to see: no import cycle (type-only imports count), the content model
independent of the providers and platforms, imports at the top of their modules but for a short list of
heavy ones, no module over 400 lines, every check code served by one rule, and a module table in the
docs (docs/developer/architecture.md) that matches the tree."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

from conftest import ROOT, run_cli

PACKAGE = ROOT / "composer"
LONGEST = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path) -> set[str]:
    """The composer modules `path` imports, at any depth: lazy imports, and those under `if TYPE_CHECKING:`
    too, which are edges of the design even when they never run."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("composer"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("composer"):
            for alias in node.names:  # `from composer import markdown` imports a module
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return found


# The only imports inside functions: each is heavy, and most commands never need it. Everything
# else is imported at the top of its module, where a reader sees what the module depends on.
LAZY = {
    "composer.commands": "cli.py loads the one command that runs: `build` never loads the senders or the preview",
    "composer.progress": "cli.py: rich, for a broadcast's progress bar only",
    "composer.send.letter": "the message's headers and MIME: `build` loads it only for --eml, `check` for --spam",
    "composer.render_html": "premailer, mjml-python, cssutils: half of the start-up; a refused file never pays",
    "email_validator": "34 ms, only when an address is checked (a house that sets one, a send)",
    "boto3": "300 ms, only for a house that sends through SES (the optional `ses` extra)",
    "botocore": "boto3's own",
    "jwt": "only for publishing to Ghost",
    "feedgen": "only for the web edition's Atom feed",
    "composer.links.fetch": "httpx, trafilatura and Pillow: only when `check --links` fetches",
    "tld": "the Public Suffix List, read only when links were fetched and one was redirected",
    "uvicorn": "only for the preview and the unsubscribe endpoint",
    "multiprocessing": "parallel.py: a process pool, only for a folder of 8 issues or more",
    "concurrent.futures": "parallel.py: the same",
    "watchfiles": "only for the preview",
}


def lazy_imports(path: Path) -> set[str]:
    """What `path` imports inside functions."""
    found: set[str] = set()
    for function in ast.walk(ast.parse(path.read_text())):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module:
                    found.add(node.module)
    return found


def test_imports_are_at_the_top_but_for_a_few_heavy_ones():
    stray = {str(path.relative_to(ROOT)): sorted(name for name in lazy_imports(path)
                                                  if not any(name == ok or name.startswith(ok + ".") for ok in LAZY))
             for path in MODULES.values()}
    assert not {path: names for path, names in stray.items() if names}


def test_the_content_model_imports_no_provider_or_platform():
    model = {name: imports_of(path) for name, path in MODULES.items() if name.startswith("composer.model")}
    reached: set[str] = set()
    todo = [name for imported in model.values() for name in imported]
    while todo:  # everything the model reaches, through any module
        name = todo.pop()
        if name not in reached and name in MODULES:
            reached.add(name)
            todo += imports_of(MODULES[name])
    assert not {name for name in reached if name.startswith(("composer.send", "composer.platforms"))}


def test_build_loads_no_sending_platform_or_network_code():
    import subprocess
    import sys

    probe = ("import sys; from composer.cli import main; sys.argv = ['composer', 'build', 'examples/', '-o', sys.argv[1]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith(('composer.send', "
             "'composer.platforms', 'httpx', 'boto3', 'smtplib', 'uvicorn', 'starlette'))))")
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, "-c", probe, out], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def walk(module: str) -> list[str] | None:
        state[module] = "open"
        trail.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                return trail[trail.index(imported):] + [imported]
            if imported not in state and (cycle := walk(imported)):
                return cycle
        state[module] = "done"
        trail.pop()
        return None

    for module in sorted(graph):
        if module not in state and (cycle := walk(module)):
            return cycle
    return None


def test_no_import_cycle_in_the_package():
    graph = {name: imports_of(path) - {name} for name, path in MODULES.items()}
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) is None


def test_the_import_reader_counts_type_checking_and_lazy_imports(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nfrom composer import markdown\n"
        "if TYPE_CHECKING:\n    from composer.pipeline import Rendered\n"
        "def later():\n    from composer.send.letter import Letter\n    import boto3\n"
    )
    assert imports_of(module) == {"composer.markdown", "composer.pipeline", "composer.send.letter"}
    assert lazy_imports(module) == {"composer.send.letter", "boto3"}


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values() if (n := len(p.read_text().splitlines())) > LONGEST}
    assert not long, f"split these modules: {long}"


def test_every_check_code_is_reported_by_exactly_one_rule():
    from composer.checks.registry import RULES
    from composer.codes import CODES, REFUSALS

    owners: dict[str, list[str]] = {}
    for codes, function in RULES:
        for code in codes:
            owners.setdefault(code, []).append(function.__name__)
    assert set(owners) == set(CODES) - REFUSALS
    assert all(len(functions) == 1 for functions in owners.values()), owners


def literal_values(annotation) -> set:
    """The values a Literal (inside an Optional, or not) allows."""
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    return set().union(*(literal_values(arg) for arg in typing.get_args(annotation)))


def test_house_settings_follow_the_provider_and_platform_modules():
    from composer.platforms.registry import PLATFORMS, PlatformSettings
    from composer.send.providers import PROVIDERS, Delivery

    assert set(PROVIDERS) == literal_values(Delivery.model_fields["provider"].annotation)
    for name, module in PROVIDERS.items():
        assert (name in Delivery.model_fields) == (module.SETTINGS is not None)
    assert set(PLATFORMS) == literal_values(PlatformSettings.model_fields["provider"].annotation)
    for name, module in PLATFORMS.items():
        assert (name in PlatformSettings.model_fields) == (module.SETTINGS is not None)
    # The command line's help names every one of them.
    send_help, publish_help = run_cli("send", "--help").stdout, run_cli("publish", "--help").stdout
    assert all(name in send_help for name in PROVIDERS)
    assert all(name in publish_help for name in PLATFORMS)


def documented_modules() -> set[str]:
    page = (ROOT / "docs" / "developer" / "architecture.md").read_text()
    return {match for row in page.splitlines() if row.startswith("| `composer/")
            for match in re.findall(r"`(composer/[\w/]+\.(?:py|html|json))`", row.split("|")[1])}


def test_the_docs_module_table_matches_the_tree():
    def worth_a_row(path: Path) -> bool:
        if path.name == "__main__.py":
            return False
        if path.name == "__init__.py":  # a package's __init__ that holds more than its docstring
            body = ast.parse(path.read_text()).body
            return len(body) > 1 or not isinstance(body[0], ast.Expr)
        return True

    files = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*") if p.suffix in (".py", ".html", ".json")}
    tree = {f for f in files if not f.endswith(".py") or worth_a_row(ROOT / f)}
    assert documented_modules() == tree
