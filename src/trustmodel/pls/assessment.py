"""Measurement-model assessment for PLS: alpha, rho_A, rho_C, AVE, HTMT, Fornell-Larcker, VIF, f².

Conventions follow seminr (``evaluate_reliability.R``, ``evaluate_validity.R``): Cronbach's
alpha on the item correlation matrix, rho_C (Dillon-Goldstein) and AVE from the loadings (the
corrected loadings under PLSc), all three set to 1 for one-item blocks; rho_A of Dijkstra &
Henseler (2015), 1 for Mode B blocks; HTMT of Henseler, Ringle & Sarstedt (2015) from the
indicator correlations (the monotrait mean of a one-item block is 1); VIF and f² as in
Hair et al. (2022, ch. 5-6).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .quality import htmt_batch, htmt_pairs


def reliability(spec, S, L, rho) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(spec.constructs):
        idx = spec.block_of(j)
        k = len(idx)
        if k < 2:
            rows.append((c, 1.0, 1.0, 1.0, 1.0))
            continue
        R = S[np.ix_(idx, idx)]
        alpha = k / (k - 1) * (1 - np.trace(R) / R.sum())
        lam = L[idx, j]
        rhoc = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
        ave = float(np.mean(lam ** 2))
        rows.append((c, alpha, float(rho[j]), rhoc, ave))
    return pd.DataFrame(rows, columns=["construct", "alpha", "rhoA", "rhoC", "AVE"]
                        ).set_index("construct")


def htmt(spec, S) -> pd.DataFrame:
    """HTMT of every construct pair as a symmetric table (see :func:`quality.htmt_batch`)."""
    J = spec.n_constructs
    H = np.full((J, J), np.nan)
    for (i, j), h in zip(htmt_pairs(spec), htmt_batch(np.asarray(S)[None], spec)[0]):
        H[i, j] = H[j, i] = h
    return pd.DataFrame(H, index=list(spec.constructs), columns=list(spec.constructs))


def fornell_larcker(spec, C, ave) -> pd.DataFrame:
    M = np.array(C, dtype=float).copy()
    M[np.diag_indices_from(M)] = np.sqrt(ave)
    return pd.DataFrame(M, index=list(spec.constructs), columns=list(spec.constructs))


def vif_outer(spec, S) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(spec.constructs):
        idx = spec.block_of(j)
        v = np.diag(np.linalg.inv(S[np.ix_(idx, idx)])) if len(idx) > 1 else np.ones(1)
        rows += [(c, spec.indicators[i], float(x)) for i, x in zip(idx, v)]
    return pd.DataFrame(rows, columns=["construct", "indicator", "vif"])


def vif_inner(spec, C) -> pd.DataFrame:
    rows = []
    for j in spec.endogenous:
        pred = spec.predecessors(j)
        v = np.diag(np.linalg.inv(C[np.ix_(pred, pred)])) if len(pred) > 1 else np.ones(1)
        rows += [(spec.constructs[j], spec.constructs[k], float(x)) for k, x in zip(pred, v)]
    return pd.DataFrame(rows, columns=["lhs", "rhs", "vif"])


def _r2(C, pred, j):
    if not pred:
        return 0.0
    beta = np.linalg.solve(C[np.ix_(pred, pred)], C[pred, j])
    return float(beta @ C[pred, j])


def f_squared(spec, C) -> pd.DataFrame:
    rows = []
    for j in spec.endogenous:
        pred = spec.predecessors(j)
        full = _r2(C, pred, j)
        for k in pred:
            excl = _r2(C, [m for m in pred if m != k], j)
            rows.append((spec.constructs[j], spec.constructs[k], (full - excl) / (1 - full)))
    return pd.DataFrame(rows, columns=["lhs", "rhs", "f2"])
