"""Supply connectivity: a pure function of a road graph (scipy.sparse.csgraph).

Assumption (DESIGN.md): a faction's towns are supplied when a chain of towns held by the
faction or its allies links them by road to one of its supply sources.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .routes import nearest_of


def supplied_towns(territory: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Towns joined to one of ``sources`` by roads open in ``territory`` (a road graph whose
    roads outside the faction's territory are closed, as built by ``Roads.masked``).
    ``sources`` must lie inside the territory."""
    d, _ = nearest_of(territory, sources)
    return np.isfinite(d)
