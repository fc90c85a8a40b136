"""How the command line's help reads: flags without a `<bool>` tag, and examples at the end."""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup


class _Flags:
    """Help without a type tag after on/off flags: `--yes` takes no value, so `<bool>` would mislead."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
        return params


class Command(_Flags, TyperCommand):
    pass


class Group(_Flags, TyperGroup):
    pass


def examples(*lines: str) -> str:
    """The end of a command's help: a couple of typical uses."""
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
