"""Factor scores as lavaan's ``lavPredict`` computes them (``R/lav_predict.R``).

Two methods, per group, on the rows the fit used:

- ``"regression"`` (Thurstone; lavaan's ``lav_predict_eta_normal``)::

      eta_i = E(eta) + Cov(eta, y) Sigma^-1 (y_i - E(y))

- ``"bartlett"`` (``lav_predict_eta_bartlett``)::

      eta_i = E(eta) + (Lambda' Theta^-1 Lambda)^-1 Lambda' Theta^-1 (y_i - E(y))

``E(y)`` and ``E(eta)`` are the model-implied means when the model has a mean structure;
without one, lavaan centres the data at the sample means and the latent means are zero.
``Sigma``, ``Cov(eta, y)``, ``Lambda`` and ``Theta`` come from the RAM matrices at the estimates,
so structural paths among latents (``B``) enter through the implied latent covariances exactly
as lavaan's ``VETA``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import OptionError

METHODS = ("regression", "bartlett")


def _n_input_rows(stats) -> int:
    last = [int(g.rows.max()) + 1 for g in stats.groups if g.rows is not None and len(g.rows)]
    return max(sum(g.nobs for g in stats.groups) + int(stats.n_dropped), max(last, default=0))


def factor_scores(res, method: str = "regression", index=None) -> pd.DataFrame:
    """Factor scores of every latent variable, one row per row of the input data.

    Parameters
    ----------
    res : FitResult
        A fit on raw data (``tm.fit(model, data)``).
    method : {"regression", "bartlett"}
        lavaan's ``lavPredict(fit, method = "regression")`` (default) or ``"Bartlett"``.
    index : pandas.Index, optional
        Row labels of the data that was fitted (``data.index``); default positions 0..n-1.

    Returns
    -------
    pandas.DataFrame
        Columns are the latent variables; rows are aligned with the fitted data, rows dropped by
        listwise deletion are kept as NaN in place. Multi-group fits get a ``group`` column.

    Raises
    ------
    OptionError
        Unknown method.
    DataError
        The model was fitted from moments (``sample_cov=``), so there are no rows to score.

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> res = tm.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\n"
    ...              "speed =~ x7 + x8 + x9", hs)
    >>> fs = factor_scores(res)          # lavaan: lavPredict(fit, method = "regression")
    >>> float(round(fs.loc[0, "visual"], 4))
    -0.8177
    >>> float(round(factor_scores(res, "bartlett").loc[0, "visual"], 4))  # "Bartlett"
    -1.3695
    """
    from .._errors import DataError
    m = str(method).lower()
    if m not in METHODS:
        raise OptionError(f"The 'method' parameter of factor_scores must be one of "
                          f"{list(METHODS)}. Got {method!r} instead.")
    stats = res.stats
    if any(g.data is None or g.rows is None for g in stats.groups):
        raise DataError("Factor scores need the raw data: this model was fitted from sample "
                        "moments (sample_cov=).")
    if np.isnan(np.concatenate([g.data.ravel() for g in stats.groups])).any():
        raise DataError("Factor scores with missing values (FIML) are not supported yet; "
                        "fit with missing='listwise'.")
    model = res.state.problem.model
    values = res.state.values
    lv = list(model.lv)
    n_rows = _n_input_rows(stats)
    out = np.full((n_rows, len(lv)), np.nan)
    group_col = np.full(n_rows, None, dtype=object)
    for g, gs in enumerate(stats.groups):
        scores = _scores_group(model, values, g, gs, m)
        out[gs.rows] = scores
        group_col[gs.rows] = gs.label
    frame = pd.DataFrame(out, columns=lv)
    if index is not None:
        if len(index) != n_rows:
            raise DataError(f"index= has {len(index)} labels but the fitted data had {n_rows} "
                            "rows.")
        frame.index = index
    if stats.ngroups > 1:
        frame.insert(0, "group", group_col)
    return frame


def _scores_group(model, values, g, gs, method) -> np.ndarray:
    p = model.p
    A, S, mvec = model.matrices(values, g)
    E = np.linalg.inv(np.eye(model.n) - A)
    cov_all = E @ S @ E.T
    mean_all = E @ mvec
    if model.meanstructure:
        ey, eeta = mean_all[:p], mean_all[p:]
    else:
        ey, eeta = gs.mean, np.zeros(model.n - p)
    yc = gs.data - ey
    if method == "regression":
        sigma = cov_all[:p, :p]
        c_ey = cov_all[p:, :p]
        weights = np.linalg.solve(sigma, c_ey.T)          # p x m
    else:
        lam = A[:p, p:]
        theta = S[:p, :p]
        ti_l = np.linalg.solve(theta, lam) if np.all(np.diag(theta) > 0) else \
            np.linalg.pinv(theta) @ lam
        weights = ti_l @ np.linalg.pinv(lam.T @ ti_l)     # p x m
    return eeta + yc @ weights
