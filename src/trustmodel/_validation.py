"""Validation helpers used at the API boundary (never ``assert``)."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

from ._errors import OptionError


def check_option(name: str, value, allowed: Iterable, caller: str = "fit"):
    """Return ``value`` (case-normalised for strings) if allowed, else raise OptionError."""
    allowed = list(allowed)
    if isinstance(value, str):
        for a in allowed:
            if isinstance(a, str) and a.lower() == value.lower():
                return a
    elif value in allowed:
        return value
    listed = ", ".join(repr(a) for a in allowed)
    raise OptionError(f"{name}= of {caller}() must be one of {listed}; got {value!r}.")


def check_seed(seed) -> np.random.Generator:
    """``None``, an int, a SeedSequence or a Generator -> a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(seed)
    raise OptionError(f"seed= must be None, an int or a numpy.random.Generator; got {seed!r}.")


def near_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``candidates`` (case-insensitive first)."""
    candidates = [str(c) for c in candidates]
    lower = {c.lower(): c for c in candidates}
    hits = [lower[m] for m in difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)]
    return hits


def did_you_mean(names: Iterable[str], candidates: Iterable[str]) -> str:
    candidates = list(candidates)
    hints = []
    for name in names:
        close = near_names(name, candidates)
        if close:
            hints.append(f"{name!r}: did you mean {', '.join(map(repr, close))}?")
    return (" " + " ".join(hints)) if hints else ""


# ----- strict options of tm.fit (checked before anything runs) -----------------------------
def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def check_bool(name: str, value, *, optional: bool = False, caller: str = "fit"):
    """``True``/``False`` (numpy booleans too); ``None`` only if ``optional``.

    A string such as ``"no"`` is refused: ``bool("no")`` is True.

    Examples
    --------
    >>> check_bool("std_lv", "no")
    Traceback (most recent call last):
    ...
    trustmodel._errors.OptionError: std_lv= of fit() must be True or False; got 'no' (str).
    """
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    allowed = "True, False or None" if optional else "True or False"
    raise OptionError(f"{name}= of {caller}() must be {allowed}; got {value!r} "
                      f"({type(value).__name__}).")


def check_level(level, caller: str = "fit") -> float:
    if not _is_number(level) or not 0 < float(level) < 1:
        raise OptionError(f"level= of {caller}() must be a number strictly between 0 and 1 "
                          f"(0.95 for 95% intervals); got {level!r}.")
    return float(level)


def check_count(name: str, value, *, minimum: int = 1, caller: str = "fit") -> int:
    """A whole number >= ``minimum`` (an integral float such as ``75.0`` is accepted)."""
    ok = _is_int(value) or (isinstance(value, (float, np.floating)) and np.isfinite(value)
                            and float(value).is_integer())
    if not ok or int(value) < minimum:
        raise OptionError(f"{name}= of {caller}() must be a whole number >= {minimum}; got "
                          f"{value!r}.")
    return int(value)


def check_n_jobs(n_jobs, caller: str = "fit"):
    if n_jobs is None:
        return None
    if not _is_int(n_jobs) or n_jobs == 0:
        raise OptionError(f"n_jobs= of {caller}() must be None or a non-zero whole number "
                          f"(joblib's convention: -1 uses every core); got {n_jobs!r}.")
    return int(n_jobs)


def check_strict_seed(seed, caller: str = "fit"):
    """``None``, a non-negative int, a SeedSequence or a Generator (returned unchanged)."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if _is_int(seed) and seed >= 0:
        return int(seed)
    raise OptionError(f"seed= of {caller}() must be None, a non-negative int, a "
                      f"numpy.random.SeedSequence or a numpy.random.Generator; got {seed!r}.")


def check_group(group, caller: str = "fit"):
    if group is None or isinstance(group, str):
        return group
    raise OptionError(f"group= of {caller}() must be the name of a data column (str); got "
                      f"{group!r} ({type(group).__name__}).")


