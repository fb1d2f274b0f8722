"""The publication style of the paper's figures: one look for every figure ``whoosh figures`` draws.

Readable fonts at print size, the Okabe & Ito (2008) colour-blind-safe palette, one colour per
jurisdiction in every figure, and files that do not change from one build to the next (no dates or
software versions in the PNG and PDF metadata).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
JURISDICTION_COLOURS = {"US": "#0072B2", "China": "#D55E00", "EU": "#009E73", "Singapore": "#E69F00",
                        "UAE": "#CC79A7", "Switzerland": "#56B4E9"}
SKILL_COLOURS = {"low": "#D55E00", "medium": "#E69F00", "high": "#0072B2"}
SINGLE_COLUMN = 3.5     # inches: a journal's column
DOUBLE_COLUMN = 7.2     # inches: the full text width
DPI = 200

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "lines.linewidth": 1.4,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "pdf.fonttype": 42,          # TrueType in the PDF: text stays text for journals' checkers
    "svg.hashsalt": "bigwhoosh",
}


@contextmanager
def publication() -> Iterator[None]:
    """Draw inside the publication style (restored afterwards)."""
    with plt.rc_context(RC):
        yield


def colour(i: int) -> str:
    """The ``i``-th colour of the palette (cycling)."""
    return PALETTE[i % len(PALETTE)]


def save(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.pdf (each atomically) and close the figure.

    Returns:
        The two paths written.
    """
    written = []
    for suffix, metadata in ((".png", {"Software": None}), (".pdf", {"CreationDate": None, "ModDate": None,
                                                                      "Producer": None, "Creator": "Big Whoosh"})):
        path = stem.with_suffix(suffix)
        staging = path.with_name(f".{path.name}.tmp{suffix}")
        fig.savefig(staging, dpi=DPI, metadata=metadata)
        staging.replace(path)
        written.append(path)
    plt.close(fig)
    return written
