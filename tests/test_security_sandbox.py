"""The known escapes from a Jinja2 sandbox, written as real template overrides of a house.

Each payload goes into a house's own theme, for the email (`build`) and for the
web edition (`site`) alike. None may run a command, read a file or reach Python
internals: the build ends with one located `template error` line, writes
nothing, and no secret reaches the output or the terminal.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, soup

from composer import sandbox

SECRET = "smtp-password-6b1d0e"
FILE_SECRET = "text-of-a-private-file-51c7"
TARGETS = {
    # the template overridden, and how a payload sits in it (always on line 2)
    "email": ("parts/lead.mjml.j2", "<mj-section><mj-column><mj-text>\n{}\n</mj-text></mj-column></mj-section>\n"),
    "web": ("web/content.html.j2", "<div class=\"lead\">\n{}\n</div>\n"),
}


class _OpensAFile:
    """Unpickled, it creates the marker file: proof that the template ran code."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def payloads(folder: Path) -> dict[str, str]:
    private, marker = folder / "private.json", folder / "pwned"
    pickled = json.dumps(pickle.dumps(_OpensAFile(marker), protocol=0).decode("ascii"))
    path = json.dumps(str(private))
    return {
        # pydantic's own methods on the content model: unpickling, reading files, copying models
        "parse_raw": f'{{{{ issue.parse_raw({pickled}, content_type="application/pickle", allow_pickle=True) }}}}',
        "parse_file": f"{{{{ issue.parse_file({path}) }}}}",
        "parse_file_sender": f"{{{{ house.sender.parse_file({path}).name }}}}",
        "parse_obj": f"{{{{ house.sender.parse_obj({{'name': {json.dumps(FILE_SECRET)}}}).name }}}}",
        "model_copy": "{{ house.sender.model_copy(update={'name': 'x'}).name }}",
        "model_dump": "{{ issue.model_dump() }}",
        "model_dump_json": "{{ house.model_dump_json() }}",
        "model_fields": "{{ issue.model_fields }}",
        "model_construct": "{{ house.sender.model_construct(name='x').name }}",
        "model_validate_json": f"{{{{ house.sender.model_validate_json({json.dumps(json.dumps({'name': 'x'}))}) }}}}",
        "schema_json": "{{ house.schema_json() }}",
        "copy": "{{ issue.copy().dict() }}",
        # walks to Python internals
        "class_walk": "{{ issue.__class__.__mro__[-1].__subclasses__() }}",
        "string_class_walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "number_class_walk": "{{ (1).__class__.__base__.__subclasses__() }}",
        "date_class_walk": "{{ issue.date.__class__.__init__.__globals__ }}",
        "edition_globals": "{{ edition.__init__.__globals__ }}",
        "edition_source": "{{ edition.source.path.read_text() }}",
        "house_path": "{{ edition.house_path.read_text() }}",
        "theme_dir": "{{ edition.theme_dir.joinpath('../2024-01-12.yaml').read_text() }}",
        "format": "{{ '{0.__class__.__init__.__globals__}'.format(issue) }}",
        "format_map": "{{ '{x.__class__.__mro__}'.format_map({'x': issue}) }}",
        "format_method": "{{ '{0.parse_file}'.format(issue) }}",
        "attr_filter": "{{ issue | attr('__class__') }}",
        "attr_filter_method": f"{{{{ (house.sender | attr('parse_file'))({path}) }}}}",
        "map_attribute": "{{ issue.items | map(attribute='__class__') | first }}",
        "sort_attribute": "{{ [issue, house] | sort(attribute='__class__.__init__') | list }}",
        # Jinja's own objects: loop, self, and the globals the sandbox would normally offer
        "loop_class": "{% for item in issue.items %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}",
        "loop_private": "{% for item in issue.items %}{{ loop._iterator }}{% endfor %}",
        "loop_cycle_walk": "{% for item in issue.items %}{{ loop.cycle.__func__.__globals__ }}{% endfor %}",
        "self": "{{ self.__init__.__globals__ }}",
        "self_context": "{{ self._TemplateReference__context.environment }}",
        "cycler": "{{ cycler.__init__.__globals__.os.environ['COMPOSER_SMTP_PASSWORD'] }}",
        "joiner": "{{ joiner.__init__.__globals__.os.popen('touch pwned').read() }}",
        "lipsum": "{{ lipsum.__globals__['os'].popen('touch pwned').read() }}",
        "namespace": "{{ namespace.__init__.__globals__ }}",
        "range_globals": "{{ range.__globals__ }}",
        "range_object": "{{ range(3).__class__ }}",
        "filter_function": "{{ (issue.lead | markdown).escape.__self__ }}",
        # the data is read-only
        "list_append": "{{ issue.items.append('x') }}",
        "dict_update": "{{ issue.update({'lead': 'x'}) }}",
        "dict_clear": "{{ house.colors.clear() }}",
    }


