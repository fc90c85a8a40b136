"""How the command line's help reads: commands in the week's order, flags without a `<bool>` tag, examples last."""

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


# `composer --help` lists the commands in the order of an editor's week; any other follows, as defined.
WEEK = ("new", "preview", "check", "explain", "build", "send", "publish", "broadcast", "ledger", "site", "schema",
        "suppressions")


class Group(_Flags, TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        defined = super().list_commands(ctx)
        return sorted(defined, key=lambda name: WEEK.index(name) if name in WEEK else len(WEEK))


def examples(*lines: str) -> str:
    """The end of a command's help: a couple of typical uses."""
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
