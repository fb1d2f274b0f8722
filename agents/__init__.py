"""The five agent types, each a ``mesa.Agent`` view on array-backed state."""

from agents.ai_talent import AITalent
from agents.capital_allocator import CapitalAllocator
from agents.firm import Firm
from agents.government import Government
from agents.worker import Worker

__all__ = ["AITalent", "CapitalAllocator", "Firm", "Government", "Worker"]