def check_names_list(name: str, value, caller: str = "fit") -> tuple:
    """lavaan's ``group.equal = "loadings"`` or ``c("loadings", "intercepts")``: a string
    (comma-separated allowed), a sequence of strings or None -> a tuple of strings, with
    lavaan's dots read as underscores for group_equal."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value]
    else:
        raise OptionError(f"{name}= of {caller}() must be a string such as 'loadings', a list "
                          f"of strings or None; got {value!r}.")
    items = [v for v in items if v]
    if name == "group_equal":
        items = [v.replace(".", "_") for v in items]
    return tuple(items)


def check_sample_cov(sample_cov, caller: str = "fit"):
    """A square, symmetric, finite DataFrame whose index equals its columns (or a list of
    them, one per group)."""
    import pandas as pd
    if sample_cov is None:
        return None
    covs = sample_cov if isinstance(sample_cov, (list, tuple)) else [sample_cov]
    if not covs:
        raise OptionError(f"sample_cov= of {caller}() is an empty list.")
    for g, S in enumerate(covs):
        where = "" if len(covs) == 1 else f" (group {g + 1})"
        if not isinstance(S, pd.DataFrame):
            raise OptionError(f"sample_cov={where} must be a pandas DataFrame with variable "
                              f"names as index and columns (tm.lower_to_cov(text, names) makes "
                              f"one from a lower triangle); got {type(S).__name__}.")
        if S.shape[0] != S.shape[1] or list(map(str, S.index)) != list(map(str, S.columns)):
            raise OptionError(f"sample_cov={where} must be square with the same names, in the "
                              f"same order, as index and columns; got shape {S.shape}.")
        if S.columns.duplicated().any():
            raise OptionError(f"sample_cov={where} names a variable twice: "
                              f"{sorted(set(S.columns[S.columns.duplicated()]))}.")
        try:
            M = S.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise OptionError(f"sample_cov={where} holds non-numeric entries.") from None
        if not np.isfinite(M).all():
            raise OptionError(f"sample_cov={where} holds missing or infinite entries.")
        negative = [str(v) for v, d in zip(S.columns, np.diag(M)) if d < 0]
        if negative:
            raise OptionError(f"sample_cov={where} has negative variances for "
                              f"{', '.join(map(repr, negative))}: not a covariance matrix.")
        if not np.allclose(M, M.T, atol=1e-10 * max(1.0, np.abs(M).max(initial=0.0))):
            i, j = np.unravel_index(np.argmax(np.abs(M - M.T)), M.shape)
            raise OptionError(f"sample_cov={where} is not symmetric: [{S.index[i]!r}, "
                              f"{S.columns[j]!r}] = {float(M[i, j])!r} but [{S.index[j]!r}, "
                              f"{S.columns[i]!r}] = {float(M[j, i])!r}.")
    return sample_cov


def check_sample_mean(sample_mean, sample_cov, caller: str = "fit"):
    """A pandas Series (or dict) of means named as ``sample_cov``'s variables; per group a list."""
    import pandas as pd
    if sample_mean is None:
        return None
    if sample_cov is None:
        raise OptionError(f"sample_mean= of {caller}() needs sample_cov= (and nobs=).")
    means = sample_mean if isinstance(sample_mean, (list, tuple)) else [sample_mean]
    covs = sample_cov if isinstance(sample_cov, (list, tuple)) else [sample_cov]
    if len(means) != len(covs):
        raise OptionError(f"sample_mean= has {len(means)} entries for {len(covs)} covariance "
                          "matrices.")
    out = []
    for m, S in zip(means, covs):
        if isinstance(m, dict):
            m = pd.Series(m, dtype=float)
        if not isinstance(m, pd.Series):
            raise OptionError(f"sample_mean= of {caller}() must be a pandas Series (or dict) "
                              f"named by variable; got {type(m).__name__}.")
        missing = [v for v in S.columns if v not in m.index]
        if missing:
            raise OptionError(f"sample_mean= has no mean for {', '.join(map(repr, missing))}."
                              + did_you_mean(map(str, missing), map(str, m.index)))
        vals = pd.to_numeric(m.loc[list(S.columns)], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(vals).all():
            raise OptionError("sample_mean= holds missing, infinite or non-numeric entries.")
        out.append(m)
    return out if isinstance(sample_mean, (list, tuple)) else out[0]


def check_nobs(nobs, sample_cov, caller: str = "fit"):
    if nobs is None:
        return None
    if isinstance(nobs, (list, tuple)):
        return [check_count("nobs", n, minimum=2, caller=caller) for n in nobs]
    return check_count("nobs", nobs, minimum=2, caller=caller)


def check_ignored(options: dict, accepted, defaults: dict, path: str) -> None:
    """Refuse options a fitting path would silently ignore (given with a non-default value)."""
    given = []
    for name, value in options.items():
        if name in accepted:
            continue
        default = defaults.get(name)
        same = value is default or (not hasattr(value, "shape") and value == default)
        if isinstance(default, tuple) and isinstance(value, (list, tuple)) and not value:
            same = True
        if not same:
            given.append(name)
    if given:
        raise OptionError(f"{path} does not use {', '.join(f'{n}=' for n in given)}: "
                          f"{'these options' if len(given) > 1 else 'this option'} would be "
                          "ignored; drop it (or fit by ML).")


def check_fit_options(given: dict, allowed: dict) -> dict:
    """Every option of ``tm.fit`` checked before anything runs; returns them normalised.

    ``allowed`` maps the string options (estimator, missing, se, boot_ci_type, backend) to
    their allowed values. Each error names the option, what is allowed and what was given.
    """
    out = dict(given)
    out["estimator"] = check_option("estimator", given["estimator"], allowed["estimator"])
    pls = out["estimator"] in ("PLS", "PLSc")
    if not pls:  # the PLS fit checks its own missing-data policies
        out["missing"] = check_option("missing", given["missing"], allowed["missing"])
    out["se"] = check_option("se", given["se"], allowed["se"])
    out["boot_ci_type"] = check_option("boot_ci_type", given["boot_ci_type"],
                                       allowed["boot_ci_type"])
    if given["backend"] is not None:
        out["backend"] = check_option("backend", given["backend"], allowed["backend"])
    for name in ("std_lv", "bollen_stine"):
        out[name] = check_bool(name, given[name])
    for name in ("meanstructure", "progress", "fixed_x"):
        out[name] = check_bool(name, given[name], optional=True)
    out["level"] = check_level(given["level"])
    out["seed"] = check_strict_seed(given["seed"])
    out["n_jobs"] = check_n_jobs(given["n_jobs"])
    out["bootstrap"] = check_count("bootstrap", given["bootstrap"])
    out["group"] = check_group(given["group"])
    out["group_equal"] = check_names_list("group_equal", given["group_equal"])
    out["group_partial"] = check_names_list("group_partial", given["group_partial"])
    out["sample_cov"] = check_sample_cov(given["sample_cov"])
    out["nobs"] = check_nobs(given["nobs"], given["sample_cov"])
    out["sample_mean"] = check_sample_mean(given["sample_mean"], given["sample_cov"])
    if given["nobs"] is not None and given["sample_cov"] is None:
        raise OptionError("nobs= goes with sample_cov= (a covariance matrix); with data= the "
                          "sample size is the number of rows.")
    return out