def _house(folder: Path, target: str, payload: str) -> None:
    name, wrapper = TARGETS[target]
    template = folder / "theme" / name
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(wrapper.format(payload))
    (folder / "house.yaml").write_text("templates: theme\n")
    (folder / "private.json").write_text(json.dumps({"name": FILE_SECRET}))


def _run(target: str, folder: Path, out: Path):
    if target == "email":
        return run_cli("build", folder / "2024-01-12.yaml", "-o", out)
    return run_cli("site", folder, "-o", out, "--base-url", "https://example.org/dw/")


def _command(target: str, folder: Path, out: Path) -> list[str]:
    if target == "email":
        return [sys.executable, "-m", "composer", "build", str(folder / "2024-01-12.yaml"), "-o", str(out)]
    return [sys.executable, "-m", "composer", "site", str(folder), "-o", str(out), "--base-url",
            "https://example.org/dw/"]


def _template_line(stderr: str, folder: Path, target: str) -> str:
    [line] = {x for x in stderr.splitlines() if "template error" in x}
    assert line.startswith(f"{folder / 'theme' / TARGETS[target][0]}:2:"), line
    return line


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("escape", sorted(payloads(Path("."))))
def test_a_known_sandbox_escape_reaches_nothing(issue_dir: Path, tmp_path_factory, monkeypatch, target, escape):
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", SECRET)
    monkeypatch.chdir(issue_dir)  # where a `touch pwned` would land
    _house(issue_dir, target, payloads(issue_dir)[escape])
    out = tmp_path_factory.mktemp("out") / "out"
    result = _run(target, issue_dir, out)
    assert result.exit_code == 2, result.stdout
    _template_line(result.stderr, issue_dir, target)
    assert not (issue_dir / "pwned").exists()
    assert not out.exists()
    for secret in (SECRET, FILE_SECRET):
        assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_the_documented_context_reads_as_it_always_did(issue_dir: Path, tmp_path, target):
    # `issue.items` is the issue's items (the context is mappings, whose own `items` method must not win).
    _house(issue_dir, target, "<p class='probe'>{{ edition.title | upper }} {{ issue.date.isoformat() }} "
                              "{% for item in issue.items %}{{ loop.index }}{% endfor %} {{ house.colors.text }} "
                              "{{ house.sender.name }} {{ issue['items'] | length }} {{ edition.label }}</p>"
                              "{{ issue.lead | markdown('lead') }}")
    result = _run(target, issue_dir, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    [page] = [p for p in (tmp_path / "out").rglob("*.html") if "probe" in p.read_text()]
    [probe] = soup(page.read_text()).select("p.probe")
    assert " ".join(probe.get_text().split()) == ("DIPLOMACY WATCH: TALKS ABOUT TALKS RESUME IN ISTANBUL 2024-01-12 12 "
                                                  "#1f1f1f Diplomacy Watch 2 Reporting | QiOSK")


# -- work without end ----------------------------------------------------------------------------------------

ENDLESS = {
    "nested_loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                     "ran more than 100,000 loop steps and calls"),
    "loop_over_text": ("{% for a in issue.lead * 1000 %}{% for b in issue.lead * 1000 %}{% endfor %}{% endfor %}",
                       "ran more than 100,000 loop steps and calls"),
    "macro_tree": ("{% macro grow(n) %}{% if n %}{{ grow(n - 1) }}{{ grow(n - 1) }}{% endif %}{% endmacro %}"
                   "{{ grow(64) }}", "ran more than 100,000 loop steps and calls"),
    "power": ("{{ 9 ** (9 ** 9) }}", "is a number too large for any template"),
    "repeat": ("{{ 'x' * 50000000 }}", "repeats a value 50,000,000 times"),
    "output": ("{% for i in range(100000) %}{{ house.postal_address * 100 }}{% endfor %}",
               "wrote more than 10,000,000 characters"),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", ENDLESS)
def test_a_template_that_works_without_end_is_stopped_where_it_loops(issue_dir: Path, tmp_path, target, case):
    payload, says = ENDLESS[case]
    _house(issue_dir, target, payload)
    out = tmp_path / "out"
    # A process of its own, with a timeout: without the budget this would never end.
    done = subprocess.run(_command(target, issue_dir, out), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    line = _template_line(done.stderr, issue_dir, target)
    assert says in line
    assert not out.exists()


def test_a_template_whose_every_step_is_slow_meets_the_deadline(issue_dir: Path, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.5)
    # 100,000 steps, far under the step limit, each rendering the lead's Markdown: minutes of work.
    # (Each step renders a text of its own: a text already rendered comes from the cache, at no cost.)
    _house(issue_dir, "email", "{% for i in range(100000) %}{{ (issue.lead ~ i) | markdown | length }}{% endfor %}")
    result = _run("email", issue_dir, tmp_path / "out")
    assert result.exit_code == 2
    line = _template_line(result.stderr, issue_dir, "email")
    assert "took longer than 0.5 seconds to render" in line
    assert not (tmp_path / "out").exists()
