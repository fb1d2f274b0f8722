"""The model's state and metrics after 36 months match the stored golden-master hashes.

See tests/golden_master.py for what is hashed and how to re-baseline on purpose.
"""

from __future__ import annotations

import pytest

from tests import golden_master as gm

STORED = gm.stored()


@pytest.mark.parametrize("case", gm.cases(), ids=gm.case_id)
def test_state_and_metrics_match_the_golden_master(case):
    if STORED is None:
        pytest.skip(f"no golden master recorded for numpy {gm.numpy_key()}: run `python -m tests.golden_master --update` "
                    "on a checkout whose behaviour is known to be right")
    expected = STORED.get(gm.case_id(case))
    assert expected is not None, f"{gm.case_id(case)} has no stored hashes; re-baseline with --update"
    actual = gm.run_case(case)
    changed = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not changed, f"{gm.case_id(case)}: {', '.join(changed)} changed"
