"""Unit tests of the stock-flow ledger and of lever schedules / announced expectations."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.ledger import Ledger
from model.levers import LEVERS, LeverSchedules, schedule
from model.parameters import LeverChange, LeverPath
from tests.conftest import build

# =========================================================================== ledger


def books() -> Ledger:
    """issue [100, 50, 0] to households, then households -> firms [10, 20, 5] from j [0,0,1] to j [0,1,2]."""
    ledger = Ledger(3)
    ledger.issue("households", np.array([100.0, 50.0, 0.0]))
    ledger.transfer("households", np.array([0, 0, 1]), "firms", np.array([0, 1, 2]), np.array([10.0, 20.0, 5.0]))
    return ledger


def test_issue_credits_sector_against_central_bank():
    ledger = Ledger(2)
    ledger.issue("government", np.array([30.0, 7.0]))
    np.testing.assert_allclose(ledger.balance("government"), [30.0, 7.0])
    np.testing.assert_allclose(ledger.balance("central_bank"), [-30.0, -7.0])
    assert ledger.balances.sum() == pytest.approx(0.0)


def test_transfer_moves_money_between_jurisdictions():
    # households: [100, 50, 0] - [10+20, 5, 0] = [70, 45, 0]; firms receive [10, 20, 5]
    ledger = books()
    np.testing.assert_allclose(ledger.balance("households"), [70.0, 45.0, 0.0])
    np.testing.assert_allclose(ledger.balance("firms"), [10.0, 20.0, 5.0])
    assert ledger.balances.sum() == pytest.approx(0.0)


def test_transfer_broadcasts_scalar_index_and_amount():
    ledger = books()
    ledger.transfer("firms", 0, "government", 1, 4.0)
    np.testing.assert_allclose(ledger.balance("firms"), [6.0, 20.0, 5.0])
    np.testing.assert_allclose(ledger.balance("government"), [0.0, 4.0, 0.0])


def test_transfer_by_jurisdiction_moves_within_each_jurisdiction():
    ledger = books()
    ledger.transfer_by_jurisdiction("firms", "government", np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(ledger.balance("firms"), [9.0, 18.0, 2.0])
    np.testing.assert_allclose(ledger.balance("government"), [1.0, 2.0, 3.0])


def test_random_transfers_keep_sum_of_balances_zero():
    rng = np.random.default_rng(0)
    ledger = Ledger(4)
    ledger.issue("households", rng.uniform(0, 100, 4))
    sectors = ["households", "talent", "firms", "allocators", "government", "blocked", "foreign"]
    for _ in range(50):
        src, dst = rng.choice(sectors, 2)
        ledger.transfer(str(src), rng.integers(0, 4, 5), str(dst), rng.integers(0, 4, 5), rng.uniform(-5, 20, 5))
    assert abs(ledger.balances.sum()) < 1e-9
    assert ledger.error({}) < 1e-12


def test_pooled_moves_balanced_many_to_many_flow():
    ledger = books()
    ledger.pooled("firms", np.array([4.0, 0.0, 0.0]), "households", np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(ledger.balance("firms"), [6.0, 20.0, 5.0])
    np.testing.assert_allclose(ledger.balance("households"), [71.0, 46.0, 2.0])
    assert ledger.balances.sum() == pytest.approx(0.0)


def test_pooled_raises_on_unbalanced_totals_and_leaves_books_untouched():
    ledger = books()
    before = ledger.balances.copy()
    with pytest.raises(ValueError):
        ledger.pooled("firms", np.array([1.0, 0.0, 0.0]), "households", np.array([0.0, 0.0, 2.0]))
    np.testing.assert_array_equal(ledger.balances, before)


def test_error_is_zero_when_micro_matches_books():
    ledger = books()
    assert ledger.error({"households": np.array([70.0, 45.0, 0.0]), "firms": np.array([10.0, 20.0, 5.0])}) == 0.0


def test_error_detects_micro_macro_mismatch():
    # worst gap 5 (households j1); scale = |non-bank balances| = 115 + 35 = 150 -> 5/150
    ledger = books()
    err = ledger.error({"households": np.array([70.0, 40.0, 0.0]), "firms": np.array([10.0, 20.0, 5.0])})
    assert err == pytest.approx(5.0 / 150.0)


def test_error_detects_money_without_counterpart():
    # +3 appears in "blocked" without a debit: sum 3; scale 150 + 3 = 153
    ledger = books()
    ledger.balances[ledger.index["blocked"], 0] += 3.0
    assert ledger.error({}) == pytest.approx(3.0 / 153.0)


# =========================================================================== levers


def path(initial: float, *changes: tuple) -> LeverPath:
    return LeverPath(initial=initial, changes=[LeverChange(at=at, value=v, announce_months=a) for at, v, a in changes])


def test_schedule_applies_change_from_its_month():
    # start 2030-01: change at 2030-03 = step 2, announced 6 months earlier -> step -4
    values, announced = schedule(path(0.0, ("2030-03", 0.5, 6)), "2030-01", 6)
    np.testing.assert_array_equal(values, [0.0, 0.0, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(announced[2:], [-4, -4, -4, -4])
    assert np.all(announced[:2] <= -10**5)


def test_schedule_successive_and_past_changes():
    # 2029-11 is step -2 (in force from step 0); 2030-04 is step 3, announced 1 month ahead -> 2
    values, announced = schedule(path(0.1, ("2029-11", 0.3, 0), ("2030-04", 0.9, 1)), "2030-01", 5)
    np.testing.assert_array_equal(values, [0.3, 0.3, 0.3, 0.9, 0.9])
    np.testing.assert_array_equal(announced, [-2, -2, -2, 2, 2])


def test_schedule_ignores_changes_past_the_horizon():
    values, _ = schedule(path(0.2, ("2031-01", 1.0, 0)), "2030-01", 6)
    np.testing.assert_array_equal(values, np.full(6, 0.2))


def jurisdiction(controls: LeverPath) -> SimpleNamespace:
    """A jurisdiction whose levers are all 0 but capital controls, which follow ``controls``."""
    return SimpleNamespace(**{**{name: LeverPath(initial=0.0) for name in LEVERS}, "capital_controls": controls})


def schedules() -> LeverSchedules:
    """Two jurisdictions tabulated for 12 months from 2030-01; capital controls rise at step 6 (2030-07):

    j0 to 0.8, announced 3 months ahead (known from step 3); j1 to 0.5 as a surprise.
    """
    return LeverSchedules([jurisdiction(path(0.0, ("2030-07", 0.8, 3))), jurisdiction(path(0.0, ("2030-07", 0.5, 0)))],
                          "2030-01", 12)


def test_current_returns_values_in_force_at_any_step():
    lev = schedules()
    np.testing.assert_array_equal(lev.current("capital_controls", 5), [0.0, 0.0])
    np.testing.assert_array_equal(lev.current("capital_controls", 6), [0.8, 0.5])
    np.testing.assert_array_equal(lev.current("capital_controls", 500), [0.8, 0.5])


def test_expected_max_ignores_unannounced_changes():
    lev = schedules()
    # at step 2 nothing is announced yet; j1's change is never announced before step 6
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 2, 24), [0.0, 0.0])
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 5, 24), [0.8, 0.0])


def test_expected_max_sees_announced_change_from_at_minus_announce_months():
    lev = schedules()
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 3, 24), [0.8, 0.0])   # 6 - 3 = 3
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 6, 24), [0.8, 0.5])   # in force


def test_expected_max_limited_to_horizon():
    lev = schedules()
    # step 3, horizon 2: window steps 3..5 ends before the change at 6
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 3, 2), [0.0, 0.0])
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 3, 3), [0.8, 0.0])


def test_changes_past_the_first_table_take_effect_and_are_anticipated():
    # tabulated for 12 months from 2030-01; the change is at 2031-07 (step 18), announced 6 months ahead (step 12)
    lev = LeverSchedules([jurisdiction(path(0.0, ("2031-07", 0.7, 6)))], "2030-01", 12)
    np.testing.assert_array_equal(lev.current("capital_controls", 17), [0.0])
    np.testing.assert_array_equal(lev.current("capital_controls", 18), [0.7])
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 11, 24), [0.0])
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 12, 5), [0.0])
    np.testing.assert_array_equal(lev.expected_max("capital_controls", 12, 6), [0.7])


def test_grown_tables_answer_as_a_table_made_long_at_once():
    rng = np.random.default_rng(1)

    def random_path() -> LeverPath:
        months = np.sort(rng.integers(0, 600, size=4))
        return path(float(rng.uniform()), *[(f"{2030 + m // 12}-{m % 12 + 1:02d}", float(rng.uniform()),
                                              int(rng.integers(0, 121))) for m in months])

    jurisdictions = [jurisdiction(random_path()) for _ in range(3)]
    grown, long = LeverSchedules(jurisdictions, "2030-01", 12), LeverSchedules(jurisdictions, "2030-01", 1000)
    for step in range(0, 700, 7):
        np.testing.assert_array_equal(grown.current("capital_controls", step), long.current("capital_controls", step))
        for horizon in (1, 24, 120):
            np.testing.assert_array_equal(grown.expected_max("capital_controls", step, horizon),
                                          long.expected_max("capital_controls", step, horizon))


def test_a_change_dated_after_thirty_years_reaches_the_model():
    model = build("baseline", ['jurisdictions.US.capital_controls=[{at="2055-06", value=0.7}]'], scale=0.05)
    for _ in range(366):
        model.step()
    controls = model.metrics_frame().set_index("date")["capital_controls_US"]
    assert (controls["2055-05"], controls["2055-06"]) == (0.0, pytest.approx(0.7))
