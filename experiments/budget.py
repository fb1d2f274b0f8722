"""How big a run or a sweep may be on this machine: a work budget in agent-months, and memory per run.

Work
    A run's work is its agents times the months it simulates: the ``burn_in`` months the model runs while
    it is built, then ``steps``. Agents are counted as ``model/world.py`` makes them::

        workers = max(round(population.workers × population.scale), 20 × jurisdictions)
        talent  = max(round(population.talent × population.scale), population.min_talent, 5 × jurisdictions)

    (at the defaults, scale 1: 10,000 + 20,000 = 30,000; AI talent never falls below ``min_talent``).
    A sweep's work is runs × (burn_in + steps) × agents, with agents and burn-in of its largest run: the
    largest value of ``population.scale``, ``.workers``, ``.talent``, ``.min_talent`` and ``burn_in`` that
    the scenario, ``set`` or any factor (its largest value, or ``max``) gives.

    Measured on the development machine (a 2-core AMD EPYC VM, 24 GB; one process, Python 3.12), one
    baseline run ``WhooshModel(validate(merge(scenario_data("baseline"), nest({"population.scale": s}))),
    seed=0)`` built (48 burn-in months) and stepped 24 or 120 months, wall time including the build::

        scale  agents   24 months          120 months
        0.5     25,000  0.73 s  0.41 µs    1.92 s  0.46 µs   per agent-month
        1       30,000  0.79 s  0.37 µs    2.07 s  0.41 µs
        5       70,000  1.85 s  0.37 µs    4.02 s  0.34 µs
        30     360,000  8.60 s  0.33 µs   17.46 s  0.29 µs

    ``SECONDS_PER_AGENT_MONTH`` is 0.5 µs, above every measurement; the default budget is what that
    makes 24 hours of one core: 1.728e11 agent-months (e.g. 10,000 runs of 168 months at 100,000 agents).
    Runs with very few agents (``min_talent`` lowered, scale ≤ 0.1) cost more per agent-month: each month
    has a fixed cost of about 6 ms (1,200 agents: ~5 µs per agent-month), so their time is underestimated.

Memory
    Peak resident memory of one run in a fresh process (``resource.getrusage`` peak minus the RSS after
    importing ``experiments.sweep`` and ``model.economy``), baseline scenario, 24 months unless noted::

        agents       model peak     per agent
        1,200           9.2 MB      (fixed part)
        30,000         28.1 MB      938 B   (30.8 MB after 240 months: ~12.5 kB a month of metrics)
        120,000        96.7 MB      806 B
        201,000       147.8 MB      735 B   (scale 0.1, min_talent 200,000)
        360,000       284.5 MB      790 B
        1,200,000     881.8 MB      735 B   (scale 100, 12 months)
        3,600,000   2,681 MB        745 B   (scale 300, 3 months)
        12,000,000  8,933 MB        744 B   (scale 1000, 2 months; a 5-minute build)

    A least-squares fit gives 8 MB + 740 B per agent; the estimate rounds up: ``BYTES_MODEL_FIXED`` 10 MB +
    ``BYTES_PER_AGENT`` 800 B per agent + ``BYTES_PER_MONTH`` 16 kB per simulated month, plus
    ``BYTES_WORKER_PROCESS`` 205 MB, the RSS of a worker process once it has imported the model (a sweep
    worker is a fresh spawned process). ``check_memory`` lets the workers use at most ``MEMORY_SHARE``
    (80%) of the memory available now.

Every refusal is a ``ParameterError`` with one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from experiments.scenarios import ParameterError, nest
from model.parameters import Parameters, Population, field_bounds

if TYPE_CHECKING:
    from experiments.sweep_spec import SweepSpec

SECONDS_PER_AGENT_MONTH = 0.5e-6       # measured ≤ 0.46 µs (see the module docstring)
BUDGET_HOURS = 24.0                    # of one core
BUDGET_AGENT_MONTHS = int(BUDGET_HOURS * 3600 / SECONDS_PER_AGENT_MONTH)   # 172,800,000,000
MAX_RUNS = 10_000_000                  # hard cap, also with allow_large: the run table is built in memory
BYTES_WORKER_PROCESS = 205_000_000     # RSS of a process that has imported the model and the sweep engine
BYTES_MODEL_FIXED = 10_000_000
BYTES_PER_AGENT = 800
BYTES_PER_MONTH = 16_000
MEMORY_SHARE = 0.8                     # of the memory available now that the workers may use
ALLOWED_LARGE = "allowed: fewer runs/steps or a smaller scale, or --allow-large"


def max_steps() -> int:
    """The most steps a run or sweep may take (the sweep spec's ``steps`` bound): a hard cap."""
    from experiments.sweep_spec import SweepSpec

    return int(field_bounds(SweepSpec.model_fields["steps"])[1])


@dataclass(frozen=True)
class WorkEstimate:
    """The size of a run or a sweep."""

    runs: int
    steps: int            # months each run reports
    burn_in: int          # months each run simulates while it is built (of the largest run)
    agents: int           # agents of the largest run
    agent_months: int     # runs × (burn_in + steps) × agents
    memory_per_worker: int     # peak memory of one worker process running the largest run

    @property
    def core_hours(self) -> float:
        """Estimated hours of one core (``SECONDS_PER_AGENT_MONTH``)."""
        return self.agent_months * SECONDS_PER_AGENT_MONTH / 3600

    def describe(self) -> str:
        """``1,024 runs × (48 burn-in + 120) months × 25,000 agents``."""
        return (f"{self.runs:,} run{'s' if self.runs != 1 else ''} × ({self.burn_in} burn-in + {self.steps}) months "
                f"× {self.agents:,} agents")


# --------------------------------------------------------------------------- agents and memory


def count_agents(scale: float, workers: int, talent: int, min_talent: int, jurisdictions: int) -> int:
    """Worker plus AI-talent agents of a model, counted as ``model/world.py`` makes them."""
    n_workers = max(int(round(workers * scale)), 20 * jurisdictions)
    n_talent = max(int(round(talent * scale)), min_talent, 5 * jurisdictions)
    return n_workers + n_talent


def agents_of(params: Parameters | dict[str, Any]) -> int:
    """Agents of a model with these parameters (a ``Parameters`` or its dump)."""
    data = params.model_dump() if isinstance(params, Parameters) else params
    pop = data["population"]
    return count_agents(pop["scale"], pop["workers"], pop["talent"], pop["min_talent"], len(data["jurisdictions"]))


def memory_of(agents: int, months: int) -> int:
    """Estimated peak bytes of a worker process running one model of ``agents`` for ``months`` (see the docstring)."""
    return BYTES_WORKER_PROCESS + BYTES_MODEL_FIXED + BYTES_PER_AGENT * agents + BYTES_PER_MONTH * months


# --------------------------------------------------------------------------- sweeps


POPULATION = ("scale", "workers", "talent", "min_talent")


def work_of(spec: SweepSpec) -> WorkEstimate:
    """The size of a sweep, without building its design or validating its factor values.

    Agents and burn-in are those of the largest run: for each of population.scale, .workers, .talent,
    .min_talent and burn_in, the largest of the base value (scenario and ``set``) and any factor's values
    (or ``max``). Values a factor may not take (wrong type, out of range) are skipped here:
    ``check_spec`` refuses them.

    Raises:
        ParameterError: when the scenario or ``set`` cannot be read (``checked_base``).
    """
    from experiments.sweep_spec import checked_base, run_count

    base = checked_base(spec)
    largest = {name: _largest(spec, base, ("population", name), Population.model_fields[name])
               for name in POPULATION}
    burn_in = int(_largest(spec, base, ("burn_in",), Parameters.model_fields["burn_in"]))
    jurisdictions = len(base["jurisdictions"]) if isinstance(base.get("jurisdictions"), dict) else 0
    agents = count_agents(largest["scale"], int(largest["workers"]), int(largest["talent"]),
                          int(largest["min_talent"]), jurisdictions)
    runs = run_count(spec)
    months = burn_in + spec.steps
    return WorkEstimate(runs=runs, steps=spec.steps, burn_in=burn_in, agents=agents,
                        agent_months=runs * months * agents, memory_per_worker=memory_of(agents, months))


def _largest(spec: SweepSpec, base: dict[str, Any], path: tuple[str, ...], info: Any) -> float:
    """The largest allowed value at ``path`` that the base or any factor gives (the field default if none)."""
    lo, hi = field_bounds(info)

    def allowed(value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                and (lo is None or value >= lo) and (hi is None or value <= hi))

    found = [info.default] if allowed(info.default) else []
    at_base = _lookup(base, path)
    if allowed(at_base):
        found = [at_base]
    dotted = ".".join(path)
    for factor in spec.factors.values():
        values = factor.values if factor.values is not None else [factor.min, factor.max]
        for overrides in map(factor.overrides, values):   # a named level sets its own keys
            for key, value in overrides.items():
                if key == dotted or dotted.startswith(f"{key}."):
                    here = value if key == dotted else _lookup(nest({key: value}), path)
                    if allowed(here):
                        found.append(here)
    return max(found)


def _lookup(tree: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(part)
    return tree


def check_sweep_size(spec: SweepSpec, *, allow_large: bool, label: str) -> WorkEstimate:
    """Refuse a sweep whose work exceeds ``BUDGET_AGENT_MONTHS`` (unless ``allow_large``) or whose run
    table would exceed ``MAX_RUNS`` rows (always); fast: nothing is built.

    Returns:
        The sweep's ``WorkEstimate`` (its ``memory_per_worker`` is for ``check_memory``).

    Raises:
        ParameterError: one line with the numbers, the budget and what is allowed.
    """
    work = work_of(spec)
    if work.runs > MAX_RUNS:
        raise ParameterError(f"sweep spec {label}: runs: value {work.runs:,} runs (design {spec.design}, "
                             f"replicates {spec.replicates}) is more than a run table holds, also with "
                             f"--allow-large; allowed at most {MAX_RUNS:,} runs: fewer values, samples or replicates")
    if work.agent_months > BUDGET_AGENT_MONTHS and not allow_large:
        raise ParameterError(f"sweep spec {label}: size: value {work.agent_months:.3g} agent-months "
                             f"({work.describe()}, ≈ {work.core_hours:,.0f} core-hours) exceeds the budget of "
                             f"{BUDGET_AGENT_MONTHS:.3g} agent-months (≈ {BUDGET_HOURS:g} h of one core); "
                             f"{ALLOWED_LARGE}")
    return work


# --------------------------------------------------------------------------- one run


def check_run_size(params: Parameters | dict[str, Any], steps: int, *, allow_large: bool) -> WorkEstimate:
    """Refuse a single run (``whoosh run``) of more than ``max_steps()`` steps (always), or whose
    agent-months exceed ``BUDGET_AGENT_MONTHS`` (unless ``allow_large``).

    Returns:
        The run's ``WorkEstimate`` (its ``memory_per_worker`` is for ``check_memory(…, 1, flag="--scale")``).

    Raises:
        ParameterError: one line naming the option, the value and what is allowed.
    """
    cap = max_steps()
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= cap:
        raise ParameterError(f"--steps: value {steps!r} is out of range; allowed an integer from 1 to {cap} "
                             "(a hard cap, also with --allow-large)")
    data = params.model_dump() if isinstance(params, Parameters) else params
    agents, burn_in = agents_of(data), int(data["burn_in"])
    months = burn_in + steps
    work = WorkEstimate(runs=1, steps=steps, burn_in=burn_in, agents=agents, agent_months=months * agents,
                        memory_per_worker=memory_of(agents, months))
    if work.agent_months > BUDGET_AGENT_MONTHS and not allow_large:
        scale = data["population"]["scale"]
        raise ParameterError(f"--scale/--steps: value {work.agent_months:.3g} agent-months ({work.describe()} at "
                             f"population.scale {scale:g}, ≈ {work.core_hours:,.0f} core-hours) "
                             f"exceeds the budget of {BUDGET_AGENT_MONTHS:.3g} agent-months (≈ {BUDGET_HOURS:g} h of "
                             "one core); allowed: fewer --steps or a smaller --scale, or --allow-large")
    return work


# --------------------------------------------------------------------------- memory


def check_memory(per_worker_bytes: int, workers: int, available: int | None = None, *, flag: str = "--workers") -> int:
    """Refuse ``workers`` processes of ``per_worker_bytes`` each when they need more than ``MEMORY_SHARE``
    of the ``available`` memory (default: ``psutil.virtual_memory().available`` now).

    Returns:
        The largest number of workers that fits.

    Raises:
        ParameterError: one line with the estimate per worker, the workers, the memory available and the
            largest worker count that fits; if not even one fits, asking for a smaller scale.
    """
    if available is None:
        import psutil

        available = int(psutil.virtual_memory().available)
    usable = int(available * MEMORY_SHARE)
    fits = usable // max(1, int(per_worker_bytes))
    where = f"{_size(available)} is available ({MEMORY_SHARE:.0%} usable: {_size(usable)})"
    if fits < 1:
        raise ParameterError(f"{flag}: one run needs ≈ {_size(per_worker_bytes)} of memory (estimate per worker) "
                             f"but {where}: not even 1 of the {workers} worker{'s' if workers != 1 else ''} fits; "
                             "allowed a smaller population.scale (fewer agents)")
    if workers > fits:
        raise ParameterError(f"{flag}: value {workers} workers need ≈ {_size(per_worker_bytes * workers)} "
                             f"({_size(per_worker_bytes)} per worker) but {where}; allowed at most {fits} "
                             f"worker{'s' if fits != 1 else ''}")
    return fits


def _size(n: float) -> str:
    """Bytes as MiB or GiB."""
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
