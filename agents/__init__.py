"""The five agent types, each a ``mesa.Agent`` view on array-backed state."""

from agents.ai_talent import AITalent
from agents.capital_allocator import CapitalAllocator
from agents.firm import Firm
from agents.government import Government
from agents.worker import Worker

from agents.views import make_views

__all__ = ["AITalent", "CapitalAllocator", "Firm", "Government", "Worker", "create_views"]


def create_views(model) -> None:
    """Register one ``mesa.Agent`` view per row of each of the model's populations."""
    s = model.state
    for cls, population in ((Worker, s.workers), (Firm, s.firms), (AITalent, s.talent), (Government, s.gov),
                            (CapitalAllocator, s.allocators)):
        make_views(cls, model, population, len(population))
