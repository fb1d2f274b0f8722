"""Scenarios and ``--set`` overrides, resolved into one validated parameter tree.

Overrides are merged into ``Parameters().model_dump()`` as plain dicts and the result is
validated once. Every failure becomes a one-line ``ParameterError`` naming the key, the
value and what is allowed.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from model.parameters import Jurisdiction, LeverPath, Parameters, field_bounds, is_block

SCENARIO_DIR = Path(__file__).parent / "scenarios"
SCENARIO_KEYS = ("name", "description", "replace_jurisdictions", "parameters")
LEVER_FORM = '{at = "YYYY-MM", value = ..., announce_months = ...}'
SIMPLE_TYPES = {int: "an integer", float: "a number", str: "a string"}
RANGE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


class ParameterError(Exception):
    """Bad parameter input; the message is one line naming the key, the value and what is allowed."""


@dataclass(frozen=True)
class Scenario:
    """A named preset: a description and parameter overrides."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    replace_jurisdictions: bool = False


# --------------------------------------------------------------------------- scenario files


def scenario_names() -> list[str]:
    """Names of the shipped scenarios, sorted."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def list_scenarios() -> list[tuple[str, str]]:
    """Name and description of every scenario."""
    return [(s.name, s.description) for s in map(read_scenario, scenario_names())]


def load_scenario(name: str) -> dict[str, Any]:
    """The scenario's parameter overrides (its ``[parameters]`` table)."""
    return read_scenario(name).parameters


def is_scenario_path(name: str) -> bool:
    """Whether ``name`` names a scenario file (a path ending in .toml) rather than a shipped scenario."""
    return name.endswith(".toml") or "/" in name or "\\" in name


def scenario_label(name: str) -> str:
    """A short label for a scenario name or file: the name itself, or the file's stem."""
    return Path(name).stem if is_scenario_path(name) else name


def read_scenario(name: str) -> Scenario:
    """Read and check one scenario: a shipped one by name, or a scenario file by its path.

    A shipped scenario's ``name`` must match its file name; a file given by path (such as one the
    dashboard exported) may carry any non-empty name.
    """
    if is_scenario_path(name):
        path = Path(name)
        if not path.is_file():
            raise ParameterError(f"scenario {name!r}: no such file; allowed a shipped name "
                                 f"({', '.join(scenario_names())}) or the path of a .toml scenario file")
        expected = None
    else:
        available = scenario_names()
        if name not in available:
            raise ParameterError(f"unknown scenario {name!r}; available: {', '.join(available) or 'none'} "
                                 "(or the path of a .toml scenario file)")
        path = SCENARIO_DIR / f"{name}.toml"
        expected = name
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"scenario {name!r}: malformed TOML in {path.name}: {exc}") from None
    except UnicodeDecodeError:
        raise ParameterError(f"scenario {name!r}: {path.name} is not UTF-8 text; allowed a UTF-8 TOML file") from None
    except OSError as exc:
        raise ParameterError(f"scenario {name!r}: cannot read {path}: {exc.strerror or exc}") from None

    def fail(message: str) -> ParameterError:
        return ParameterError(f"scenario {name!r}: {message}")

    for key in table:
        if key not in SCENARIO_KEYS:
            raise fail(f"{key}: unknown key; allowed top-level keys: {', '.join(SCENARIO_KEYS)}")
    for key, allowed_value in (("name", repr(expected) if expected else "a non-empty string"),
                               ("description", "a non-empty string")):
        if key not in table:
            raise fail(f"{key}: missing; allowed {allowed_value}")
    if expected is not None and table["name"] != expected:
        raise fail(f"name: value {show(table['name'])} does not match the file name; allowed {expected!r}")
    if expected is None and (not isinstance(table["name"], str) or not table["name"].strip()):
        raise fail(f"name: value {show(table['name'])} is empty or not a string; allowed a non-empty string")
    description = table["description"]
    if not isinstance(description, str) or not description.strip():
        raise fail(f"description: value {show(description)} is empty or not a string; allowed a non-empty string")
    replace = table.get("replace_jurisdictions", False)
    if not isinstance(replace, bool):
        raise fail(f"replace_jurisdictions: value {show(replace)} has the wrong type; allowed true or false")
    parameters = table.get("parameters", {})
    if not isinstance(parameters, dict):
        raise fail(f"parameters: value {show(parameters)} has the wrong type; allowed a table")
    return Scenario(name, " ".join(description.split()), parameters, replace)


# --------------------------------------------------------------------------- --set


def parse_set(sets: Iterable[str]) -> dict[str, Any]:
    """Turn ``key=value`` strings into one nested overrides dict; later settings win."""
    return _nest_pairs(map(_parse_assignment, sets))


