"""The model's fixed vocabulary: skills, sectors, firm kinds and allocator kinds, with their indices."""

from __future__ import annotations

import numpy as np

SKILLS = ("low", "medium", "high")
N_SKILLS = len(SKILLS)
LOW, MEDIUM, HIGH = range(N_SKILLS)

SECTORS = ("food_service", "manufacturing", "logistics", "white_collar", "ai_labs", "software")
BITS_SECTORS = ("ai_labs", "software")
BITS_MASK = np.array([s in BITS_SECTORS for s in SECTORS])
AI_LABS = SECTORS.index("ai_labs")

FIRM_KINDS = ("atoms", "bits")
ATOMS, BITS = range(len(FIRM_KINDS))

ALLOCATOR_KINDS = ("index", "venture", "tournament", "sovereign")
INDEX, VENTURE, TOURNAMENT, SOVEREIGN = range(len(ALLOCATOR_KINDS))
