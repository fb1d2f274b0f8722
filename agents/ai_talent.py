"""AI talent: the small, mobile group the AI economy rests on."""

from __future__ import annotations

from agents.views import ArrayAgent, column
from model.populations import TalentPopulation


class AITalent(ArrayAgent):
    """One AI researcher or engineer (or several alike).

    Each month a share reconsiders where to live (model/phases/talent_choice.py; the exit costs in
    model/door.py); they are paid in model/phases/incomes.py and may keep working remotely for their
    employer, and the IP rent they produce is booked where they live (model/phases/firm_accounts.py).
    """

    home = column("home", "home jurisdiction")
    location = column("location", "current jurisdiction")
    productivity = column("productivity", "heavy-tailed, mean 1")
    weight = column("weight")
    liquid = column("liquid", "liquid wealth, k$ per person")
    illiquid = column("illiquid", "illiquid wealth (equity), k$ per person")
    trapped = column("trapped", "wealth blocked in a jurisdiction left, k$ per person")
    employer = column("employer", "bits firm row")