def _parse_assignment(item: str) -> tuple[str, Any]:
    """The dotted key and the parsed value of one ``key=value`` string."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not all(key.split(".")):
        raise ParameterError(f"--set {item!r}: expected key=value; allowed e.g. talent.home_bias=2.5")
    return key, parse_value(text.strip())


def parse_value(text: str) -> Any:
    """A TOML value, or the bare string when ``text`` is not one."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def deep_update(target: dict, source: dict) -> None:
    """Merge the nested dict ``source`` into ``target`` in place (``source`` wins)."""
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value


# --------------------------------------------------------------------------- merging


def merge(base: dict[str, Any], overrides: dict[str, Any], *, replace_jurisdictions: bool = False) -> dict[str, Any]:
    """A copy of ``base`` (a ``Parameters`` dump) with ``overrides`` applied; checks keys, not values.

    Jurisdiction and sector names must already exist in ``base``, so a misspelt name is an error.
    With ``replace_jurisdictions`` the overrides' jurisdictions replace the base set, each
    starting from the ``Jurisdiction`` defaults.
    """
    merged = copy.deepcopy(base)
    if replace_jurisdictions and "jurisdictions" in overrides:
        names = overrides["jurisdictions"]
        if not isinstance(names, dict):
            raise ParameterError(f"jurisdictions: value {show(names)} has the wrong type; allowed a table of jurisdictions")
        merged["jurisdictions"] = {name: Jurisdiction().model_dump() for name in names}
    _merge_into(merged, overrides, Parameters, ())
    return merged


def _merge_into(target: dict, overrides: dict, model: type[BaseModel], path: tuple) -> None:
    for key, value in overrides.items():
        here = (*path, key)
        info = model.model_fields.get(key)
        if info is None:
            raise ParameterError(f"{dotted(here)}: unknown parameter; {_allowed_keys(path, model.model_fields)}")
        annotation = info.annotation
        current = target.get(key)
        if _lever_range(info) and _is_number(value):
            target[key] = {"initial": value, "changes": []}
        elif _lever_range(info) and isinstance(value, list):
            prior = current.get("initial") if isinstance(current, dict) else None
            target[key] = {"initial": prior, "changes": value}
        elif is_block(annotation) and isinstance(value, dict) and isinstance(current, dict):
            _merge_into(current, value, annotation, here)
        elif get_origin(annotation) is dict and isinstance(value, dict) and isinstance(current, dict):
            item_model = get_args(annotation)[1]
            for name, item in value.items():
                if name not in current:
                    raise ParameterError(f"{dotted((*here, name))}: unknown name; {_allowed_keys(here, current)}")
                if isinstance(item, dict) and isinstance(current[name], dict):
                    _merge_into(current[name], item, item_model, (*here, name))
                else:
                    current[name] = item
        else:
            target[key] = value


def _allowed_keys(path: tuple, keys: Iterable[str]) -> str:
    where = f"keys under {dotted(path)}" if path else "top-level keys"
    return f"allowed {where}: {', '.join(keys)}"


# --------------------------------------------------------------------------- validation


def validate(data: dict[str, Any]) -> Parameters:
    """Validate a merged dict (strictly: no bools for numbers, no strings for bools)."""
    try:
        return Parameters.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ParameterError(describe(exc.errors()[0])) from None


def scenario_data(scenario: str | None) -> dict[str, Any]:
    """The parameter dump of the defaults with ``scenario`` applied (not yet validated)."""
    data = Parameters().model_dump()
    if scenario is not None:
        preset = read_scenario(scenario)
        try:
            data = merge(data, preset.parameters, replace_jurisdictions=preset.replace_jurisdictions)
        except ParameterError as exc:
            raise ParameterError(f"scenario {scenario!r}: {exc}") from None
    return data


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b.c": v}`` → ``{"a": {"b": {"c": v}}}`` (later keys win)."""
    return _nest_pairs(values.items())


def _nest_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """One nested overrides dict from (dotted key, value) pairs, merged in order: later pairs win."""
    overrides: dict[str, Any] = {}
    for key, value in pairs:
        node: Any = value
        for part in reversed(key.split(".")):
            node = {part: node}
        deep_update(overrides, node)
    return overrides


def resolve_parameters(scenario: str | None, sets: Iterable[str] = ()) -> Parameters:
    """Defaults, then the scenario, then ``--set`` overrides (which win), validated once."""
    data = scenario_data(scenario)
    for item in sets:
        data = merge(data, parse_set([item]))
    return validate(data)


