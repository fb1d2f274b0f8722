"""docs/ODD.md's process overview and parameter table are generated from the code and kept in sync with it."""

from __future__ import annotations

from pathlib import Path
from typing import get_origin

import pytest
from pydantic import BaseModel

from model.economy import PHASES
from model.odd import FIELDS, phase_fields, process_overview, render_odd, replace_section
from model.parameter_table import parameter_table
from model.parameters import LeverPath, Parameters

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def leaf_keys(node: BaseModel, prefix: str = "") -> list[str]:
    """Dotted keys of every leaf field, walked independently of model.parameter_table."""
    keys = []
    for name, info in type(node).model_fields.items():
        value, annotation = getattr(node, name), info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation is not LeverPath:
            keys += leaf_keys(value, f"{prefix}{name}.")
        elif get_origin(annotation) is dict:
            for key, item in value.items():
                keys += leaf_keys(item, f"{prefix}{name}.{key}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def table_rows(table: str) -> dict[str, dict[str, str]]:
    """Rows of a generated Markdown table by key (backticks stripped)."""
    lines = [line for line in table.splitlines() if line.startswith("| `")]
    header = ["key", "default", "unit", "range", "source", "description"]
    rows = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == len(header), line
        row = dict(zip(header, cells))
        row["key"] = row["key"].strip("`")
        rows[row["key"]] = row
    return rows


@pytest.fixture(scope="module")
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


ODD_BEGIN, ODD_END = "<!-- parameter-table:begin -->", "<!-- parameter-table:end -->"


def test_odd_generated_sections_are_up_to_date(odd_text):
    assert render_odd(odd_text) == odd_text, "run: python -m model.odd docs/ODD.md"


def test_every_phase_docstring_states_reads_writes_ledger_and_rng():
    for phase in PHASES:
        description, fields = phase_fields(phase)
        assert description, f"{phase.__name__} has no description"
        missing = [label for label in FIELDS if not fields.get(label)]
        assert not missing, f"{phase.__name__}'s docstring lacks {missing}"


def test_process_overview_lists_every_phase_in_order(odd_text):
    overview = process_overview()
    positions = [overview.index(f"`{phase.__name__.rsplit('.', 1)[-1]}`") for phase in PHASES]
    assert positions == sorted(positions)
    assert overview in odd_text


def test_every_leaf_parameter_is_a_row(odd_text):
    between = odd_text.split(ODD_BEGIN, 1)[1].split(ODD_END, 1)[0]
    keys = leaf_keys(Parameters())
    assert "jurisdictions.US.robot_tax" in keys and "sectors.food_service.skill_need" in keys
    for table in (between, parameter_table()):
        rows = table_rows(table)
        missing = [k for k in keys if k not in rows]
        assert not missing, f"parameters missing from the table: {missing}"
        assert len(rows) == len(keys)


def test_every_row_has_unit_and_source():
    rows = table_rows(parameter_table())
    assert rows
    for key, row in rows.items():
        assert row["unit"], f"{key}: no unit"
        assert row["source"], f"{key}: no source"
        assert row["default"] and row["range"], f"{key}: no default or range"


def test_levers_show_initial_value_and_lever_range():
    rows = table_rows(parameter_table())
    china = Parameters().jurisdictions["China"]
    assert rows["jurisdictions.China.capital_controls"]["default"] == "0.6" == str(china.capital_controls.initial)
    assert rows["jurisdictions.China.capital_controls"]["range"] == "[0, 1]"
    assert rows["jurisdictions.US.robot_tax"]["range"] == "[-0.9, 5]"


def test_replace_section_replaces_only_between_markers():
    text = f"# Title\n\nbefore\n{ODD_BEGIN}\nstale\n{ODD_END}\nafter\n"
    out = replace_section(text, "parameter-table", parameter_table())
    assert out.startswith(f"# Title\n\nbefore\n{ODD_BEGIN}\n") and out.endswith(f"{ODD_END}\nafter\n")
    assert "stale" not in out and "| `start` |" in out
    assert replace_section(out, "parameter-table", parameter_table()) == out
    with pytest.raises(ValueError):
        replace_section("no markers here", "parameter-table", "")
    with pytest.raises(ValueError):
        replace_section(f"{ODD_END}\n{ODD_BEGIN}\n", "parameter-table", "")
