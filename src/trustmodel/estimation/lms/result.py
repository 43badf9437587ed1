"""The result of an LMS fit: estimates, observed-information SEs, log-likelihood tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats as sst

from ..inference.defined import Definitions
from .likelihood import node_moments, quadrature


@dataclass(frozen=True, eq=False)
class LMSResult:
    """What ``tm.fit(model, data, interaction="lms")`` returns.

    Attributes
    ----------
    params : pandas.DataFrame
        ``lhs op rhs group label est se z pvalue ci_lower ci_upper``, one row per table row
        (lavaan's order, the product-term rows among the regressions, ``:=`` rows last).
    fit_measures : pandas.Series
        ``npar, ntotal, logl, aic, bic, bic2`` and the likelihood-ratio test of the
        interaction against the model without product terms (H0): ``h0_logl, lr_chisq,
        lr_df, lr_pvalue`` (modsem's "comparative fit to H0").
    converged, n_iter, nodes, warnings
    """

    table: object
    spec: object
    x: np.ndarray
    vcov_free: np.ndarray
    logl: float
    h0_logl: float
    nobs: int
    n_dropped: int
    converged: bool
    n_iter: int
    nodes: int
    level: float
    se_kind: str
    quad: tuple
    base: np.ndarray
    free_pos: np.ndarray
    free_of: np.ndarray
    warnings: tuple = ()
    options: dict = field(default_factory=dict)

    estimator = "ML"

    def row_values(self, x: np.ndarray) -> np.ndarray:
        """Row values of the (non-defined) table rows for free values ``x``."""
        v = self.base.copy()
        v[self.free_pos] = np.asarray(x)[self.free_of]
        return v

    @cached_property
    def _definitions(self) -> Definitions:
        return Definitions(self.table)

    @cached_property
    def params(self) -> pd.DataFrame:
        rows = self.table.rows
        par = (rows["op"] != ":=").to_numpy()
        est = np.full(len(rows), np.nan)
        se = np.zeros(len(rows))
        est[par] = self.row_values(self.x)
        free = rows["free"].to_numpy().astype(int)
        sd = np.sqrt(np.clip(np.diag(self.vcov_free), 0, None))
        se[free > 0] = sd[free[free > 0] - 1]
        d = self._definitions
        if len(d):
            est[~par] = d.evaluate(est[par])
            J = d.jacobian(self.x, self.row_values)
            se[~par] = np.sqrt(np.clip(np.diag(J @ self.vcov_free @ J.T), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        q = sst.norm.ppf(0.5 + self.level / 2)
        out = pd.DataFrame({"lhs": rows["lhs"], "op": rows["op"], "rhs": rows["rhs"],
                            "group": rows["group"], "label": rows["label"], "est": est,
                            "se": se, "z": z, "pvalue": 2 * sst.norm.sf(np.abs(z)),
                            "ci_lower": est - q * se, "ci_upper": est + q * se})
        return out.reset_index(drop=True)

    @property
    def vcov(self) -> pd.DataFrame:
        names = self.table.free_names()
        return pd.DataFrame(self.vcov_free, index=names, columns=names)

    @cached_property
    def fit_measures(self) -> pd.Series:
        k, n = len(self.x), self.nobs
        nprod = len(self.spec.products)
        chisq = 2 * (self.logl - self.h0_logl)
        return pd.Series({"npar": k, "ntotal": n, "logl": self.logl,
                          "aic": -2 * self.logl + 2 * k, "bic": -2 * self.logl + np.log(n) * k,
                          "bic2": -2 * self.logl + np.log((n + 2) / 24) * k,
                          "h0_logl": self.h0_logl, "lr_chisq": chisq, "lr_df": nprod,
                          "lr_pvalue": float(sst.chi2.sf(chisq, nprod))})

    @cached_property
    def _latent_moments(self):
        z, w = quadrature(self.spec.m, 64)
        mu, Sigma, E, C = node_moments(self.spec, self.row_values(self.x)[None], z)
        def mix(m, S):
            mean = w @ m
            cov = np.einsum("q,qab->ab", w, S + np.einsum("qa,qb->qab", m, m))
            return mean, cov - np.outer(mean, mean)
        return mix(E[0], C[0]), mix(mu[0], Sigma[0])

    def moments(self, name: str) -> tuple[float, float]:
        """Model-implied mean and variance of a latent or observed variable (the LMS mixture
        integrated over the quadrature)."""
        (le, lc), (oe, oc) = self._latent_moments
        lat = list(self.spec.xi) + list(self.spec.eta)
        if name in lat:
            k = lat.index(name)
            return float(le[k]), float(lc[k, k])
        if name in self.spec.ov:
            k = self.spec.ov.index(name)
            return float(oe[k]), float(oc[k, k])
        from ..._errors import OptionError
        raise OptionError(f"{name!r} is not a variable of the model.")

    def summary(self) -> str:
        """A plain-text summary: header, fit against H0 and the parameter table."""
        fm = self.fit_measures
        state = "converged" if self.converged else "NOT converged"
        head = [(f"trustmodel LMS ({state} after {self.n_iter} iterations; {self.nodes} "
                 "quadrature nodes per dimension)"),
                (f"  Observations {self.nobs}   log-likelihood {fm.logl:.3f}   "
                 f"AIC {fm.aic:.3f}   BIC {fm.bic:.3f}"),
                (f"  Interaction vs H0: D = {fm.lr_chisq:.3f}, df = {int(fm.lr_df)}, "
                 f"p = {fm.lr_pvalue:.3g}"), ""]
        cols = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue"]
        return "\n".join(head) + self.params[cols].to_string(index=False, float_format="%.3f")

    def __repr__(self) -> str:
        return self.summary()
