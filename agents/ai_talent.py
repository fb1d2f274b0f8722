"""AI talent: the small, mobile group the AI economy rests on."""

from __future__ import annotations

import numpy as np

from agents.views import ArrayAgent, column


class TalentPopulation:
    """State of all AI talent as arrays; each row stands for ``weight`` people (money per person)."""

    def __init__(self, home: np.ndarray, productivity: np.ndarray, weight: np.ndarray):
        n = len(home)
        self.home = home.astype(np.intp)
        self.location = home.astype(np.intp, copy=True)
        self.productivity = productivity.astype(float)
        self.weight = weight.astype(float)
        self.liquid = np.zeros(n)
        self.illiquid = np.zeros(n)
        self.trapped = np.zeros(n)               # wealth left behind, blocked at ``trapped_in``
        self.trapped_in = home.astype(np.intp, copy=True)
        self.employer = np.full(n, -1, dtype=np.intp)
        self.months_since_move = np.zeros(n, dtype=np.intp)
        self.pay = np.zeros(n)

    def __len__(self) -> int:
        return len(self.home)


class AITalent(ArrayAgent):
    """One AI researcher or engineer (or several alike).

    Each month a share reconsiders where to live (model/talent_choice.py); they may keep
    working remotely for their employer, and the IP rent they produce is booked where they live
    (model/ip.py).
    """

    home = column("home", "home jurisdiction")
    location = column("location", "current jurisdiction")
    productivity = column("productivity", "heavy-tailed, mean 1")
    weight = column("weight")
    liquid = column("liquid", "liquid wealth, k$ per person")
    illiquid = column("illiquid", "illiquid wealth (equity), k$ per person")
    trapped = column("trapped", "wealth blocked in a jurisdiction left, k$ per person")
    employer = column("employer", "bits firm row")
    months_since_move = column("months_since_move")
