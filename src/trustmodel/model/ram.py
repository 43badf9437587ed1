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
from functools import cached_property

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
    def from_table(cls, table) -> RamModel:
        ov, lv = list(table.names.ov), list(table.names.lv)
        pos = {v: k for k, v in enumerate(ov + lv)}
        rows = table.rows
        lhs, op, rhs = (rows[c].to_numpy() for c in ("lhs", "op", "rhs"))
        group, free_all = rows["group"].to_numpy(), rows["free"].to_numpy().astype(int)
        patterns = []
        for g in range(1, table.ngroups + 1):
            kind, ii, jj, keep = [], [], [], []
            for r in np.flatnonzero(group == g):
                o = op[r]
                if o == "=~":
                    kind.append(_A), ii.append(pos[rhs[r]]), jj.append(pos[lhs[r]])
                elif o == "~":
                    kind.append(_A), ii.append(pos[lhs[r]]), jj.append(pos[rhs[r]])
                elif o == "~~":
                    kind.append(_S), ii.append(pos[lhs[r]]), jj.append(pos[rhs[r]])
                elif o == "~1":
                    kind.append(_M), ii.append(pos[lhs[r]]), jj.append(0)
                else:
                    continue
                keep.append(r)
            keep = np.asarray(keep, dtype=int)
            patterns.append(GroupPattern(rows=keep, kind=np.asarray(kind, dtype=int),
                                         i=np.asarray(ii, dtype=int), j=np.asarray(jj, dtype=int),
                                         free=free_all[keep]))
        return cls(ov=ov, lv=lv, ngroups=table.ngroups, npar=table.npar,
                   meanstructure=table.meanstructure, patterns=patterns, nrows=len(rows))

    @cached_property
    def _index(self):
        """Per group: flat positions of the A, S (both triangles) and m entries."""
        n = self.n
        out = []
        for pat in self.patterns:
            k = pat.kind
            a, s, m = k == _A, k == _S, k == _M
            a_flat = pat.i[a] * n + pat.j[a]
            s_flat = np.concatenate([pat.i[s] * n + pat.j[s], pat.j[s] * n + pat.i[s]])
            out.append((pat.rows[a], a_flat, np.concatenate([pat.rows[s], pat.rows[s]]), s_flat,
                        pat.rows[m], pat.i[m]))
        return out

    def matrices(self, values: np.ndarray, g: int):
        """RAM matrices (A, S, m) of group ``g`` from the full row-value vector."""
        n = self.n
        ra, fa, rs, fs, rm, im = self._index[g]
        A = np.zeros(n * n)
        S = np.zeros(n * n)
        m = np.zeros(n)
        A[fa] = values[ra]
        S[fs] = values[rs]
        m[im] = values[rm]
        return A.reshape(n, n), S.reshape(n, n), m

    @cached_property
    def _entries(self):
        """Per group: free entries and their derivative recipe.

        ``(i, j, isA, scale, isM, K, order)``: the RAM position, whether the entry is in A
        (else S or m), the factor on U and V (sqrt(1/2) for a variance, 0 for a mean), the
        entries -> free-parameter map K, and a permutation when that map is one-to-one.
        """
        out = []
        for pat in self.patterns:
            free = pat.free > 0
            f = pat.free[free] - 1
            kind, i, j = pat.kind[free], pat.i[free], pat.j[free]
            K = np.zeros((self.npar, len(f)))
            K[f, np.arange(len(f))] = 1.0
            unique = len(np.unique(f)) == len(f) and len(f) == self.npar
            order = np.argsort(f) if unique else None
            scale = np.where((kind == _S) & (i == j), np.sqrt(0.5), 1.0) * (kind != _M)
            out.append((i, j, kind == _A, scale, kind == _M, K, order))
        return out

    def implied(self, values: np.ndarray, g: int, derivatives: bool = False):
        """Implied moments of group ``g``; with derivatives w.r.t. the free parameters.

        Returns ``Implied`` with ``sigma`` (p x p), ``mu`` (p) and, when asked, the derivatives
        in rank-2 form: entry ``e`` contributes ``U[:, e] V[:, e]' + V[:, e] U[:, e]'`` to
        dSigma and ``W[:, e]`` to dmu; ``K`` (npar x entries) sums entries sharing a parameter.
        ``Implied.dsigma`` (npar x p x p) and ``Implied.dmu`` (npar x p) expand them.
        """
        A, S, m = self.matrices(values, g)
        n, p = self.n, self.p
        E = np.linalg.inv(np.eye(n) - A)
        G = E[:p]
        GS = G @ S
        sigma = GS @ G.T
        sigma = 0.5 * (sigma + sigma.T)
        mu = G @ m
        if not derivatives:
            return Implied(sigma, mu, E)
        i, j, isA, scale, isM, K, order = self._entries[g]
        H = GS @ E.T              # p x n
        Gi = G[:, i]
        U = Gi * scale
        V = np.where(isA, H[:, j], G[:, j]) * scale
        Em = E @ m
        W = Gi * np.where(isA, Em[j], isM)
        return Implied(sigma, mu, E, U, V, W, K, order, G=G, H=H, S=S, Em=Em,
                       recipe=(i, j, isA, isM))

    def lv_moments(self, values: np.ndarray, g: int):
        """Model-implied covariance and means of ALL variables (observed and latent)."""
        A, S, m = self.matrices(values, g)
        E = np.linalg.inv(np.eye(self.n) - A)
        return E @ S @ E.T, E @ m


@dataclass(frozen=True)
class Implied:
    """Implied moments of one group and, optionally, their derivatives in rank-2 form."""

    sigma: np.ndarray
    mu: np.ndarray
    E: np.ndarray
    U: np.ndarray | None = None
    V: np.ndarray | None = None
    W: np.ndarray | None = None
    K: np.ndarray | None = None
    order: np.ndarray | None = None
    # what the second derivatives need (estimation/hessian.py)
    G: np.ndarray | None = None
    H: np.ndarray | None = None
    S: np.ndarray | None = None
    Em: np.ndarray | None = None
    recipe: tuple | None = None

    def per_parameter(self, e: np.ndarray) -> np.ndarray:
        """Sum a vector over RAM entries into the free parameters (the entry map ``K``)."""
        return e[self.order] if self.order is not None else self.K @ e

    def per_parameter_pair(self, e: np.ndarray) -> np.ndarray:
        """The same on both axes of an (entries x entries) matrix: ``K e K'``."""
        if self.order is not None:
            return e[np.ix_(self.order, self.order)]
        return self.K @ e @ self.K.T

    def _combine(self, entries: np.ndarray) -> np.ndarray:
        if self.order is not None:
            return entries[self.order]
        return np.tensordot(self.K, entries, axes=1)

    @cached_property
    def dsigma(self) -> np.ndarray | None:
        """dSigma/dtheta (npar x p x p)."""
        if self.U is None:
            return None
        t = np.einsum("ie,je->eij", self.U, self.V)
        return self._combine(t + t.transpose(0, 2, 1))

    @cached_property
    def dmu(self) -> np.ndarray | None:
        """dmu/dtheta (npar x p)."""
        if self.W is None:
            return None
        return self._combine(self.W.T)
