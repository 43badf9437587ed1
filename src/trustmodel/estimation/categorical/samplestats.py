"""Stages 1-2 together: the sample statistics of a categorical SEM and their asymptotic
covariance matrix (Muthen 1984), as lavaan 0.6-14 computes them.

``wls_obs`` is lavaan's ``lavInspect(fit, "wls.obs")``: thresholds (minus the mean for a
continuous variable), the variances of the continuous variables, then the off-diagonal of the
covariance matrix (polychoric / polyserial correlations, covariances between continuous
variables) column by column. ``gamma`` is ``lavInspect(fit, "gamma")`` (NACOV, N times the
asymptotic covariance of ``wls_obs``), built as in ``R/lav_muthen1984.R``:
``B^-1 INNER B^-T`` from the casewise scores of stages 1 and 2, with the delta rule from
correlations to covariances for continuous variables.

References
----------
Muthen, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. *Psychometrika*, 49, 115-132.
doi:10.1007/BF02294210
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..._errors import NotPositiveDefiniteWarning
from .bivariate import pearson, polychoric, polychoric_cases, polyserial
from .univariate import fit_numeric, fit_ordinal
from ..._warnings import warn


@dataclass(frozen=True)
class CategoricalStats:
    """Sample statistics of one group for the WLS family of estimators.

    Attributes
    ----------
    names : list of str
        Observed variables in model order.
    ordinal : numpy.ndarray of bool
        Which of them are ordinal.
    nobs : int
    th : numpy.ndarray
        Thresholds, ordered by variable (a continuous variable contributes its mean).
    th_var : numpy.ndarray
        Index (into ``names``) of the variable of each ``th`` entry.
    th_names : list of str
        ``"y1|t1"`` ... (a continuous variable's entry is its name).
    var : numpy.ndarray
        Variances (1 for an ordinal variable; N divisor for continuous ones).
    cor, cov : numpy.ndarray
        Correlation and covariance matrices (polychoric / polyserial / Pearson).
    gamma : numpy.ndarray
        NACOV of ``wls_obs``.
    levels : dict
        Category labels of each ordinal variable.
    """

    names: list
    ordinal: np.ndarray
    nobs: int
    th: np.ndarray
    th_var: np.ndarray
    th_names: list
    var: np.ndarray
    cor: np.ndarray
    cov: np.ndarray
    gamma: np.ndarray
    levels: dict = field(default_factory=dict)
    zero_cell_pairs: tuple = ()
    label: object = None
    codes: np.ndarray | None = None      # N x p category codes (-1: missing or continuous)
    slopes: np.ndarray | None = None     # p x q slopes on the covariates (conditional.x)
    exo: tuple = ()                      # names of those covariates
    exo_moments: tuple = ()              # (mean, N-1 covariance) of the covariates

    @property
    def p(self) -> int:
        return len(self.names)

    @property
    def nslope(self) -> int:
        return 0 if self.slopes is None else self.slopes.size

    @property
    def n_univariate(self) -> int:
        """Entries of ``wls_obs`` before the variances and correlations part: thresholds
        (and negative means / intercepts), slopes, variances of continuous variables."""
        return len(self.th) + self.nslope + len(self.num_idx)

    @cached_property
    def num_idx(self) -> np.ndarray:
        return np.flatnonzero(~self.ordinal)

    @cached_property
    def wls_obs(self) -> np.ndarray:
        th = np.where(self.ordinal[self.th_var], self.th, -self.th)
        low = np.tril_indices(self.p, -1)
        # column-wise lower triangle = lavaan's vech without diagonal
        order = np.lexsort((low[0], low[1]))
        off = self.cov[low[0][order], low[1][order]]
        slopes = () if self.slopes is None else self.slopes.ravel(order="F")
        return np.concatenate([th, slopes, self.var[self.num_idx], off])

    def weight(self, estimator: str) -> np.ndarray:
        """lavaan's WLS.V: the inverse of ``gamma`` (WLS), its diagonal (DWLS) or I (ULS)."""
        if estimator == "WLS":
            return np.linalg.inv(self.gamma)
        if estimator == "DWLS":
            return np.diag(1.0 / np.diag(self.gamma))
        return np.eye(len(self.gamma))


def pair_order(p: int):
    """lavaan's order of the pairs (i > j), column by column: (1,0), (2,0), ..., (2,1), ..."""
    return [(i, j) for j in range(p - 1) for i in range(j + 1, p)]


def categorical_stats(columns: dict, ordinal: dict, levels: dict | None = None,
                      label=None, exo: dict | None = None) -> CategoricalStats:
    """Thresholds, correlations and NACOV of one group (``lav_samplestats_step1/2`` +
    ``muthen1984``).

    Parameters
    ----------
    columns : dict name -> numpy array
        Ordinal variables as integer codes 0..K-1 with -1 for missing; continuous variables
        as floats with NaN for missing. Order = model order.
    ordinal : dict name -> bool
    levels : dict name -> tuple of category labels, optional
    exo : dict name -> numpy array, optional
        Exogenous covariates (no missing values). Given, the statistics are lavaan's
        ``conditional.x = TRUE`` ones: probit / linear regressions on them in stage 1
        (thresholds, slopes, residual variances), residual correlations in stage 2 and the
        NACOV of ``(thresholds, slopes, variances, correlations)`` (``R/lav_muthen1984.R``
        with ``eXo``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, .5], [.5, 1]], size=2000)
    >>> y = {"a": np.digitize(z[:, 0], [-1, 0, 1]), "b": np.digitize(z[:, 1], [-.5, .5])}
    >>> s = categorical_stats(y, {"a": True, "b": True})
    >>> bool(abs(s.cor[0, 1] - 0.5) < 0.05)
    True
    """
    names = list(columns)
    levels = dict(levels or {})
    is_ord = np.array([bool(ordinal[n]) for n in names])
    p = len(names)
    N = len(next(iter(columns.values())))
    X = np.column_stack(list(exo.values())).astype(float) if exo else None
    q_x = 0 if X is None else X.shape[1]
    uni = []
    for n, o in zip(names, is_ord):
        if o:
            lv = levels.get(n) or tuple(range(int(columns[n].max()) + 1))
            levels[n] = tuple(lv)
            uni.append(fit_ordinal(n, np.asarray(columns[n], dtype=int), tuple(lv), exo=X))
        else:
            uni.append(fit_numeric(n, np.asarray(columns[n], dtype=float), exo=X))
    # threshold / mean block
    th, th_var, th_names, sc_th = [], [], [], []
    var = np.ones(p)
    sc_var, sc_sl = [], []
    for k, u in enumerate(uni):
        if is_ord[k]:
            th.extend(u.th)
            th_var.extend([k] * len(u.th))
            th_names.extend(f"{u.name}|t{m + 1}" for m in range(len(u.th)))
            sc_th.append(u.scores())
            if q_x:     # a slope moves both limits of the case by -x
                sc_sl.append(-X * sc_th[-1].sum(axis=1, keepdims=True))
        else:
            th.append(u.mean)
            th_var.append(k)
            th_names.append(u.name)
            s_mu, s_var = u.scores()
            sc_th.append(s_mu[:, None])
            sc_var.append(s_var)
            var[k] = u.var
            if q_x:
                sc_sl.append(X * s_mu[:, None])
    th = np.array(th)
    th_var = np.array(th_var, dtype=int)
    nth = len(th)
    th_start = np.searchsorted(th_var, np.arange(p))
    num_idx = np.flatnonzero(~is_ord)
    var_pos = {k: nth + p * q_x + m for m, k in enumerate(num_idx)}   # column of VAR in SC
    pairs = pair_order(p)
    pstar = len(pairs)
    ord_pos = {k: m for m, k in enumerate(np.flatnonzero(is_ord))}
    num_pos = {k: m for m, k in enumerate(num_idx)}
    ords = [uni[k] for k in np.flatnonzero(is_ord)]
    nums = [uni[k] for k in num_idx]

    def th_cols(k):
        return np.arange(th_start[k], th_start[k] + (len(uni[k].th) if is_ord[k] else 1))

    def sl_cols(k):     # vec(slopes): column-wise, one covariate after the other
        return nth + k + p * np.arange(q_x)

    kinds = {"oo": [], "no": [], "nn": []}
    for q, (i, j) in enumerate(pairs):
        if is_ord[i] and is_ord[j]:
            kinds["oo"].append(q)
        elif is_ord[i] or is_ord[j]:
            kinds["no"].append(q)
        else:
            kinds["nn"].append(q)
    a11_size = nth + p * q_x + len(num_idx)
    COR = np.eye(p)
    SC_COR = np.zeros((N, pstar))
    A21 = np.zeros((pstar, a11_size))
    H21 = np.zeros((pstar, a11_size))
    H22 = np.ones(pstar)
    caught = []
    oo = [(ord_pos[pairs[q][0]], ord_pos[pairs[q][1]]) for q in kinds["oo"]]
    pc = (polychoric(ords, oo, warn=lambda m, c: caught.append((m, c))) if not q_x
          else polychoric_cases(ords, oo))
    zero_pairs = []
    for m, q in enumerate(kinds["oo"]):
        i, j = pairs[q]
        COR[i, j] = COR[j, i] = pc.rho[m]
        SC_COR[:, q] = pc.case_rho[:, m]
        A21[q, th_cols(i)] = pc.a21_x[m]
        A21[q, th_cols(j)] = pc.a21_y[m]
        if q_x:
            A21[q, sl_cols(i)] = -(pc.case_rho[:, m] * pc.shift_x[:, m]) @ X
            A21[q, sl_cols(j)] = -(pc.case_rho[:, m] * pc.shift_y[:, m]) @ X
        if pc.zero_cells[m]:
            zero_pairs.append((names[i], names[j]))
    mixed = []
    for q in kinds["no"]:
        i, j = pairs[q]
        num, o = (i, j) if not is_ord[i] else (j, i)
        mixed.append((num_pos[num], ord_pos[o]))
    ps = polyserial(nums, ords, mixed)
    for m, q in enumerate(kinds["no"]):
        i, j = pairs[q]
        num, o = (i, j) if not is_ord[i] else (j, i)
        COR[i, j] = COR[j, i] = ps.rho[m]
        s = ps.case_rho[:, m]
        SC_COR[:, q] = s
        A21[q, th_cols(num)] = s @ ps.case_mu[:, m]
        A21[q, th_cols(o)] = s @ ps.case_th[m]
        A21[q, var_pos[num]] = s @ ps.case_var[:, m]
        if q_x:
            A21[q, sl_cols(num)] = (s * ps.case_mu[:, m]) @ X
            A21[q, sl_cols(o)] = -(s * ps.case_th[m].sum(axis=1)) @ X
        H21[q, var_pos[num]] = ps.rho[m] / (2 * np.sqrt(var[num]))
        H22[q] = np.sqrt(var[num])
    pp = pearson(nums, [(num_pos[pairs[q][0]], num_pos[pairs[q][1]]) for q in kinds["nn"]])
    for m, q in enumerate(kinds["nn"]):
        i, j = pairs[q]
        r = pp.rho[m]
        COR[i, j] = COR[j, i] = r
        s = pp.case_rho[:, m]
        SC_COR[:, q] = s
        A21[q, th_cols(i)] = s @ pp.case_mu1[:, m]
        A21[q, th_cols(j)] = s @ pp.case_mu2[:, m]
        A21[q, var_pos[i]] = s @ pp.case_var1[:, m]
        A21[q, var_pos[j]] = s @ pp.case_var2[:, m]
        if q_x:
            A21[q, sl_cols(i)] = (s * pp.case_mu1[:, m]) @ X
            A21[q, sl_cols(j)] = (s * pp.case_mu2[:, m]) @ X
        H21[q, var_pos[i]] = np.sqrt(var[j]) * r / (2 * np.sqrt(var[i]))
        H21[q, var_pos[j]] = np.sqrt(var[i]) * r / (2 * np.sqrt(var[j]))
        H22[q] = np.sqrt(var[i] * var[j])
    for msg, cat in caught:
        warn(msg, cat)
    big = [(names[i], names[j]) for i, j in pairs if abs(COR[i, j]) > 0.99]
    if big:
        warn("Correlation between " + ", ".join(f"{a!r} and {b!r}" for a, b in big)
             + " is (nearly) 1.0; the indicators may be redundant.",
             NotPositiveDefiniteWarning)
    SL = np.zeros((N, p * q_x))
    for k, sc in enumerate(sc_sl):
        SL[:, sl_cols(k) - nth] = sc
    SC = np.hstack([np.hstack(sc_th), SL,
                    np.column_stack(sc_var) if sc_var else np.zeros((N, 0)), SC_COR])
    INNER = SC.T @ SC
    A11 = np.zeros((a11_size, a11_size))
    for k in range(p):
        idx = list(th_cols(k)) + list(sl_cols(k)) + ([var_pos[k]] if k in var_pos else [])
        A11[np.ix_(idx, idx)] = INNER[np.ix_(idx, idx)]
    A11_inv = np.linalg.inv(A11)
    A22_inv = 1.0 / np.diag(INNER)[a11_size:]
    A21_inv = -(A22_inv[:, None] * A21) @ A11_inv
    B_inv = np.block([[A11_inv, np.zeros((a11_size, pstar))], [A21_inv, np.diag(A22_inv)]])
    W = B_inv @ INNER @ B_inv.T
    if len(num_idx):
        H = np.eye(a11_size + pstar)
        H[a11_size:, :a11_size] = H21
        H[a11_size:, a11_size:] = np.diag(H22)
        W = H @ W @ H.T
        flip = np.flatnonzero(~is_ord[th_var])
        W[flip, :] *= -1
        W[:, flip] *= -1
    sd = np.sqrt(var)
    cov = COR * np.outer(sd, sd)
    return CategoricalStats(names=names, ordinal=is_ord, nobs=N, th=th, th_var=th_var,
                            th_names=th_names, var=var, cor=COR, cov=cov, gamma=W * N,
                            levels=levels, zero_cell_pairs=tuple(zero_pairs), label=label,
                            slopes=(np.array([u.slopes for u in uni]) if q_x else None),
                            exo=tuple(exo or ()),
                            exo_moments=(() if X is None else
                                         (X.mean(axis=0), np.atleast_2d(np.cov(X.T)))),
                            codes=np.column_stack([u.codes if o else np.full(N, -1)
                                                   for u, o in zip(uni, is_ord)]))
