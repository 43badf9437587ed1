"""Plan and data preparation shared by every PLS entry point: the plan of a model, the raw
item matrix after the missing-value treatment, and the full-sample estimate."""
from __future__ import annotations


import numpy as np
import pandas as pd

from .._errors import DataError, DataWarning, NonConvergenceWarning
from ..data import check_present
from .model import plan_from_statements, protect_interactions
from .pipeline import estimate_batch
from .._warnings import warn


def plan_of(model, *, interaction=None, hoc=None):
    """The :class:`~trustmodel.pls.model.Plan` of syntax, statements or a theory builder."""
    from ..syntax.statements import statements_of
    if isinstance(model, str):
        model = protect_interactions(model)
    elif isinstance(getattr(model, "syntax", None), str):
        model = protect_interactions(model.syntax)
    return plan_from_statements(statements_of(model), interaction=interaction, hoc=hoc)



def estimate_single(X, plan, kw, *, max_iter, tol) -> dict:
    """Full-sample estimate (the batch of one), with the convergence checks of a fit."""
    cols = {nm: X[None, :, k] for k, nm in enumerate(plan.raw_items)}
    with np.errstate(all="ignore"):
        out = estimate_batch(cols, plan, kw)
    est = {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in out.items()}
    est["_batch"] = out
    first = out.get("first")
    if first is not None:
        est["first"] = {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in first.items()}
    if not est["converged"]:
        if not np.all(np.isfinite(est["B"])):
            spec = est["spec"]
            bad = [c for c, r in zip(spec.constructs, est["rho"]) if not r > 0]
            raise DataError("PLSc cannot correct this model: rho_A is not positive for "
                            f"{', '.join(map(repr, bad))}; estimate them as composites "
                            "(estimator='PLS') or check the items' signs.")
        warn(f"PLS did not converge in {max_iter} iterations (outer weight change "
             f"still above tol={tol:g}); raise max_iter= or try scheme='factorial'.",
             NonConvergenceWarning)
    return est



def prepare_raw(data, names, missing: str = "listwise", missing_value=None):
    """Raw item matrix ``(n, p)`` after the missing-value treatment, the row index used and
    a report ``{"method", "rows_dropped", "replaced": {item: count}}``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data= must be a pandas DataFrame; got {type(data).__name__}.")
    names = list(names)
    check_present(names, data.columns)
    try:
        X = data[names].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The indicators must be numeric: {exc}.") from None
    rows = data.index
    if missing_value is not None:
        X = np.where(X == float(missing_value), np.nan, X)
    bad = ~np.isfinite(X)
    report = {"method": missing, "rows_dropped": 0, "replaced": {}}
    if bad.any():
        if missing == "mean":
            counts = bad.sum(axis=0)
            with np.errstate(invalid="ignore"):
                means = np.nanmean(np.where(bad, np.nan, X), axis=0)
            empty = [nm for nm, m in zip(names, means) if not np.isfinite(m)]
            if empty:
                raise DataError(f"Item(s) {', '.join(map(repr, empty))} have no observed value; "
                                "mean replacement is impossible.")
            X = np.where(bad, means[None, :], X)
            report["replaced"] = {nm: int(c) for nm, c in zip(names, counts) if c}
            warn(f"{int(counts.sum())} missing item value(s) in "
                 f"{int(bad.any(axis=1).sum())} row(s) were replaced by item means "
                 "(missing='mean', seminr's mean_replacement).", DataWarning)
        else:
            ok = ~bad.any(axis=1)
            report["rows_dropped"] = int((~ok).sum())
            warn(f"{int((~ok).sum())} row(s) with missing indicator values were "
                 "dropped (listwise); missing='mean' replaces them by item means "
                 "instead.", DataWarning)
            X, rows = X[ok], rows[ok]
    n = X.shape[0]
    if n < 3:
        raise DataError(f"Found {n} complete row(s); PLS needs more observations.")
    sds = X.std(axis=0, ddof=1)
    const = [c for c, s in zip(names, sds) if not s > 0]
    if const:
        raise DataError(f"Indicator(s) {', '.join(map(repr, const))} are constant; drop them "
                        "from the model.")
    return X, rows, report
