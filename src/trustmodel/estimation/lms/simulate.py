"""Data from a latent interaction model (for recovery studies, benchmarks and examples)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..._validation import check_seed


def simulate_interaction(n: int, *, gamma=(0.4, 0.3), omega: float = 0.25, phi: float = 0.3,
                         psi: float = 0.5, loadings=(1.0, 0.8, 0.9), theta: float = 0.3,
                         seed=None) -> pd.DataFrame:
    """Simulate ``Y = g1 X + g2 Z + omega X Z + zeta`` with three indicators per latent.

    ``X, Z`` standard normal with correlation ``phi``; indicators ``x_k = l_k X + e``,
    ``Var(e) = theta``, likewise ``z1..``, ``y1..`` (intercept 0). Columns
    ``x1.. z1.. y1..``.

    Examples
    --------
    >>> from trustmodel.estimation.lms.simulate import simulate_interaction
    >>> simulate_interaction(5, seed=1).shape
    (5, 9)
    """
    rng = check_seed(seed)
    xz = rng.multivariate_normal([0.0, 0.0], [[1.0, phi], [phi, 1.0]], size=n)
    X, Z = xz[:, 0], xz[:, 1]
    Y = gamma[0] * X + gamma[1] * Z + omega * X * Z + rng.normal(0, np.sqrt(psi), n)
    cols = {}
    for name, lat in (("x", X), ("z", Z), ("y", Y)):
        for k, lam in enumerate(loadings, start=1):
            cols[f"{name}{k}"] = lam * lat + rng.normal(0, np.sqrt(theta), n)
    return pd.DataFrame(cols)
