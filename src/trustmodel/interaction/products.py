"""Product indicators for latent interactions (semTools' ``indProd``) and the model rewrite.

:func:`product_indicators` reproduces ``semTools::indProd`` (``R/indProd.R``): products of
matched pairs or of all pairs of the indicators of two constructs, with

- ``centering="double"``: indicators mean-centred, products mean-centred again (Lin, Wen,
  Marsh & Lin 2010; ``indProd(meanC = TRUE, doubleMC = TRUE)``, semTools' default);
- ``centering="mean"``: indicators mean-centred only (``meanC = TRUE, doubleMC = FALSE``);
- ``centering="residual"``: raw products regressed on all first-order indicators, the
  residuals kept (Little, Bovaird & Widaman 2006; ``orthogonalize()``).

Columns are named as indProd names them, ``x1.z1``. With all pairs, products that share an
indicator get a residual covariance (``x1.z1 ~~ x1.z2``), as Lin et al. (2010) and Marsh,
Wen & Hau (2004) prescribe for the unconstrained approach.

:func:`expand_interactions` turns ``y ~ X + Z + X:Z`` statements into the product-indicator
model ``tm.fit`` estimates: a latent ``X:Z`` measured by the product columns. A product of two
observed variables is their raw product column, as lavaan forms ``x:z`` itself.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import DataError, ModelSyntaxError, OptionError
from ..syntax.parser import Modifier, Statement

CENTERING = ("double", "mean", "residual")


def product_indicators(data: pd.DataFrame, x, z, *, match: bool = True,
                       centering: str = "double", name: str = "XZ"):
    """Product indicators of two constructs, as ``semTools::indProd`` makes them.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw data holding the indicators (never modified).
    x, z : list of str
        Indicators of the two constructs.
    match : bool
        Matched pairs ``x1.z1, x2.z2, ...`` (Marsh, Wen & Hau 2004; needs equally many
        indicators); ``False`` gives all ``len(x) * len(z)`` products.
    centering : {"double", "mean", "residual"}
        Double-mean centring (default), mean centring, or residual centring (orthogonalizing).
    name : str
        Name of the product latent in the returned syntax.

    Returns
    -------
    products : pandas.DataFrame
        The product columns (index of ``data``), named ``x1.z1`` as indProd names them.
    syntax : str
        lavaan syntax measuring the product latent, with the residual covariances of products
        that share an indicator.

    Raises
    ------
    DataError
        A column is missing or not numeric; ``match=True`` with unequal numbers of indicators.

    References
    ----------
    Lin, G. C., Wen, Z., Marsh, H. W., & Lin, H. S. (2010). Structural equation models of latent
    interactions: Clarification of orthogonalizing and double-mean-centering strategies.
    Structural Equation Modeling, 17(3), 374-391. doi:10.1080/10705511.2010.488999

    Little, T. D., Bovaird, J. A., & Widaman, K. F. (2006). On the merits of orthogonalizing
    powered and product terms. Structural Equation Modeling, 13(4), 497-519.
    doi:10.1207/s15328007sem1304_1

    Examples
    --------
    >>> import trustmodel as tm
    >>> hs = tm.datasets.load("holzinger_swineford")
    >>> prod, syntax = tm.product_indicators(hs, x=["x1", "x2", "x3"], z=["x4", "x5", "x6"])
    >>> # semTools: indProd(hs, var1 = c("x1","x2","x3"), var2 = c("x4","x5","x6"))
    >>> list(prod.columns)
    ['x1.x4', 'x2.x5', 'x3.x6']
    >>> print(syntax)
    XZ =~ x1.x4 + x2.x5 + x3.x6
    """
    centering = _check_centering(centering, "product_indicators")
    if not isinstance(match, (bool, np.bool_)):
        raise OptionError(f"match= must be True or False; got {match!r}.")
    x, z = _indicator_list(x, "x"), _indicator_list(z, "z")
    _check_columns(data, x + z)
    if match and len(x) != len(z):
        raise DataError(f"match=True pairs indicators one to one, but x= has {len(x)} and z= "
                        f"{len(z)}; use match=False for all pairs.")
    X = data[x].to_numpy(dtype=float)
    Z = data[z].to_numpy(dtype=float)
    if centering in ("double", "mean"):
        X = X - np.nanmean(X, axis=0)
        Z = Z - np.nanmean(Z, axis=0)
    if match:
        pairs = list(zip(range(len(x)), range(len(z))))
    else:
        pairs = [(i, j) for i in range(len(x)) for j in range(len(z))]
    P = np.column_stack([X[:, i] * Z[:, j] for i, j in pairs])
    if centering == "residual":
        P = _residualize(P, np.column_stack([X, Z]))
    elif centering == "double":
        P = P - np.nanmean(P, axis=0)
    names = [f"{x[i]}.{z[j]}" for i, j in pairs]
    products = pd.DataFrame(P, index=data.index, columns=names)
    lines = [f"{name} =~ " + " + ".join(names)]
    lines += [f"{a} ~~ {b}" for a, b in shared_pairs(names, pairs, x, z)]
    return products, "\n".join(lines)


def shared_pairs(names, pairs, x, z) -> list:
    """Pairs of product columns that share an indicator (their residuals covary)."""
    out = []
    for a in range(len(pairs)):
        for b in range(a + 1, len(pairs)):
            (i1, j1), (i2, j2) = pairs[a], pairs[b]
            if i1 == i2 or j1 == j2:
                out.append((names[a], names[b]))
    return out


def _residualize(P: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Residuals of the columns of P on [1, F] over complete rows (R's ``lm`` on cbind)."""
    ok = ~(np.isnan(P).any(axis=1) | np.isnan(F).any(axis=1))
    D = np.column_stack([np.ones(ok.sum()), F[ok]])
    coef, *_ = np.linalg.lstsq(D, P[ok], rcond=None)
    out = np.full_like(P, np.nan)
    out[ok] = P[ok] - D @ coef
    return out


