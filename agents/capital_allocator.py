"""Capital allocators: index funds, venture (2-and-20), state tournament planners and sovereign funds."""

from __future__ import annotations

from agents.views import ArrayAgent, column
from model.domain import ALLOCATOR_KINDS, INDEX, SOVEREIGN, TOURNAMENT, VENTURE
from model.populations import AllocatorPopulation


class CapitalAllocator(ArrayAgent):
    """An allocator of one kind in one jurisdiction.

    Behaviour: model/phases/capital_allocation.py (fees, distributions, new money, tournament reviews,
    investment), model/phases/entry_exit.py (funding entrants), model/phases/capital_flight.py.
    """

    jurisdiction = column("jurisdiction")
    kind = column("kind", "0 index, 1 venture, 2 tournament, 3 sovereign")
    cash = column("cash", "k$")
    fees = column("fees", "k$ charged this month")

    @property
    def kind_name(self) -> str:
        return ALLOCATOR_KINDS[self.kind]

    @property
    def shares(self) -> float:
        """Shares held, summed over firms (each firm's shares are priced separately)."""
        return float(self.population.stakes[self.row].sum())

    @property
    def shares_abroad(self) -> float:
        """Shares held in other jurisdictions' firms, summed over firms."""
        pop = self.population
        abroad = pop.firm_jurisdiction != pop.jurisdiction[self.row]
        return float(pop.stakes[self.row, abroad].sum())
