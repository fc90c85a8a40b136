"""From files on disk to a validated Edition, or to a list of located problems."""

from __future__ import annotations

import difflib
import os
import typing
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError, create_model

from composer import limits
from composer.codes import INVALID
from composer.diagnostics import ComposerError, Diagnostic
from composer.model.edition import Edition
from composer.model.fields import UNION_TAGS, Model
from composer.model.house import House
from composer.model.issue import Issue
from composer.yamlsource import Source, load_yaml

HOUSE_FILE = "house.yaml"
M = TypeVar("M", bound=BaseModel)


def _describe(value: object) -> str:
    # bool before int: in Python, True is an int too.
    for kind, words in (
        (dict, "a group of keys"),
        (list, "a list"),
        (str, "text"),
        (bool, "true or false"),
        (int, "a whole number"),
        (float, "a number"),
    ):
        if isinstance(value, kind):
            return words
    return "empty" if value is None else type(value).__name__


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _nested_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found:
            return found
    return None


def _keys_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys an editor may write in the mapping at `loc`."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        current = _nested_model(field.annotation) if field else None
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _message(model: type[BaseModel], error: dict, value_at_loc: object) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    name = _field_path(loc)
    if kind == "missing":
        field = loc[-1]
        where = f" under `{_field_path(loc[:-1])}`" if len(loc) > 1 else ""
        if error.get("in_braces"):  # `image: {url: …, alt: …}`: a line of its own would not fit there
            return f"`{field}` is missing; add `, {field}: …` inside the braces of `{_field_path(loc[:-1])}`"
        return f"`{field}` is missing; add a line `{field}: …`{where}{error.get('beside', '')}"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _keys_at(model, loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else "allowed keys here: " + ", ".join(allowed)
        return f"unknown key `{name}`; {hint}"
    if kind == "text_or_false":
        found = "true" if value_at_loc is True else _describe(value_at_loc)
        return f"`{name}` should be Markdown text, or false to print none, but it is {found}"
    if kind == "literal_error" and error.get("input") == "":
        return f"`{name}` is empty; write one of {ctx.get('expected')}"
    if kind == "literal_error":
        return f"`{name}` must be one of {ctx.get('expected')}, not {error.get('input')!r}"
    if kind in ("string_type", "int_type", "int_parsing", "date_type", "list_type", "model_type", "dict_type"):
        wanted = {
            "string_type": "text (put it in quotes if it looks like a number, date or true/false)",
            "int_type": "a whole number",
            "int_parsing": "a whole number",
            "date_type": "a date written as YYYY-MM-DD",
            "list_type": "a list, with each entry on its own line starting with '- '",
            "model_type": "a group of indented `key: value` lines",
            "dict_type": "a group of indented `key: value` lines",
        }[kind]
        return f"`{name}` should be {wanted}, but it is {_describe(value_at_loc)}"
    if kind == "string_too_short":
        return f"`{name}` is empty; write the text here"
    if kind == "too_short":
        return f"`{name}` needs at least {ctx.get('min_length')} entry; add one"
    if kind == "too_long":
        return f"`{name}` holds at most {ctx.get('max_length')} entries; remove the extra ones"
    if kind == "string_pattern_mismatch":
        return (f"`{name}` has an invalid value {error.get('input')!r}; the docs' reference "
                "(Reference, The issue file) gives its form")
    if kind in ("greater_than", "less_than_equal"):
        return f"`{name}`: {error['msg'].lower()}"
    if "message" in ctx:
        return f"`{name}`: {ctx['message']}" if name else ctx["message"]
    return f"`{name}`: {error['msg']}"


def _value_at(data: object, loc: tuple) -> object:
    for part in loc:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _misspelled(model: type[BaseModel], errors: list[dict]) -> set[tuple]:
    """Missing fields that an unknown key was surely meant to be (`haedline` for `headline`).

    The unknown key's "did you mean" already says it; a second line about the
    missing field would only send the editor looking for something to add.
    """
    explained = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent = tuple(error["loc"][:-1])
            allowed = _keys_at(model, parent)
            for match in difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1, cutoff=0.6):
                explained.add((*parent, match))
    return explained


