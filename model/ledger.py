"""Stock-flow consistent ledger: every money flow is a transfer between accounts.

Accounts are (sector, jurisdiction) pairs. The central bank's account is the counterpart of
money issuance, so the sum of all balances is zero at all times; money is created only by
:meth:`Ledger.issue` (bank lending, deficit finance) and destroyed by paying the central bank.
"""

from __future__ import annotations

import numpy as np

SECTOR_ACCOUNTS = ("households", "talent", "firms", "allocators", "government", "blocked", "foreign", "central_bank")


class Ledger:
    """Balances of every account, moved only by transfers."""

    def __init__(self, n_jurisdictions: int):
        self.index = {name: i for i, name in enumerate(SECTOR_ACCOUNTS)}
        self.balances = np.zeros((len(SECTOR_ACCOUNTS), n_jurisdictions))

    def transfer(self, src: str, src_j, dst: str, dst_j, amount) -> None:
        """Move ``amount`` from ``src`` accounts to ``dst`` accounts (vectorised over jurisdictions).

        Args:
            src, dst: sector account names.
            src_j, dst_j: jurisdiction index or integer array of them.
            amount: amount or array of amounts (same length as the index arrays).
        """
        same = src_j is dst_j       # most flows stay within a jurisdiction: one count serves both sides
        src_j, dst_j, amount = np.broadcast_arrays(np.asarray(src_j), np.asarray(dst_j), np.asarray(amount, dtype=float))
        n = self.balances.shape[1]
        weights = amount.ravel()
        out = np.bincount(src_j.ravel(), weights=weights, minlength=n)
        inc = out if same else np.bincount(dst_j.ravel(), weights=weights, minlength=n)
        self.balances[self.index[src]] -= out
        self.balances[self.index[dst]] += inc

    def transfer_by_jurisdiction(self, src: str, dst: str, amounts: np.ndarray) -> None:
        """Move ``amounts[j]`` from ``src`` to ``dst`` within each jurisdiction j."""
        self.balances[self.index[src]] -= amounts
        self.balances[self.index[dst]] += amounts

    def pooled(self, src: str, paid: np.ndarray, dst: str, received: np.ndarray) -> None:
        """A many-to-many flow: ``paid[j]`` leaves ``src`` accounts and ``received[j]`` reaches ``dst`` ones.

        Raises:
            ValueError: when the totals paid and received differ (money would appear or vanish).
        """
        if abs(paid.sum() - received.sum()) > 1e-9 * max(abs(paid).sum(), 1.0):
            raise ValueError(f"pooled flow {src}->{dst} does not balance: {paid.sum()} paid, {received.sum()} received")
        self.balances[self.index[src]] -= paid
        self.balances[self.index[dst]] += received

    def issue(self, dst: str, amounts: np.ndarray) -> None:
        """Create money: the central bank of each jurisdiction credits ``dst``."""
        self.transfer_by_jurisdiction("central_bank", dst, amounts)

    def balance(self, sector: str) -> np.ndarray:
        return self.balances[self.index[sector]]

    def error(self, micro: dict[str, np.ndarray]) -> float:
        """Relative error of the books.

        Two identities: all balances sum to zero (money has a counterpart), and each sector
        account equals the sum of the agents' own holdings (``micro``, sector → per-jurisdiction
        totals). Errors are relative to the money stock held by the non-bank sectors.
        """
        scale = max(np.abs(self.balances[:-1]).sum(), 1.0)
        worst = abs(self.balances.sum())
        for sector, totals in micro.items():
            worst = max(worst, float(np.abs(self.balance(sector) - totals).max()))
        return worst / scale
