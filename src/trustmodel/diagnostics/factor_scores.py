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

Missing data (``missing="fiml"``, lavaan's ``missing = "ml"``): as ``lav_predict_eta_normal`` /
``lav_predict_eta_bartlett`` with ``lavdata@Mp``, each row is scored from its observed
variables ``o`` only, with the weights of its missing-data pattern::

    regression:  eta_i = E(eta) + Cov(eta, y_o) Sigma_oo^-1 (y_io - E(y_o))
    Bartlett:    eta_i = E(eta) + (L_o' Sigma_oo^-1 L_o)^-1 L_o' Sigma_oo^-1 (y_io - E(y_o))

(lavaan's Bartlett weights are the "GLS" form with ``Sigma``, equal to the ``Theta`` form when
``Theta_oo`` is positive definite, Bentler & Yuan 1997). A latent none of whose indicators is
observed in a row gets ``NaN`` as its Bartlett score there (lavaan: "showing 'NA' is better than
getting 0"); its regression score still borrows from the other latents. Patterns with the same
number of observed variables are solved in one batched call; complete data is the single
all-observed pattern, so the two cases share one code path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import OptionError
from ..estimation.core.linalg import inv_or_pinv
from ..estimation.fiml.patterns import missing_patterns, pattern_blocks

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
        listwise deletion (or, under FIML, rows with no observed value) are kept as NaN in
        place. Under ``missing="fiml"`` each row is scored from its observed variables (see
        the module docstring). Multi-group fits get a ``group`` column.

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
    model = res.state.problem.model
    values = res.state.values
    lv = list(model.lv)
    n_rows = _n_input_rows(stats)
    out = np.full((n_rows, len(lv)), np.nan)
    group_col = np.full(n_rows, None, dtype=object)
    for g, gs in enumerate(stats.groups):
        out[gs.rows] = _scores_group(model, values, g, gs.data, gs.mean, m)
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


def _scores_group(model, values, g, Y, sample_mean, method) -> np.ndarray:
    """Scores of one group's rows ``Y`` (NaN = missing), per missing-data pattern."""
    p = model.p
    A, S, mvec = model.matrices(values, g)
    E = np.linalg.inv(np.eye(model.n) - A)
    cov_all = E @ S @ E.T
    if model.meanstructure:
        mean_all = E @ mvec
        ey, eeta = mean_all[:p], mean_all[p:]
    else:  # lavaan centres at the sample means; latent means zero
        ey, eeta = sample_mean, np.zeros(model.n - p)
    sigma = cov_all[:p, :p]
    c_ey = cov_all[p:, :p]                                  # Cov(eta, y): m x p
    lam = A[:p, p:]                                         # direct loadings: p x m
    has_ind = np.any(lam != 0, axis=0)                      # latents with indicators at all
    yc = Y - ey
    out = np.full((len(Y), model.n - p), np.nan)
    for _, obs, rows, pid in pattern_blocks(*missing_patterns(Y)):
        po = obs.shape[1]
        if po == 0:
            continue
        s_oo = sigma[obs[:, :, None], obs[:, None, :]]      # K x po x po
        if method == "regression":
            # Cov(eta, y_o) Sigma_oo^-1 = (Sigma_oo^-1 Cov(y_o, eta))'
            w = np.linalg.solve(s_oo, c_ey.T[obs])          # K x po x m
        else:
            l_o = lam[obs]                                  # K x po x m
            wl = np.linalg.solve(s_oo, l_o)                 # Sigma_oo^-1 L_o
            M = l_o.transpose(0, 2, 1) @ wl                 # K x m x m
            seen = np.any(l_o != 0, axis=1)                 # K x m: an indicator observed
            # unmeasured latents: a unit diagonal decouples them (their row of M is zero)
            M = M + np.einsum("kf,fg->kfg", (~seen).astype(float), np.eye(M.shape[1]))
            w = wl @ inv_or_pinv(M)                                   # K x po x m
        yo = np.take_along_axis(yc[rows], obs[pid], axis=1)  # n_b x po
        sc = eeta + np.einsum("no,nof->nf", yo, w[pid])
        if method == "bartlett":  # lavaan: NA for a latent with no observed indicator
            sc = np.where(~seen[pid] & has_ind, np.nan, sc)
        out[rows] = sc
    return out
