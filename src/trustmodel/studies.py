"""Grids of Monte Carlo conditions: sample sizes x effect sizes x estimators in one call.

:func:`power_grid` runs :func:`trustmodel.power` once per condition (a combination of
population values and an estimator; the sample sizes of a condition share one call) and
stacks the results into one tidy table. With ``checkpoint=`` every finished condition is
written to a CSV file at once (atomically), and a rerun with the same grid skips the
conditions already there, so an interrupted study resumes where it stopped.

Reproducibility: condition ``k`` of the grid draws from child ``k`` of
``SeedSequence(seed)``, and inside a condition every replicate has its own child seed
(:mod:`trustmodel._parallel`), so the table is the same whether the study ran in one go or
was resumed, and for any ``n_jobs`` and backend (``"threads"``, ``"loky"``, or ``"dask"``:
the replications as tasks on the active ``dask.distributed`` client).

References
----------
Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample
size and determine power. *Structural Equation Modeling*, 9(4), 599-620.

Examples
--------
>>> import trustmodel as tm
>>> pop = "f =~ 0.8*x1 + 0.7*x2 + 0.7*x3\\ny ~ 0.3*f"
>>> grid = tm.power_grid(pop, n=[100, 200], effects={"y ~ f": [0.2, 0.4]}, reps=50, seed=1,
...                      standardized=True)
>>> grid[["y ~ f", "n", "power"]].shape
(4, 3)
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import OptionError
from .power import power


def _conditions(effects: dict, estimators) -> list[dict]:
    keys = list(effects)
    values = [list(np.atleast_1d(effects[k])) for k in keys]
    return [dict(zip(keys, combo), estimator=est)
            for est in estimators for combo in itertools.product(*values)]


def _fingerprint(model, n, effects, estimators, reps, alpha, seed, extra) -> dict:
    text = model if isinstance(model, str) else getattr(model, "syntax", repr(model))
    return {"model": text, "n": [int(v) for v in n],
            "effects": {k: [float(v) for v in np.atleast_1d(vals)] for k, vals in effects.items()},
            "estimators": list(estimators), "reps": int(reps), "alpha": float(alpha),
            "seed": seed, "options": {k: repr(v) for k, v in sorted(extra.items())}}


def _load_checkpoint(path: Path, spec: dict) -> pd.DataFrame | None:
    meta = path.with_name(path.name + ".json")
    if not path.exists():
        return None
    if not meta.exists() or json.loads(meta.read_text()) != spec:
        raise OptionError(f"checkpoint={str(path)!r} holds a different study (its grid, model, "
                          "reps or seed differ); use a new path or delete the file.")
    return pd.read_csv(path)


def _save(path: Path, table: pd.DataFrame, spec: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)                       # atomic: an interruption never leaves half a file
    meta = path.with_name(path.name + ".json")
    if not meta.exists():
        meta.write_text(json.dumps(spec))


def power_grid(model, n, effects: dict | None = None, estimators=("ML",), *, reps: int = 1000,
               alpha: float = 0.05, seed: int | None = None, checkpoint=None,
               n_jobs: int = 1, backend: str = "threads", progress: bool | None = False,
               **power_options) -> pd.DataFrame:
    """Power over a grid of sample sizes, population effect sizes and estimators.

    Parameters
    ----------
    model : str or theory builder
        Population model, as for :func:`trustmodel.power`.
    n : sequence of int
        Sample sizes (every condition runs all of them).
    effects : dict, optional
        Population values to vary: ``{"SAT ~ DISC": [0.1, 0.2, 0.3], ...}`` (keys as for
        ``population=`` of :func:`trustmodel.simulate`); the grid is their Cartesian product.
    estimators : sequence of {"ML", "GLS", "ULS"}
    reps, alpha : int, float
        Replications per condition and sample size; significance level.
    seed : int, optional
        Master seed (an int, so that a resumed study can re-derive its seeds).
    checkpoint : str or path, optional
        CSV file written after every condition; an existing file of the same study is resumed
        (its ``.json`` sidecar identifies the study).
    n_jobs, backend, progress
        Passed to :func:`trustmodel.power` (``backend="dask"``: replications as dask tasks).
    **power_options
        Further options of :func:`trustmodel.power` (``effect=``, ``analysis=``, ``likert=``,
        ``standardized=``, ``population=`` for values held fixed).

    Returns
    -------
    pandas.DataFrame
        One row per condition, sample size and reported effect: ``condition``, one column per
        varied population value, ``estimator``, then :func:`trustmodel.power`'s columns.
    """
    effects = dict(effects or {})
    estimators = [str(e).upper() for e in np.atleast_1d(estimators)]
    ns = [int(v) for v in np.atleast_1d(n)]
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise OptionError(f"seed= must be an int (or None) for a study grid; got {seed!r}.")
    fixed = dict(power_options.pop("population", None) or {})
    overlap = set(fixed) & set(effects)
    if overlap:
        raise OptionError(f"{sorted(overlap)} appear in both effects= and population=.")
    conds = _conditions(effects, estimators)
    spec = _fingerprint(model, ns, effects, estimators, reps, alpha,
                        None if seed is None else int(seed), {**power_options, **fixed})
    path = None if checkpoint is None else Path(checkpoint)
    done = _load_checkpoint(path, spec) if path is not None else None
    if path is not None and seed is None:
        raise OptionError("checkpoint= needs an int seed= so that a resumed study draws the "
                          "same samples.")
    finished = set() if done is None else set(done["condition"].astype(int))
    frames = [] if done is None else [done]
    children = np.random.SeedSequence(seed).spawn(len(conds))
    for k, (cond, child) in enumerate(zip(conds, children)):
        if k in finished:
            continue
        values = {key: cond[key] for key in effects}
        table = power(model, n=ns, reps=reps, alpha=alpha, seed=np.random.default_rng(child),
                      n_jobs=n_jobs, backend=backend, progress=progress,
                      estimator=cond["estimator"], population={**fixed, **values},
                      **power_options)
        frame = pd.DataFrame(table)
        lead = pd.DataFrame({"condition": k, **{key: float(v) for key, v in values.items()},
                             "estimator": cond["estimator"]}, index=frame.index)
        frames.append(pd.concat([lead, frame], axis=1))
        if path is not None:
            _save(path, pd.concat(frames, ignore_index=True), spec)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out.sort_values(["condition", "n"], kind="stable").reset_index(drop=True)
