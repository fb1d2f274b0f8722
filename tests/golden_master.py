"""Golden master: SHA-256 hashes of a model's state and metrics after 36 months, per case.

Behaviour-preserving changes (moves, renames, splits) must leave every hash unchanged. A change
meant to alter behaviour re-baselines the stored hashes on purpose, in its own commit:

    .venv/bin/python -m tests.golden_master --update

Hashes are kept per component (the metrics frame, each population's arrays, the ledger), so a
failure says which part of the state moved. Floating-point results can differ between numpy
releases, so the stored hashes are keyed to numpy's major.minor version.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

STORE = Path(__file__).parent / "golden_master.json"
MONTHS = 36
SCALE = 0.3
SEEDS = (0, 1)
CUSTOM = "custom-3"


def numpy_key() -> str:
    return ".".join(np.__version__.split(".")[:2])


def cases() -> list[tuple[str, int]]:
    from experiments.scenarios import scenario_names

    return [(name, seed) for name in scenario_names() for seed in SEEDS] + [(CUSTOM, 0)]


def custom_parameters():
    """A three-jurisdiction layout that is not one of the shipped scenarios."""
    from model.parameters import Parameters

    raw = Parameters().model_dump()
    raw["jurisdictions"] = {
        "Home": {"population": 40e6, "talent_share": 0.6, "capital_controls": [{"at": "2026-01", "value": 0.4,
                                                                                "announce_months": 6}]},
        "Haven": {"population": 5e6, "talent_share": 0.1, "haven": True, "haven_capacity": 30_000.0,
                  "top_income_tax": 0.1, "expat_tax": 0.05, "crypto_access": 0.9},
        "Rival": {"population": 90e6, "talent_share": 0.3, "allocator_mix": [0.2, 0.1, 0.5, 0.2],
                  "cbdc_start": "2025-06", "cbdc_surveillance": 0.7},
    }
    raw["home"] = "Home"
    raw["government"]["populist_response"] = True
    raw["government"]["lockin_response"] = True
    raw["population"]["scale"] = SCALE
    return Parameters.model_validate(raw)


def build(case: tuple[str, int]):
    from experiments.scenarios import resolve_parameters
    from model.economy import WhooshModel

    name, seed = case
    params = custom_parameters() if name == CUSTOM else resolve_parameters(name, [f"population.scale={SCALE}"])
    return WhooshModel(params, seed=seed)


def _digest(parts: list[tuple[str, np.ndarray]]) -> str:
    h = hashlib.sha256()
    for name, array in parts:
        array = np.ascontiguousarray(array)
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def populations(model) -> dict[str, object]:
    return {"workers": model.workers, "firms": model.firms, "talent": model.talent,
            "allocators": model.allocators, "governments": model.gov}


def hashes(model) -> dict[str, str]:
    """One hash per component of the model's state and output."""
    frame = model.metrics_frame()
    out = {"metrics": _digest([(str(c), frame[c].to_numpy(dtype=str if c == "date" else float)) for c in frame.columns])}
    for label, pop in populations(model).items():
        arrays = sorted((k, v) for k, v in vars(pop).items() if isinstance(v, np.ndarray))
        out[label] = _digest(arrays)
    out["ledger"] = _digest([("balances", model.ledger.balances)])
    return out


def run_case(case: tuple[str, int]) -> dict[str, str]:
    model = build(case)
    for _ in range(MONTHS):
        model.step()
    return hashes(model)


def case_id(case: tuple[str, int]) -> str:
    return f"{case[0]}-seed{case[1]}"


def stored() -> dict[str, dict[str, str]] | None:
    """The stored hashes for this numpy version (None when none were recorded for it)."""
    if not STORE.exists():
        return None
    return json.loads(STORE.read_text(encoding="utf-8")).get(numpy_key())


def update() -> None:
    table = json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else {}
    table[numpy_key()] = {case_id(c): run_case(c) for c in cases()}
    STORE.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(table[numpy_key()])} cases for numpy {numpy_key()} in {STORE}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the current hashes (re-baseline)")
    args = parser.parse_args()
    if args.update:
        update()
    else:
        reference = stored() or {}
        for c in cases():
            now = run_case(c)
            diff = [k for k, v in now.items() if reference.get(case_id(c), {}).get(k) != v]
            print(f"{case_id(c):28s} {'ok' if not diff else 'CHANGED: ' + ', '.join(diff)}")
