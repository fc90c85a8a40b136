"""`composer new` starts a week from a skeleton that refuses to build until it is filled in;
`composer schema` gives editors' YAML editors the same rules the models enforce."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, example_paths, run_cli
from jsonschema import Draft202012Validator
from test_bad_input import problems

from composer.commands.new import next_date
from composer.model.issue import Issue
from composer.yamlsource import load_yaml

# The bad fixtures that a schema can judge: wrong types, unknown keys, missing fields, bad enums and dates.
SCHEMA_MATTERS = [
    "appeal-true.yaml", "bad-date.yaml", "bad-kind.yaml", "date-as-number.yaml", "empty.yaml", "image-without-alt.yaml",
    "image-without-height.yaml", "items-not-a-list.yaml", "missing-headline.yaml", "no-items.yaml",
    "not-a-mapping.yaml", "too-many-teasers.yaml", "unknown-key.yaml", "unknown-nested-key.yaml", "wrong-type.yaml",
]
TO_FILL = ["kind", "section", "headline", "dek", "lead", "items[0]", "items[1]", "items[2]"]


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "issues"
    shutil.copytree(EXAMPLES, folder)
    return folder


def schema(*args: str) -> dict:
    result = run_cli("schema", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def validator(*args: str) -> Draft202012Validator:
    found = schema(*args)
    assert found["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(found)
    return Draft202012Validator(found, format_checker=Draft202012Validator.FORMAT_CHECKER)


# -- composer new ---------------------------------------------------------------

def test_new_writes_the_friday_after_the_latest_example_and_the_schema_beside_it(examples_copy: Path):
    latest = max(date.fromisoformat(p.stem) for p in example_paths())
    result = run_cli("new", examples_copy)
    assert result.exit_code == 0, result.stderr
    made = examples_copy / "2023-11-24.yaml"
    assert (made.name, date.fromisoformat(made.stem).strftime("%A")) == ("2023-11-24.yaml", "Friday")
    assert (date.fromisoformat(made.stem) - latest).days == 7
    text = made.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./issue.schema.json"
    written = json.loads((examples_copy / "issue.schema.json").read_text())
    assert written == schema()
    # Every field of the issue is named, in house order, with the house's limits in its comment.
    fields = ("date", "status", "kind", "section", "headline", "dek", "authors", "subject", "preheader", "image",
              "lead", "items", "state_department", "state_department_line", "state_department_note", "teasers",
              "footer", "slug", "silence")
    order = [text.index(f"\n{field}:") if f"\n{field}:" in text else text.index(f"\n# {field}:") for field in fields]
    assert order == sorted(order)
    assert set(fields) == set(Issue.model_fields)
    assert "8 to 15 paragraphs" in text and "3 to 6 items" in text and "link to its source" in text
    assert load_yaml(made).data["date"] == "2023-11-24"
    assert load_yaml(made).data["status"] == "draft"  # next week stays off the site until it is ready


def test_building_the_untouched_skeleton_lists_every_field_to_fill_at_its_line(examples_copy: Path, tmp_path: Path):
    assert run_cli("new", examples_copy).exit_code == 0
    made = examples_copy / "2023-11-24.yaml"
    out = tmp_path / "out"
    result = run_cli("build", made, "-o", out)
    assert result.exit_code == 2 and result.stdout == ""
    reported = problems(result.stderr)
    assert [message.split("`")[1] for *_, message in reported] == TO_FILL
    lines = made.read_text().splitlines()
    for path, line, column, message in reported:
        assert path == str(made)
        field = message.split("`")[1]
        key = field.split("[")[0]
        source_line = lines[line - 1]
        if key == "items":
            assert line == lines.index("items:") + 2 + int(field[-2]), field
            assert source_line == '  - ""'
        else:
            assert source_line.startswith(f"{key}:"), (field, source_line)
        assert column > 1
    assert "is empty" in reported[0][3] and "'Reporting' or 'Analysis'" in reported[0][3]
    assert not out.exists()


def test_new_never_overwrites_and_takes_a_date(examples_copy: Path):
    existing = examples_copy / "2023-11-17.yaml"
    before = existing.read_bytes()
    result = run_cli("new", examples_copy, "--date", "2023-11-17")
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert path == str(existing) and "never overwrites" in message
    assert existing.read_bytes() == before

    assert run_cli("new", examples_copy, "--date", "2023-12-05").exit_code == 0
    assert (examples_copy / "2023-12-05.yaml").exists()
    again = (examples_copy / "2023-12-05.yaml").read_bytes()
    assert run_cli("new", examples_copy, "--date", "2023-12-05").exit_code == 2
    assert (examples_copy / "2023-12-05.yaml").read_bytes() == again

    result = run_cli("new", examples_copy, "--date", "2023-13-01")
    # A bad option, not a problem in a file: one line, and no file:line:col in front of it.
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --date '2023-13-01' is not a date; write it as YYYY-MM-DD"


def test_new_copies_the_teasers_and_authors_of_an_earlier_issue(examples_copy: Path):
    earlier = examples_copy / "2023-09-22.yaml"
    assert run_cli("new", examples_copy, "--from", earlier).exit_code == 0
    made = load_yaml(examples_copy / "2023-11-24.yaml").data
    source = load_yaml(earlier).data
    assert made["teasers"] == source["teasers"] and made["authors"] == source["authors"]
    assert made["headline"] == "" and "lead" in made  # nothing else carries over


def test_new_from_a_file_that_cannot_be_read_says_so_in_one_line(examples_copy: Path):
    broken = examples_copy.parent / "broken.yaml"
    broken.write_text("teasers: [\n")
    for source, words in ((broken, "YAML syntax error"),
                          (examples_copy.parent / "missing.yaml", "file not found")):
        result = run_cli("new", examples_copy, "--from", source)
        assert result.exit_code == 2
        [(path, line, column, message)] = problems(result.stderr)
        assert path == str(source) and words in message
    assert not (examples_copy / "2023-11-24.yaml").exists()


def test_new_follows_the_house_schedule(tmp_path: Path):
    (tmp_path / "house.yaml").write_text("schedule: tuesday\n")
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")  # a Friday
    assert run_cli("new", tmp_path).exit_code == 0
    assert (tmp_path / "2024-01-16.yaml").exists()
    assert next_date(tmp_path, "tuesday", date(2030, 1, 1)) == date(2024, 1, 23)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert next_date(empty, "friday", date(2024, 3, 6)) == date(2024, 3, 8)
    assert next_date(empty, "friday", date(2024, 3, 8)) == date(2024, 3, 8)


def test_a_schedule_that_is_not_a_weekday_is_refused_in_house_yaml(tmp_path: Path):
    (tmp_path / "house.yaml").write_text("schedule: fortnightly\n")
    result = run_cli("new", tmp_path)
    assert result.exit_code == 2
    [(path, line, column, message)] = problems(result.stderr)
    assert (path, line, column) == (str(tmp_path / "house.yaml"), 1, 11)
    assert "friday" in message and not list(tmp_path.glob("*.json"))


# -- composer schema ------------------------------------------------------------

def test_the_schema_accepts_every_example_and_every_good_fixture():
    issues = validator()
    good = [*example_paths(), *sorted((FIXTURES / "good").glob("*.yaml")),
            *sorted((FIXTURES / "check").glob("*-good.yaml")), FIXTURES / "check" / "base.yaml",
            FIXTURES / "logo-house" / "2024-01-12.yaml", FIXTURES / "check-tracking-good" / "2023-03-17.yaml"]
    assert len(good) > 25
    for path in good:
        errors = [error.message for error in issues.iter_errors(load_yaml(path).data)]
        assert errors == [], path


def test_the_house_schema_accepts_every_house_and_declares_delivery_and_platform():
    houses = validator("--house")
    for path in [EXAMPLES / "house.yaml", *sorted(FIXTURES.glob("*/house.yaml"))]:
        if path.parent.name == "bad-house":
            continue
        assert [e.message for e in houses.iter_errors(load_yaml(path).data)] == [], path
    found = houses.schema
    delivery = found["$defs"]["Delivery"]["properties"]
    assert delivery["provider"]["enum"][0] == "outbox" and "smtp" in delivery
    assert found["$defs"]["PlatformSettings"]["properties"]["provider"]
    assert found["properties"]["schedule"]["enum"][4] == "friday"
    assert not houses.is_valid({"delivery": {"provider": "carrier-pigeon"}})
    assert not houses.is_valid({"social": [{"name": "X"}]})
    assert houses.is_valid({"appeal": False, "subscribe": False, "social": [{"name": "X", "url": "https://x.com/a"}]})


@pytest.mark.parametrize("name", SCHEMA_MATTERS)
def test_the_schema_rejects_each_bad_fixture_that_is_a_schema_matter(name: str):
    assert not validator().is_valid(load_yaml(FIXTURES / "bad" / name).data)


def test_the_schema_rejects_a_bad_house():
    assert not validator("--house").is_valid(load_yaml(FIXTURES / "bad-house" / "house.yaml").data)


def test_every_field_has_a_description_and_enums_list_their_values():
    found = schema()

    def walk(node: dict, where: str):
        for name, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{where}.{name} has no description"
        for name, child in found.get("$defs", {}).items() if where == "issue" else ():
            walk(child, name)

    walk(found, "issue")
    assert found["properties"]["kind"]["enum"] == ["Reporting", "Analysis"]
    assert found["properties"]["state_department_line"]["enum"] == ["standard", "prior-to-publication"]
    assert "`false`" in found["$defs"]["FooterOverride"]["properties"]["appeal"]["description"]
    issues = Draft202012Validator(found)
    minimal = load_yaml(FIXTURES / "good" / "minimal.yaml").data
    for appeal, valid in (("Dear RS readers: a word.", True), (False, True), (None, True), (True, False), ("", False)):
        assert issues.is_valid({**minimal, "footer": {"appeal": appeal, "subscribe": appeal}}) is valid, appeal


def test_schema_o_writes_the_file(tmp_path: Path):
    target = tmp_path / "issue.schema.json"
    result = run_cli("schema", "-o", target)
    assert result.exit_code == 0 and str(target) in result.stdout
    assert json.loads(target.read_text()) == schema()
    result = run_cli("schema", "--house", "-o", tmp_path / "house.schema.json")
    assert json.loads((tmp_path / "house.schema.json").read_text())["title"].endswith("house config")


def _undescribed(node, path: str = "") -> list[str]:
    """Every property, at any depth, that an editor's hover help would show with no text."""
    found: list[str] = []
    if isinstance(node, dict):
        for name, field in node.get("properties", {}).items():
            if "description" not in field:
                found.append(f"{path}.{name}")
        for key, value in node.items():
            found += _undescribed(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            found += _undescribed(value, path)
    return found


@pytest.mark.parametrize("args", [(), ("--house",)], ids=["issue", "house"])
def test_every_field_has_hover_help(args):
    assert _undescribed(schema(*args)) == []
