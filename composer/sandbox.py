"""The sandbox a house's templates run in: what they may touch, and how much work they may do.

A theme is code from outside composer (docs: Developer guide, "Trust model"). Jinja2's own
sandbox stops `__`-attributes and unsafe calls; on top of it, templates may use
attributes of plain values only (text, numbers, dates, lists, mappings, `loop`),
never of any other object, and may not change those values. Every render also
has a budget: loop steps and calls, a deadline and an output size, so that a
template that loops for ever ends with a located message instead of a hang.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Generator, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import cast

from jinja2 import Template, TemplateError, nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Far beyond what the house's templates do (a preheader of 90 steps, 40 items, 4 teasers),
# and reached in a fraction of a second by a template that loops for ever.
MAX_STEPS = 100_000
RENDER_SECONDS = 10.0  # a whole email renders in 50 ms; this is for steps that are each slow
MAX_OUTPUT = 10_000_000  # characters of one rendered template; Gmail clips an email at about 102 KB
_MAX_POWER_BITS = 100_000  # `9 ** 9 ** 9` would take hours, and print as no number can (Python's 4,300 digits)

_PLAIN = (str, int, float, date, list, tuple, dict, LoopContext)


class TemplateLimit(TemplateError):
    """A template that did more work than any theme needs."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    written: int = 0  # characters of output so far


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def tick() -> None:
    """One loop step, call or filter of the template being rendered; raises once it has done too much."""
    budget = _budget.get()
    if budget is None:
        return
    budget.steps += 1
    if budget.steps > MAX_STEPS:
        raise TemplateLimit(f"this template ran more than {MAX_STEPS:,} loop steps and calls, far more than any "
                            "theme needs; check the loop here for one that never ends")
    if budget.written > MAX_OUTPUT:
        raise _too_much_output()
    if time.monotonic() > budget.deadline:
        raise TemplateLimit(f"this template took longer than {RENDER_SECONDS:g} seconds to render; "
                            "check the loop here for one that does too much work")


def _too_much_output() -> TemplateLimit:
    return TemplateLimit(f"this template wrote more than {MAX_OUTPUT:,} characters, far more than any email "
                         "or page; check the loop here")


def _counted(iterable: Iterable) -> Iterator:
    for item in iterable:
        tick()
        yield item


class _CountedLoops(CodeGenerator):
    """Every `{% for %}` iterates through `environment.counted(…)`, so each step spends the budget."""

    def visit_For(self, node: nodes.For, frame) -> None:
        counted = copy.copy(node)
        counted.iter = nodes.Call(nodes.EnvironmentAttribute("counted"), [node.iter], [], None, None,
                                  lineno=node.lineno)
        super().visit_For(counted, frame)


class ThemeSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _CountedLoops
    intercepted_binops = frozenset({"*", "**"})
    counted = staticmethod(_counted)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return isinstance(obj, _PLAIN) and super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj, attribute):
        # The context is mappings: `issue.items` is the items, not dict.items.
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - the names Jinja's own call uses
        tick()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator, left, right):
        tick()
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right * abs(left).bit_length() > _MAX_POWER_BITS:
                raise TemplateLimit(f"{left} ** {right} is a number too large for any template; use a smaller one")
        if operator == "*" and isinstance(left, int) != isinstance(right, int):
            sized, times = (right, left) if isinstance(left, int) else (left, right)
            if isinstance(sized, (str, list, tuple)) and isinstance(times, int) and len(sized) * times > MAX_OUTPUT:
                raise TemplateLimit(f"this repeats a value {times:,} times, more than {MAX_OUTPUT:,} characters "
                                    "or entries; repeat it fewer times")
        return super().call_binop(context, operator, left, right)


def render(template: Template, context: dict) -> str:
    """The template rendered within its budget.

    Output is counted as it streams out; the template's next loop step or call refuses it once there
    is too much, so the message points at the template's own loop. Output that grows with no step
    at all (one vast text) is refused here, thrown into the template to keep a line of it.
    """
    budget = _Budget(deadline=time.monotonic() + RENDER_SECONDS)
    token = _budget.set(budget)
    try:
        chunks = []
        output = cast(Generator[str, None, None], template.generate(context))  # generate() is a generator
        for chunk in output:
            budget.written += len(chunk)
            if budget.written > 2 * MAX_OUTPUT:
                output.throw(_too_much_output())
            chunks.append(chunk)
        return "".join(chunks)
    finally:
        _budget.reset(token)
