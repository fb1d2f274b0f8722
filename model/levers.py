"""Policy levers as monthly schedules, with what is known in advance (announcements)."""

from __future__ import annotations

import numpy as np

from model.parameters import LeverPath, month_index

LEVERS = ("robot_tax", "robot_adoption", "robot_cap", "capital_controls", "cbdc_surveillance", "carry_tax")


def schedule(path: LeverPath, start: str, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Realised values and announcement months of a lever path over ``months`` steps.

    Returns:
        values: shape (months,), the lever's value in force at each step.
        announced_at: shape (months,), the step from which each step's value is public
            knowledge (the change's date less its lead; -inf-like for the initial value).
    """
    origin = month_index(start)
    values = np.full(months, path.initial, dtype=float)
    announced_at = np.full(months, -10**6, dtype=np.int64)
    for change in path.changes:
        at = month_index(change.at) - origin
        lo = max(at, 0)
        values[lo:] = change.value
        announced_at[lo:] = at - change.announce_months
    return values, announced_at


class LeverSchedules:
    """Every lever of every jurisdiction, tabulated month by month.

    ``values[name]`` has shape (months, J). The tables start with ``months`` steps and grow (at
    least doubling) when a later step is asked for, so a change takes effect at whatever date a run
    reaches. Expectations use only changes announced by the step at which they are formed.
    """

    def __init__(self, jurisdictions: list, start: str, months: int):
        self.start = start
        self.paths: dict[str, list[LeverPath]] = {name: [getattr(j, name) for j in jurisdictions] for name in LEVERS}
        self.tabulate(months)

    def tabulate(self, months: int) -> None:
        """Build the tables over the first ``months`` steps."""
        self.months = months
        self.values: dict[str, np.ndarray] = {}
        self.announced_at: dict[str, np.ndarray] = {}
        for name, paths in self.paths.items():
            cols = [schedule(path, self.start, months) for path in paths]
            self.values[name] = np.stack([c[0] for c in cols], axis=1)
            self.announced_at[name] = np.stack([c[1] for c in cols], axis=1)

    def reach(self, step: int) -> None:
        """Grow the tables, if needed, so they hold ``step``."""
        if step >= self.months:
            self.tabulate(max(step + 1, 2 * self.months))

    def current(self, name: str, step: int) -> np.ndarray:
        """Values in force at ``step``."""
        self.reach(step)
        return self.values[name][step]

    def expected_max(self, name: str, step: int, horizon: int) -> np.ndarray:
        """Highest value known at ``step`` to be in force within ``horizon`` months.

        Unannounced future changes are invisible; announced ones count from their effective month.
        """
        self.reach(step + horizon)
        window = self.values[name][step : step + horizon + 1]
        known = self.announced_at[name][step : step + horizon + 1] <= step
        masked = np.where(known, window, -np.inf)
        return np.maximum(self.current(name, step), masked.max(axis=0))
