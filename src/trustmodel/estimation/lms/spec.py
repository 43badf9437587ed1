"""The LMS model: parameter table and the map from row values to LISREL-type matrices.

Klein & Moosbrugger's (2000) model: exogenous latents ``xi ~ N(kappa, Phi)``, endogenous
``eta = alpha + B eta + Gamma xi + sum_k omega_k xi_i xi_j + zeta`` with ``zeta ~ N(0, Psi)``,
indicators ``y = nu + Lambda (xi, eta) + eps``, ``eps ~ N(0, Theta)``. A product pairs an
integrated exogenous latent with another exogenous latent or, as in modsem, with an
endogenous one (``omega xi_i eta_j`` is then a node-dependent entry of B; recursive models
only). The table is lavaan's (``build_table`` with a mean structure) plus one
``~`` row per product term; a product is kept as a variable of its own only in the rows that
regress on it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..._errors import ModelSyntaxError, TrustModelError
from ...syntax import build_table

try:  # issue 12 adds this error; until it lands a local class of the same shape
    from ..._errors import UnsupportedFeatureError
except ImportError:  # pragma: no cover
    class UnsupportedFeatureError(TrustModelError, NotImplementedError):
        """A feature lavaan or modsem has that trustmodel does not support yet."""


def lms_table(statements):
    """ParameterTable of an LMS model (mean structure on; products only as regressors)."""
    statements = tuple(statements)
    prods = {s.rhs for s in statements if s.op == "~" and ":" in s.rhs}
    table = build_table(statements, meanstructure=True, fixed_x=True)
    df = table.rows
    drop = df["op"].isin(["~~", "~1"]) & (df["lhs"].isin(prods) | df["rhs"].isin(prods))
    if (df.loc[drop, "free"] > 0).any():
        bad = df.loc[drop & (df["free"] > 0)].iloc[0]
        raise ModelSyntaxError(f"A product term cannot have its own (co)variance or mean "
                               f"under LMS: '{bad.lhs} {bad.op} {bad.rhs}'.")
    df = df.loc[~drop].reset_index(drop=True)
    df["id"] = np.arange(1, len(df) + 1)
    n = table.names
    keep = [v for v in n.ov if v not in prods]
    names = replace(n, ov=keep, ov_x=[v for v in n.ov_x if v not in prods],
                    eqs_x=[v for v in n.eqs_x if v not in prods])
    return replace(table, rows=df, names=names)


@dataclass(frozen=True)
class LmsSpec:
    """Index maps from table rows to matrix entries (built once per table)."""

    ov: list            # observed indicators, data column order
    xi: list            # exogenous latents, integrated ones first
    eta: list           # endogenous latents
    m: int              # number of integrated dimensions (xi[:m])
    products: list      # (eta e, xi i, partner j, row, "xx" | "xe"): xi i integrated; the
                        # partner is xi j ("xx") or eta j ("xe", modifies B at the node)
    rows: dict          # kind -> (row positions, (r, c) index arrays)

    @property
    def nlat(self) -> int:
        return len(self.xi) + len(self.eta)

    @property
    def degree(self) -> int:
        """Degree in z of the node moments (mu, Sigma): 2 with products of exogenous latents;
        with endogenous partners (I - B(z))^-1 adds up to ne - 1 (recursive models)."""
        extra = len(self.eta) - 1 if any(p[4] == "xe" for p in self.products) else 0
        return 2 + 2 * extra

    @property
    def degree_h(self) -> int:
        """Degree in z of the indicator loadings on the residual latents, H(z)."""
        return 1 + (len(self.eta) - 1 if any(p[4] == "xe" for p in self.products) else 0)

    @classmethod
    def from_table(cls, table) -> LmsSpec:
        c = table.cols
        par = c.op != ":="
        lv = list(table.names.lv)
        eqs_y = set(c.lhs[(c.op == "~") & par])
        prods = [r for r in np.flatnonzero((c.op == "~") & par) if ":" in c.rhs[r]]
        for r in np.flatnonzero(par & (c.op == "~")):
            for v in (c.lhs[r], c.rhs[r]):
                if v and ":" not in v and v not in lv:
                    raise UnsupportedFeatureError(
                        f"interaction='lms' models latent variables; the observed variable "
                        f"{v!r} appears in '{c.lhs[r]} {c.op[r]} {c.rhs[r]}'. Give it a "
                        f"single-indicator latent ('F{v} =~ {v}') or use interaction='dblcent'.")
        xi_all = [v for v in lv if v not in eqs_y]
        eta = [v for v in lv if v in eqs_y]
        pairs = []
        for r in prods:
            a, b = c.rhs[r].split(":")
            for v in (a, b):
                if v not in lv:
                    raise UnsupportedFeatureError(f"The product term {c.rhs[r]!r}: {v!r} is not "
                                                  "a latent variable of the model.")
            if a in eta and b in eta:
                raise UnsupportedFeatureError(
                    f"interaction='lms' needs an exogenous partner in each product; both "
                    f"latents of {c.rhs[r]!r} are endogenous. Use interaction='dblcent'.")
            pairs.append((r, a, b))
        # exogenous partners of exogenous x endogenous products must be integrated over
        forced = list(dict.fromkeys(a if a in xi_all else b for _, a, b in pairs
                                    if (a in eta) != (b in eta)))
        rest = [(a, b) for _, a, b in pairs if a in xi_all and b in xi_all
                and a not in forced and b not in forced]
        integ = forced + [v for v in _cover(rest) if v not in forced]
        if len(integ) > 2 or (forced and len(integ) > 1):
            raise UnsupportedFeatureError(
                "interaction='lms' integrates over at most two latent dimensions, and over one "
                f"when a product has an endogenous partner; these products need {integ}.")
        xi = integ + [v for v in xi_all if v not in integ]
        products = []
        for r, a, b in pairs:
            i, j = (a, b) if a in integ else (b, a)
            kind = "xe" if j in eta else "xx"
            products.append((eta.index(c.lhs[r]), xi.index(i),
                             eta.index(j) if kind == "xe" else xi.index(j), int(r), kind))
        if any(k == "xe" for *_, k in products):
            _check_recursive(c, eta, products)
        lat = xi + eta
        ov = [v for v in table.names.ov]
        pos_l = {v: k for k, v in enumerate(lat)}
        pos_o = {v: k for k, v in enumerate(ov)}
        kinds: dict = {k: ([], [], []) for k in ("L", "G", "B", "Phi", "Psi", "Theta", "nu",
                                                   "kappa", "alpha")}

        def put(kind, r, i, j=0):
            kinds[kind][0].append(r), kinds[kind][1].append(i), kinds[kind][2].append(j)

        nx = len(xi)
        for r in np.flatnonzero(par):
            op, lhs, rhs = c.op[r], c.lhs[r], c.rhs[r]
            if op == "=~":
                if rhs in pos_l:
                    raise UnsupportedFeatureError("Second-order factors are not supported with "
                                                  "interaction='lms'.")
                put("L", r, pos_o[rhs], pos_l[lhs])
            elif op == "~" and ":" not in rhs:
                if rhs in eta:
                    put("B", r, eta.index(lhs), eta.index(rhs))
                else:
                    put("G", r, eta.index(lhs), xi.index(rhs))
            elif op == "~~":
                if lhs in pos_o and rhs in pos_o:
                    put("Theta", r, pos_o[lhs], pos_o[rhs])
                elif lhs in xi and rhs in xi:
                    put("Phi", r, xi.index(lhs), xi.index(rhs))
                elif lhs in eta and rhs in eta:
                    put("Psi", r, eta.index(lhs), eta.index(rhs))
                else:
                    raise UnsupportedFeatureError(f"'{lhs} ~~ {rhs}': covariances between an "
                                                  "exogenous and an endogenous latent are not "
                                                  "supported with interaction='lms'.")
            elif op == "~1":
                if lhs in pos_o:
                    put("nu", r, pos_o[lhs])
                elif lhs in xi:
                    put("kappa", r, xi.index(lhs))
                else:
                    put("alpha", r, eta.index(lhs) + 0 * nx)
        rows = {k: (np.array(v[0], int), (np.array(v[1], int), np.array(v[2], int)))
                for k, v in kinds.items()}
        return cls(ov=ov, xi=xi, eta=eta, m=len(integ), products=products, rows=rows)


def _check_recursive(c, eta, products) -> None:
    """Endogenous partners need a recursive structural model (so that (I - B(z))^-1 is a
    polynomial in the node)."""
    edges = {(eta.index(lhs), eta.index(rhs)) for lhs, op, rhs in zip(c.lhs, c.op, c.rhs)
             if op == "~" and lhs in eta and rhs in eta}
    edges |= {(e, j) for e, _, j, _, k in products if k == "xe"}
    order, left = [], set(range(len(eta)))
    while left:
        free = [v for v in left if not any((v, u) in edges for u in left if u != v)]
        if not free or any((v, v) in edges for v in free):
            raise UnsupportedFeatureError("interaction='lms' with an endogenous partner needs a "
                                          "recursive structural model (no feedback loops).")
        order += free
        left -= set(free)


def _cover(pairs) -> list:
    """A small set of variables containing one member of each pair (greedy vertex cover)."""
    left, out = list(pairs), []
    while left:
        count: dict = {}
        for a, b in left:
            for v in {a, b}:
                count[v] = count.get(v, 0) + 1
        best = max(count, key=lambda v: (count[v], -len(out)))
        out.append(best)
        left = [(a, b) for a, b in left if best not in (a, b)]
    return out


def as_frame(spec: LmsSpec, data: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Complete rows of the indicators (listwise) as an array, and the number dropped."""
    Y = data[spec.ov].to_numpy(dtype=float)
    ok = np.all(np.isfinite(Y), axis=1)
    return Y[ok], int((~ok).sum())
