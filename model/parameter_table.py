"""The parameter table of docs/ODD.md, generated from the parameter tree (written by ``python -m model.odd``).

The table has one row per leaf of :class:`~model.parameters.Parameters`: nested blocks are
walked through ``model_fields``; dict-valued nodes (``sectors``, ``jurisdictions``) give one
row per key and field (``jurisdictions.US.robot_tax``). Lever fields show their initial value
(and any scheduled changes) as the default and their ``lever_range`` as the range.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from model.parameters import LeverPath, Parameters, field_bounds, is_block

COLUMNS = ("key", "default", "unit", "range", "source", "description")


# --------------------------------------------------------------------------- walking the tree


def _extra(info: FieldInfo) -> dict:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def leaves(node: BaseModel, prefix: str = "") -> Iterator[tuple[str, FieldInfo, Any]]:
    """Every leaf of the tree under ``node`` as (dotted key, field info, value), in declaration order.

    A leaf is any field that is not a nested parameter block; a lever (``LeverPath``) is a leaf.
    Dict-valued nodes yield one subtree per key, in the dict's order.
    """
    for name, info in type(node).model_fields.items():
        value = getattr(node, name)
        key = f"{prefix}{name}"
        annotation = info.annotation
        if is_block(annotation) and annotation is not LeverPath:
            yield from leaves(value, f"{key}.")
        elif get_origin(annotation) is dict and is_block(get_args(annotation)[1]):
            for item_key, item in value.items():
                yield from leaves(item, f"{key}.{item_key}.")
        else:
            yield key, info, value


# --------------------------------------------------------------------------- formatting


def fmt(value: Any) -> str:
    """A value as a short, deterministic string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if abs(value) >= 1e5:
            mantissa, exponent = f"{value:.6e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
        if value == int(value):
            return str(int(value))
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def _default(info: FieldInfo, value: Any) -> str:
    if isinstance(value, LeverPath):
        text = fmt(value.initial)
        for change in value.changes:
            lead = f", announced {change.announce_months} mo ahead" if change.announce_months else ""
            text += f"; {fmt(change.value)} from {change.at}{lead}"
        return text
    return fmt(value)


def _range(info: FieldInfo, value: Any) -> str:
    extra = _extra(info)
    if "lever_range" in extra:
        lo, hi = extra["lever_range"]
        return f"[{fmt(lo)}, {fmt(hi)}]"
    lo, hi = field_bounds(info)
    if lo is not None and hi is not None:
        return f"[{fmt(lo)}, {fmt(hi)}]"
    if lo is not None:
        return f"≥ {fmt(lo)}"
    if hi is not None:
        return f"≤ {fmt(hi)}"
    if isinstance(value, bool):
        return "true / false"
    if isinstance(value, list):
        if extra.get("unit") == "shares":
            return f"{len(value)} shares ≥ 0, sum 1"
        return f"list of {len(value)}"
    if extra.get("unit") == "month":
        return "YYYY-MM"
    if extra.get("unit") == "name":
        return "a key of jurisdictions"
    return "any"


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def rows(params: Parameters | None = None) -> list[dict[str, str]]:
    """One dict per leaf (keys: the table's columns)."""
    params = params if params is not None else Parameters()
    out = []
    for key, info, value in leaves(params):
        extra = _extra(info)
        out.append({
            "key": key,
            "default": _default(info, value),
            "unit": extra.get("unit", ""),
            "range": _range(info, value),
            "source": extra.get("source", ""),
            "description": info.description or "",
        })
    return out


def parameter_table(params: Parameters | None = None) -> str:
    """The Markdown table of every leaf parameter: key, default, unit, range, source, description."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows(params):
        cells = [f"`{row['key']}`", *(_cell(row[c]) for c in COLUMNS[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
