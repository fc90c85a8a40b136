"""The package's layout stays easy to see: no import cycle, no module over 400 lines,
every check code served by one rule, and a README table that matches the tree."""

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


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """The composer modules `path` imports at run time, at any depth (lazy imports too).

    Imports under `if TYPE_CHECKING:` are left out: they never run.
    """
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name.startswith("composer"))
            elif isinstance(child, ast.ImportFrom) and (child.module or "").startswith("composer"):
                for alias in child.names:  # `from composer import markdown` imports a module
                    submodule = f"{child.module}.{alias.name}"
                    found.add(submodule if submodule in MODULES else child.module)
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


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


def test_the_import_reader_skips_type_checking_imports_only(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nfrom composer import markdown\n"
        "if TYPE_CHECKING:\n    from composer.pipeline import Rendered\n"
        "def later():\n    from composer.send.message import message_bytes\n"
    )
    assert imports_of(module) == {"composer.markdown", "composer.send.message"}


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
    from composer.model.house import House
    from composer.platforms import PLATFORMS
    from composer.send import PROVIDERS

    delivery = House.model_fields["delivery"].annotation
    assert set(PROVIDERS) == literal_values(delivery.model_fields["provider"].annotation)
    for name, module in PROVIDERS.items():
        assert (name in delivery.model_fields) == (module.SETTINGS is not None)
    platform = House.model_fields["platform"].annotation
    assert set(PLATFORMS) == literal_values(platform.model_fields["provider"].annotation)
    # The command line's help names every one of them.
    send_help, publish_help = run_cli("send", "--help").stdout, run_cli("publish", "--help").stdout
    assert all(name in send_help for name in PROVIDERS)
    assert all(name in publish_help for name in PLATFORMS)


def documented_modules() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How it works", 1)[1].split("\n## ", 1)[0]
    return {match for row in section.splitlines() if row.startswith("| `composer/")
            for match in re.findall(r"`(composer/[\w/]+\.(?:py|html|json))`", row.split("|")[1])}


def test_the_readme_module_table_matches_the_tree():
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
