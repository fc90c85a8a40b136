"""Locating findings stays linear in the size of the file: thousands of items are no hang."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import FIXTURES, run_cli


def many_items(folder: Path, count: int) -> Path:
    head = (FIXTURES / "good" / "minimal.yaml").read_text().split("items:")[0]
    items = "".join(f"  - On Wednesday, round {n} went on, according to [the AP](https://apnews.com/same).\n"
                    for n in range(count))
    path = folder / "2024-01-12.yaml"
    path.write_text(head + "items:\n" + items)
    return path


class CountingText(str):
    """The issue's text, counting how often something splits all of it into lines."""

    splits = 0

    def splitlines(self, *args, **kwargs):
        CountingText.splits += 1
        return super().splitlines(*args, **kwargs)


def test_locating_every_finding_does_not_reread_the_file(tmp_path: Path, monkeypatch):
    import composer.loader as loader

    issue = many_items(tmp_path, 40)  # the most an issue may hold (the `items` field in the docs' reference)
    real_load = loader.load_yaml

    def load_counting(path):
        source = real_load(path)
        source.text = CountingText(source.text)
        return source

    monkeypatch.setattr(loader, "load_yaml", load_counting)
    CountingText.splits = 0
    result = run_cli("check", issue)
    # The same link in every item: each repeat is a finding located inside its item's text.
    findings = [line for line in result.stdout.splitlines() if "DW302" in line]
    assert len(findings) == 39
    assert findings[-1].startswith(f"{issue}:51:59: ")
    assert CountingText.splits <= 5  # not once per finding


def test_locating_is_linear_not_quadratic(tmp_path: Path):
    # 20,000 lookups in a 20,000-line text: instant when the lines are indexed once; minutes when
    # each lookup splits the whole text again. The timeout is generous, far above either machine's noise.
    script = textwrap.dedent("""
        from pathlib import Path
        from composer.yamlsource import Source
        text = "".join(f"  - item number {n} with some words\\n" for n in range(20000))
        source = Source(Path("x.yaml"), text)
        for n in range(20000):
            source.values[("items", n)] = (n + 1, 5)
        for n in range(20000):
            assert source.locate(("items", n), f"number {n} ") == (n + 1, 10)
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