def _missing_place(source: Source, model: type[BaseModel], loc: tuple) -> tuple[tuple[int, int], str]:
    """Where a missing key belongs: before the next key the editor wrote, in house order, or after the last."""
    parent, name = loc[:-1], loc[-1]
    order = _keys_at(model, parent)
    if name in order:
        later = [key for key in order[order.index(name) + 1:] if (*parent, key) in source.keys]
        if later:
            return source.keys[(*parent, later[0])], f", before `{later[0]}:`"
        earlier = [key for key in order[: order.index(name)] if (*parent, key) in source.keys]
        if earlier:
            return source.keys[(*parent, earlier[-1])], f", after `{earlier[-1]}:` and its value"
    return source.position(parent), ""


def _in_braces(source: Source, loc: tuple) -> bool:
    """Whether the mapping at `loc` is written in braces on the line, `{url: …, alt: …}`."""
    if loc not in source.values:
        return False
    line, column = source.values[loc]
    starts = source.line_starts()
    return line <= len(starts) and source.text.startswith("{", starts[line - 1] + column - 1)


def diagnostics_from(source: Source, model: type[BaseModel], exc: ValidationError) -> list[Diagnostic]:
    diagnostics = []
    errors: list[dict] = [dict(e) for e in exc.errors(include_url=False)]
    # 20,000 unknown keys would take minutes to list, and help no one.
    unlisted, errors = errors[limits.MAX_PROBLEMS :], errors[: limits.MAX_PROBLEMS]
    explained = _misspelled(model, errors)
    for error in errors:
        if error["type"] == "missing" and tuple(error["loc"]) in explained:
            continue
        ctx = error.get("ctx") or {}
        # A union's choice (text or false) is no key the editor wrote: it stays out of the path.
        loc = tuple(part for part in ctx.get("loc") or error["loc"] if part not in UNION_TAGS)
        error = {**error, "loc": loc}
        code = ctx.get("code", INVALID)  # a refusal with a check code of its own carries it
        inside = ctx.get("diagnostics") or []  # problems inside a Markdown field, each with its snippet
        if inside:
            for found in inside:
                line, column = source.locate(loc, found.snippet or "")
                diagnostics.append(replace(found, path=source.name, line=line, column=column, code=code,
                                           message=f"`{_field_path(loc)}`: {found.message}", snippet=None))
            continue
        if "at" in ctx:  # the refusal knows the exact place, such as a line break inside quotes
            line, column = ctx["at"]
        elif error["type"] == "too_long" and isinstance(_value_at(source.data, loc), list):
            line, column = source.position((*loc, ctx.get("max_length", 0)))  # the first entry too many
        elif error["type"] == "missing":
            (line, column), error["beside"] = _missing_place(source, model, loc)
            error["in_braces"] = _in_braces(source, loc[:-1])
        else:
            line, column = source.position(loc, key=error["type"] == "extra_forbidden")
        message = _message(model, error, _value_at(source.data, loc))
        diagnostics.append(Diagnostic(path=source.name, line=line, column=column, code=code, message=message))
    if unlisted:
        line, column = source.position(tuple(unlisted[0]["loc"]), key=True)
        message = f"{len(unlisted):,} more problems, from here on, are not listed; fix the ones above first"
        diagnostics.append(Diagnostic(path=source.name, line=line, column=column, message=message))
    return diagnostics


def _mapping(source: Source, what: str) -> dict:
    if source.data is None:
        raise ComposerError.at(source.path, f"the file is empty; {what}")
    if not isinstance(source.data, dict):
        raise ComposerError.at(
            source.path,
            f"the file holds {_describe(source.data)}, not `key: value` lines; {what}",
        )
    return source.data