def _check_centering(centering, caller):
    if centering not in CENTERING:
        raise OptionError(f"centering= of {caller}() must be one of "
                          f"{', '.join(map(repr, CENTERING))}; got {centering!r}.")
    return centering


def _indicator_list(v, what):
    if isinstance(v, str) or not len(v):
        raise OptionError(f"{what}= must be a non-empty list of column names; got {v!r}.")
    return [str(c) for c in v]


def _check_columns(data, cols):
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        many = len(missing) > 1
        raise DataError(f"Column{'s' if many else ''} {', '.join(map(repr, missing))} named for "
                        f"the interaction {'are' if many else 'is'} missing from data.")
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise DataError(f"Interaction columns must be numeric; {', '.join(map(repr, bad))} "
                        "is not.")


# ----- the model rewrite used by tm.fit ----------------------------------------------------
def product_terms(statements) -> list:
    """The distinct product terms ``A:B`` on right-hand sides of ``~`` (in order)."""
    out = []
    for s in statements:
        if s.op == "~" and ":" in s.rhs and s.rhs not in out:
            if s.rhs.count(":") > 1:
                raise ModelSyntaxError(f"Only two-way product terms are supported; got "
                                       f"{s.rhs!r}.", s.line, s.column)
            out.append(s.rhs)
    return out


def indicators_of(statements) -> dict:
    """Latent -> its indicators (``=~`` rows, in order)."""
    out: dict = {}
    for s in statements:
        if s.op == "=~":
            out.setdefault(s.lhs, []).append(s.rhs)
    return out


def expand_interactions(statements, data: pd.DataFrame, *, centering: str = "double",
                        pairs: str = "matched"):
    """Rewrite product terms as product-indicator latents; return (statements, data).

    ``pairs="matched"`` matches indicators when both constructs have equally many (else all
    pairs, as issue 15 asks); ``"all"`` always forms all pairs. The returned data is a new
    frame with the product columns appended; the caller's frame is untouched.
    """
    terms = product_terms(statements)
    if not [t for t in terms if t not in indicators_of(statements)]:
        return tuple(statements), data
    if not isinstance(data, pd.DataFrame):
        raise DataError("A model with product terms (x:z) needs the raw data (data= as a "
                        "DataFrame) to form the products; sample_cov= is not enough.")
    centering = _check_centering(centering, "fit")
    inds = indicators_of(statements)
    new_cols, extra = {}, []
    for term in [t for t in terms if t not in inds]:   # a measured product latent is kept
        a, b = term.split(":")
        for v in (a, b):
            if v not in inds and v not in data.columns:
                raise DataError(f"{v!r} in the product term {term!r} is neither a latent "
                                "variable of the model nor a column of data.")
        if a not in inds and b not in inds:            # observed x observed: lavaan's x:z
            _check_columns(data, [a, b])
            new_cols[term] = data[a].to_numpy(float) * data[b].to_numpy(float)
            continue
        xa, xb = inds.get(a, [a]), inds.get(b, [b])
        match = pairs == "matched" and len(xa) == len(xb)
        prods, _ = product_indicators(data, xa, xb, match=match, centering=centering)
        clash = [c for c in prods.columns if c in data.columns or c in new_cols]
        if clash:
            raise DataError(f"Product column {clash[0]!r} for {term!r} already exists in data; "
                            "rename that column.")
        new_cols.update({c: prods[c].to_numpy() for c in prods.columns})
        ij = [(i, i) for i in range(len(xa))] if match else \
            [(i, j) for i in range(len(xa)) for j in range(len(xb))]
        extra += [Statement(term, "=~", c, Modifier()) for c in prods.columns]
        extra += [Statement(p, "~~", q, Modifier())
                  for p, q in shared_pairs(list(prods.columns), ij, xa, xb)]
    augmented = pd.concat([data, pd.DataFrame(new_cols, index=data.index)], axis=1)
    statements = list(statements)
    last = max((k for k, s in enumerate(statements) if s.op == "=~"), default=-1)
    out = statements[:last + 1] + extra + statements[last + 1:]
    return tuple(out), augmented
