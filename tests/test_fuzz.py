"""Fuzzing: whatever the file holds, `build` either succeeds or says where the file is wrong.

Hypothesis feeds the loader and the build three kinds of input: YAML documents
dumped from random structures (issue keys mixed with random ones, random
Unicode), random text, and the example issues and house.yaml with bytes cut,
inserted, duplicated or swapped. Every outcome must be a build or a
ComposerError whose every problem has a file, a line, a column and a message;
any other exception, or a run past the deadline, fails. `make test` runs a
bounded number of examples; `make fuzz` runs many more (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import io
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from composer.commands.build import build
from composer.diagnostics import ComposerError
from composer.loader import load_edition

_common = dict(deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow], database=None)
settings.register_profile("bounded", max_examples=40, **_common)
settings.register_profile("fuzz", max_examples=3000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))

ISSUE_KEYS = ["date", "kind", "section", "headline", "dek", "authors", "subject", "preheader", "image", "lead",
              "items", "state_department", "state_department_line", "teasers", "footer", "slug", "silence",
              "url", "alt", "height", "width", "credit", "label", "summary", "appeal", "subscribe"]
EXAMPLE_ISSUES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "house.yaml")
HOUSE = (EXAMPLES / "house.yaml").read_bytes()

scalars = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["2024-01-12", "Reporting", "Analysis", "[AP](https://apnews.com/)", "https://example.org/x.jpg",
                     "javascript:alert(1)", "<b>x</b>", "- x", "# x", "", "\u202e", "\x00", "a\r\nb"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(ISSUE_KEYS), st.text(max_size=12)), inner, max_size=8),
    ),
    max_leaves=40,
)


def dumped(data: object) -> bytes:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    return stream.getvalue().encode("utf-8")


@st.composite
def mutated(draw, originals: list[bytes]) -> bytes:
    """One of the originals with a few random edits: the slips and pastes editors (and attackers) make."""
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "duplicate", "swap", "byte"]))
        if kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.one_of(st.text(max_size=20).map(str.encode), st.binary(max_size=8),
                                         st.sampled_from([b"\n", b": ", b"- ", b"'", b'"', b"[", b"{", b"&a ", b"*a",
                                                          b"!!python/object ", b"|", b">", b"\t", b"#", b"\\"])))
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
        elif kind == "swap":
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        elif data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def built_or_located(folder: Path, issue: bytes, house: bytes | None = HOUSE) -> None:
    """The property: a build, or located problems. Anything else propagates and fails the test."""
    path = folder / "2024-01-12.yaml"
    path.write_bytes(issue)
    if house is None:
        (folder / "house.yaml").unlink(missing_ok=True)
    else:
        (folder / "house.yaml").write_bytes(house)
    shutil.rmtree(folder / "out", ignore_errors=True)
    try:
        load_edition(path)
        build([path], folder / "out")
    except ComposerError as error:
        assert error.diagnostics
        for problem in error.diagnostics:
            assert problem.path in (str(path), str(folder / "house.yaml")), problem
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message.strip() and "\n" not in str(problem), problem
        assert not (folder / "out").exists()


@given(data=documents)
def test_random_yaml_documents(folder: Path, data: object):
    built_or_located(folder, dumped(data), house=None)


@given(text=st.text(max_size=400))
def test_random_text(folder: Path, text: str):
    built_or_located(folder, text.encode("utf-8", "surrogatepass"), house=None)


@given(issue=mutated([p.read_bytes() for p in EXAMPLE_ISSUES]))
def test_mutated_examples(folder: Path, issue: bytes):
    built_or_located(folder, issue)


@given(house=mutated([HOUSE]))
def test_mutated_house(folder: Path, house: bytes):
    built_or_located(folder, EXAMPLE_ISSUES[0].read_bytes(), house)