def _validate(source: Source, model: type[BaseModel], what: str):
    data = _mapping(source, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ComposerError(diagnostics_from(source, model, exc)) from None


def validate_part(path: Path | None, model: type[M], at: tuple[str, ...]) -> M:
    """The mapping at `at` in a YAML file (`delivery:` in house.yaml, say), validated against `model`, with
    every problem located in the file as usual; `model`'s defaults when the file, or the mapping, is not there.

    The model is nested under the keys of `at`, so messages name the whole path (`delivery.smtp.port`)
    and "did you mean" finds the keys that `model` declares.
    """
    if path is None or not path.exists():
        return model()
    source = load_yaml(path)
    wrapper: type[BaseModel] = model
    for key in reversed(at):
        wrapper = create_model(f"Part_{key}", __base__=Model, **{key: (wrapper, ...)})  # type: ignore[call-overload]
    value: object = source.data if isinstance(source.data, dict) else {}
    for key in at:
        value = value.get(key) if isinstance(value, dict) else None
        value = {} if value is None else value
    for key in reversed(at):
        value = {key: value}
    try:
        validated = wrapper.model_validate(value)
    except ValidationError as exc:
        raise ComposerError(diagnostics_from(source, wrapper, exc)) from None
    for key in at:
        validated = getattr(validated, key)
    return validated  # type: ignore[return-value]


# Each folder's house as last read, by the file's identity: a folder of 500 issues reads it once, and an
# edited house.yaml (the preview) is read again.
_houses: dict[tuple[str, tuple[int, int, int] | None], tuple[House, Path | None]] = {}


def load_house(folder: Path) -> tuple[House, Path | None]:
    """The house config in `folder`, or the built-in house when there is none: (house, theme folder)."""
    path = folder / HOUSE_FILE
    key: tuple[str, tuple[int, int, int] | None]
    try:
        found = path.stat()
        key = (os.path.realpath(folder), (found.st_ino, found.st_size, found.st_mtime_ns))
    except FileNotFoundError:
        key = (os.path.realpath(folder), None)
    except OSError:  # a link that loops: read it, and say so
        return _read_house(folder)
    if key not in _houses:
        if len(_houses) > 64:
            _houses.clear()
        _houses[key] = _read_house(folder)
    return _houses[key]


def _read_house(folder: Path) -> tuple[House, Path | None]:
    path = folder / HOUSE_FILE
    if not path.exists() and not path.is_symlink():  # a link that loops or leads nowhere is a mistake, not "none"
        return House(), None
    source = load_yaml(path)
    if source.data is None:  # an empty house.yaml means "all defaults"
        return House(), None
    house = _validate(source, House, "write house settings such as `newsletter:`, or delete the file")
    theme_dir = None
    if house.templates:
        theme_dir = (folder / house.templates).resolve()
        line, column = source.position(("templates",))
        if not theme_dir.is_relative_to(folder.resolve()):
            # A house.yaml from elsewhere must not make composer read templates from anywhere on the disk.
            message = (f"`templates`: '{house.templates}' leads outside the folder of house.yaml; "
                       "keep the theme in a folder beside it, as in `templates: theme`")
            raise ComposerError.at(source.path, message, line, column)
        if not theme_dir.is_dir():
            message = f"`templates`: the folder {theme_dir} does not exist; create it or fix the path"
            raise ComposerError.at(source.path, message, line, column)
    return house, theme_dir


def load_edition(path: Path) -> Edition:
    """Read and validate an issue and the house config beside it, reporting both at once."""
    problems: list[Diagnostic] = []
    issue = house = None
    theme_dir = None
    try:
        source = load_yaml(path)
        issue = _validate(
            source,
            Issue,
            "an issue needs at least date, kind, section, headline, dek, lead and items "
            "(the docs' page 'Writing an issue' shows each)",
        )
    except ComposerError as error:
        problems += error.diagnostics
    try:
        house, theme_dir = load_house(path.parent)
    except ComposerError as error:
        problems += error.diagnostics
    if problems or issue is None or house is None:
        raise ComposerError(problems)
    house_path = path.parent / HOUSE_FILE
    return Edition(issue, house, slug=path.stem, theme_dir=theme_dir, source=source,
                   house_path=house_path if house_path.exists() else None)