def describe(error: dict[str, Any]) -> str:
    """One line for a pydantic error entry: key, value and what is allowed."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    info, owner, node = _locate(loc)
    key = dotted(loc)
    if kind in RANGE_ERRORS and info is not None:
        return f"{key}: value {show(value)} is out of range; allowed {_range_text(*field_bounds(info))}"
    if kind == "extra_forbidden" and owner is not None:
        return f"{key}: unknown parameter; {_allowed_keys(loc[:-1], owner.model_fields)}"
    if kind == "missing":
        return f"{key}: missing; allowed {allowed(info) if info else 'a value'}"
    if kind == "value_error":
        lever = _lever_out_of_range(node, value)
        if lever:
            name, bad, lo, hi = lever
            return f"{dotted((*loc, name))}: value {show(bad)} is out of range; allowed {_range_text(lo, hi)}"
        message = str(error.get("ctx", {}).get("error", error["msg"])).split(", got ")[0]
        if not loc:
            return message
        field = message.split(":", 1)[0]
        if isinstance(value, dict) and is_block(node) and field in node.model_fields:
            return f"{key}.{message}"     # a check across fields names the field it blames
        if message.startswith("expected "):
            return f"{key}: value {show(value)} is invalid; allowed {message.removeprefix('expected ')}"
        return f"{key}: value {show(value)} is invalid; {message}"
    if is_block(node) and node is not LeverPath:
        return f"{key}: value {show(value)} has the wrong type; allowed a table of {node.__name__} parameters"
    if loc and isinstance(loc[-1], int) and node in (int, float, str):
        return f"{key}: value {show(value)} has the wrong type; allowed {SIMPLE_TYPES[node]}"
    if info is not None:
        return f"{key}: value {show(value)} has the wrong type; allowed {allowed(info)}"
    return f"{key or 'parameters'}: value {show(value)} is invalid; {error['msg']}"


def allowed(info: FieldInfo) -> str:
    """What a field accepts, in words."""
    lever = _lever_range(info)
    if lever:
        return f"a number from {_range_text(*lever)}, or a list of changes {LEVER_FORM}"
    annotation = info.annotation
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        kind = "an integer" if annotation is int else "a number"
        lo, hi = field_bounds(info)
        return f"{kind} from {_range_text(lo, hi)}" if (lo, hi) != (None, None) else kind
    if annotation is str:
        is_month = extra.get("unit") == "month" or "YYYY-MM" in (info.description or "")
        return "a month as 'YYYY-MM'" if is_month else "a string"
    if get_origin(annotation) is list:
        return f"a list ({info.description})" if info.description else "a list"
    return "a table"


# --------------------------------------------------------------------------- helpers


def dotted(loc: Iterable) -> str:
    """A pydantic location as a dotted key; list indices as ``[i]`` (a lever's ``changes`` is implicit)."""
    parts = list(loc)
    text = ""
    for i, part in enumerate(parts):
        if part == "changes" and i + 1 < len(parts) and isinstance(parts[i + 1], int):
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def show(value: Any) -> str:
    """A value as the user would write it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict) and set(value) == {"initial", "changes"}:
        return show(value["changes"] or value["initial"])
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, default=str)


def _locate(loc: tuple) -> tuple[FieldInfo | None, type[BaseModel] | None, Any]:
    """The field at ``loc``, the model that owns it and the type found there."""
    node: Any = Parameters
    info: FieldInfo | None = None
    owner: type[BaseModel] | None = None
    for part in loc:
        if is_block(node):
            owner = node
            info = node.model_fields.get(part)
            if info is None:
                return None, owner, None
            node = info.annotation
        elif get_origin(node) in (dict, list):
            node = get_args(node)[-1]
        else:
            return None, owner, None
    return info, owner, node


def _lever_out_of_range(node: Any, raw: Any) -> tuple[str, float, float, float] | None:
    """The first lever value in ``raw`` (input for a model of type ``node``) outside its range."""
    if not is_block(node) or not isinstance(raw, dict):
        return None
    for name, info in node.model_fields.items():
        lever = _lever_range(info)
        if lever is None or name not in raw:
            continue
        try:
            values = LeverPath.model_validate(raw[name]).values()
        except ValidationError:
            continue
        lo, hi = lever
        for value in values:
            if not lo <= value <= hi:
                return name, value, lo, hi
    return None


def _lever_range(info: FieldInfo) -> tuple[float, float] | None:
    extra = info.json_schema_extra
    if isinstance(extra, dict) and "lever_range" in extra:
        lo, hi = extra["lever_range"]
        return lo, hi
    return None


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is None:
        return f"at most {hi!r}"
    if hi is None:
        return f"at least {lo!r}"
    return f"{lo!r} to {hi!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
