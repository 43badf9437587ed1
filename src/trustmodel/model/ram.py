"""RAM representation of a parameter table and its implied moments with analytic derivatives.

Variables are ordered observed first (the table's ``names.ov``) then latent (``names.lv``).
Per group, ``A`` holds directed effects (loadings ``=~`` and regressions ``~``: ``A[to, from]``),
``S`` the (residual) variances and covariances, ``m`` the intercepts. With ``E = (I - A)^-1``
and ``G = E[:p]`` (McArdle & McDonald 1984):

    Sigma = G S G',   mu = G m.

Derivatives (Neudecker & Satorra 1991 form): for ``A[i, j]``,
``dSigma = g_i h_j' + h_j g_i'`` with ``H = G S E'``; for ``S[i, j]``, ``g_i g_j' + g_j g_i'``;
``dmu/dm_i = g_i`` and ``dmu/dA[i, j] = g_i (E m)_j``. This is the LISREL model (Lambda, B,
Psi, Theta, nu, alpha) written in one matrix, so observed variables may be regressed on each
other and latents may indicate latents (second-order factors) with no special cases.
Pure numpy: no pandas here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_A, _S, _M = 0, 1, 2


@dataclass(frozen=True)
class GroupPattern:
    """Where the table rows of one group live in the RAM matrices."""

    rows: np.ndarray       # positions in the table
    kind: np.ndarray       # 0 A, 1 S, 2 m
    i: np.ndarray
    j: np.ndarray
    free: np.ndarray       # 1-based free index (0 fixed)


@dataclass(frozen=True)
class RamModel:
    """Model matrices for every group, built once from a parameter table."""

    ov: list
    lv: list
    ngroups: int
    npar: int
    meanstructure: bool
    patterns: list          # GroupPattern per group
    nrows: int              # rows in the table (defined parameters included)

    @property
    def p(self) -> int:
        return len(self.ov)

    @property
    def n(self) -> int:
        return len(self.ov) + len(self.lv)

    @classmethod
    def from_table(cls, table) -> "RamModel":
        ov, lv = list(table.names.ov), list(table.names.lv)
        pos = {v: k for k, v in enumerate(ov + lv)}
        rows = table.rows
        patterns = []
        for g in range(1, table.ngroups + 1):
            sel = np.flatnonzero((rows["group"] == g).to_numpy())
            kind, ii, jj, keep = [], [], [], []
            for r in sel:
                lhs, op, rhs = rows.at[r, "lhs"], rows.at[r, "op"], rows.at[r, "rhs"]
                if op == "=~":
                    kind.append(_A), ii.append(pos[rhs]), jj.append(pos[lhs])
                elif op == "~":
                    kind.append(_A), ii.append(pos[lhs]), jj.append(pos[rhs])
                elif op == "~~":
                    kind.append(_S), ii.append(pos[lhs]), jj.append(pos[rhs])
                elif op == "~1":
                    kind.append(_M), ii.append(pos[lhs]), jj.append(0)
                else:
                    continue
                keep.append(r)
            keep = np.asarray(keep, dtype=int)
            patterns.append(GroupPattern(rows=keep, kind=np.asarray(kind, dtype=int),
                                         i=np.asarray(ii, dtype=int), j=np.asarray(jj, dtype=int),
                                         free=rows["free"].to_numpy()[keep].astype(int)))
        return cls(ov=ov, lv=lv, ngroups=table.ngroups, npar=table.npar,
                   meanstructure=table.meanstructure, patterns=patterns, nrows=len(rows))

    def matrices(self, values: np.ndarray, g: int):
        """RAM matrices (A, S, m) of group ``g`` from the full row-value vector."""
        pat = self.patterns[g]
        n = self.n
        A = np.zeros((n, n))
        S = np.zeros((n, n))
        m = np.zeros(n)
        v = values[pat.rows]
        k = pat.kind
        A[pat.i[k == _A], pat.j[k == _A]] = v[k == _A]
        s = k == _S
        S[pat.i[s], pat.j[s]] = v[s]
        S[pat.j[s], pat.i[s]] = v[s]
        m[pat.i[k == _M]] = v[k == _M]
        return A, S, m

    def implied(self, values: np.ndarray, g: int, derivatives: bool = False):
        """Implied moments of group ``g``; with derivatives w.r.t. the free parameters.

        Returns ``Implied`` with ``sigma`` (p x p), ``mu`` (p), and when asked ``dsigma``
        (npar x p x p) and ``dmu`` (npar x p).
        """
        A, S, m = self.matrices(values, g)
        n, p = self.n, self.p
        E = np.linalg.inv(np.eye(n) - A)
        G = E[:p]
        sigma = G @ S @ G.T
        sigma = 0.5 * (sigma + sigma.T)
        mu = G @ m
        if not derivatives:
            return Implied(sigma, mu, E, None, None)
        pat = self.patterns[g]
        free = pat.free > 0
        k, i, j, f = pat.kind[free], pat.i[free], pat.j[free], pat.free[free] - 1
        H = G @ S @ E.T           # p x n
        Em = E @ m
        dsig = np.zeros((self.npar, p, p))
        dmu = np.zeros((self.npar, p))
        a = k == _A
        if a.any():
            t = np.einsum("ki,kj->kij", G[:, i[a]].T, H[:, j[a]].T)
            np.add.at(dsig, f[a], t + t.transpose(0, 2, 1))
            np.add.at(dmu, f[a], G[:, i[a]].T * Em[j[a]][:, None])
        s = k == _S
        if s.any():
            gi, gj = G[:, i[s]].T, G[:, j[s]].T
            t = np.einsum("ki,kj->kij", gi, gj)
            off = (i[s] != j[s])[:, None, None]
            np.add.at(dsig, f[s], t + off * t.transpose(0, 2, 1))
        mm = k == _M
        if mm.any():
            np.add.at(dmu, f[mm], G[:, i[mm]].T)
        return Implied(sigma, mu, E, dsig, dmu)

    def lv_moments(self, values: np.ndarray, g: int):
        """Model-implied covariance and means of ALL variables (observed and latent)."""
        A, S, m = self.matrices(values, g)
        E = np.linalg.inv(np.eye(self.n) - A)
        return E @ S @ E.T, E @ m


@dataclass(frozen=True)
class Implied:
    sigma: np.ndarray
    mu: np.ndarray
    E: np.ndarray
    dsigma: np.ndarray | None
    dmu: np.ndarray | None
