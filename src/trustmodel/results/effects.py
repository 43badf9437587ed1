"""Direct, indirect and total effects among the structural variables of a fitted model.

With ``B`` the matrix of directed effects among latent (and structural observed) variables
(``B[to, from]``: regressions ``~`` and higher-order loadings ``=~`` of a latent on a latent),
the total effects are ``T = (I - B)^-1 - I`` (Bollen 1987, doi:10.2307/271028), the direct
effects ``B`` and the indirect effects ``T - B``. A feedback loop (``SAT ~ LOY``, ``LOY ~ SAT``)
is fine as long as the loop is stable (spectral radius of ``B`` below 1).

Standard errors use the delta method, ``J V J'``, with the Jacobian of the effects with respect
to the free parameters taken by central differences through the model's values (the same way
``:=`` parameters get theirs, as lavaan's ``lav_func_jacobian_complex``), so an effect equals
the ``:=`` parameter of the same product in estimate and SE.

With ``se="bootstrap"`` the effects are evaluated on every bootstrap draw instead: bootstrap
SEs (SD of the draws, divisor B) and the fit's bootstrap interval type (``boot_ci_type``),
exactly as the ``:=`` rows of ``res.params`` get theirs (lavaan's ``parameterEstimates`` on
a bootstrap fit), so an effect still equals the ``:=`` row of the same product.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sst

from ..estimation.core.linalg import se_from_variances
from ..estimation.core.numdiff import jacobian

COLUMNS = ["name", "kind", "from", "to", "via", "est", "se", "z", "pvalue", "ci_lower",
           "ci_upper", "named"]


def structure(table) -> tuple[list[str], set]:
    """Structural variables (latents first) and directed edges ``(from, to)`` of a table."""
    rows = table.rows
    lv = list(table.names.lv)
    lvset = set(lv)
    edges = set()
    for r in rows.itertuples():
        if r.op == "~":
            edges.add((r.rhs, r.lhs))
        elif r.op == "=~" and r.rhs in lvset:
            edges.add((r.lhs, r.rhs))
    obs = [v for v in table.names.ov if any(v in e for e in edges)]
    return lv + obs, edges


def _closure(adj: np.ndarray) -> np.ndarray:
    reach = adj.copy()
    for k in range(len(reach)):
        reach = reach | (reach[:, [k]] & reach[[k], :])
    return reach


def effects_table(res) -> pd.DataFrame:
    """Tidy direct / indirect / total effects with delta-method standard errors.

    Parameters
    ----------
    res : FitResult

    Returns
    -------
    pandas.DataFrame
        Columns ``name kind from to via est se z pvalue ci_lower ci_upper named`` (plus
        ``group`` in a multi-group fit), one row per effect. The effects a theory builder
        names come first, ``named`` True (``res.extra["theory"].named_effects``: e.g. the
        specific chain ``PERF->DISC->SAT`` with ``via`` ``"DISC"``), then for every ordered
        pair of structural variables connected by a directed path: its direct effect (if
        any), its indirect effect (if a path through a mediator exists; ``via`` lists the
        mediators) and its total effect, each unless a named row already is that effect (a
        named direct path, total, or a chain that is the only indirect path). Leaving out the
        named specific chains that are not the whole indirect effect, the rows form a complete
        decomposition (total = direct + indirect).

    Examples
    --------
    >>> import trustmodel as tm
    >>> res = tm.fit("ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\n"
    ...              "dem65 =~ y5 + y6 + y7 + y8\\ndem60 ~ ind60\\ndem65 ~ ind60 + dem60",
    ...              tm.datasets.load("political_democracy"))
    >>> eff = res.effects
    >>> list(eff["kind"][eff["from"].eq("ind60") & eff["to"].eq("dem65")])
    ['direct', 'indirect', 'total']
    """
    model = res.state.problem.model
    nodes, edges = structure(res.table)
    theory = res.extra.get("theory") if isinstance(res.extra, dict) else None
    named = list(getattr(theory, "named_effects", []) or [])
    if not nodes or not edges:
        return pd.DataFrame(columns=COLUMNS)
    at = {v: i for i, v in enumerate(nodes)}
    adj = np.zeros((len(nodes), len(nodes)), dtype=bool)  # adj[from, to]
    for a, b in edges:
        adj[at[a], at[b]] = True
    specs, n_named = _specs(nodes, adj, named)
    pos = {v: i for i, v in enumerate(model.ov + model.lv)}
    idx = np.array([pos[v] for v in nodes])
    x = np.asarray(res.state.x, dtype=float)
    level = res.options.get("level", 0.95) if isinstance(res.options, dict) else 0.95
    boot = res.bootstrap if getattr(res, "se_kind", "standard") == "bootstrap" else None
    if boot is not None and boot.draws.shape[1] != len(x):
        boot = None
    frames = []
    for g in range(model.ngroups):
        evaluate = _evaluator(res.state.problem, idx, [s[5] for s in specs], g)
        est = evaluate(x)
        if boot is not None:
            se, lo, hi = _bootstrap_columns(boot, evaluate, est, level)
        else:
            se, lo, hi = _delta_columns(evaluate, est, x, np.asarray(res.vcov_free, dtype=float),
                                        level)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        frames.append(_frame(specs, est, se, z, lo, hi, model, res, g, n_named))
    return pd.concat(frames, ignore_index=True)


def _specs(nodes, adj, named) -> tuple[list[tuple], int]:
    """The effects to list, ``(name, kind, from, to, via, spec)`` with ``spec`` saying how to
    compute it: the theory's named ones first (their number is returned too), then for every
    connected ordered pair its direct, indirect and total effect, each unless already listed."""
    at = {v: i for i, v in enumerate(nodes)}
    reach = _closure(adj)
    specs: list[tuple] = []
    for e in named:
        chain = [e.source, *e.via, e.target]
        if any(v not in at for v in chain):
            continue
        if e.kind == "indirect" and e.via:
            specs.append((e.name, "indirect", e.source, e.target, ",".join(e.via),
                          ("chain", [at[v] for v in chain])))
        elif e.kind == "total":
            specs.append((e.name, "total", e.source, e.target,
                          _mediators(nodes, reach, at[e.source], at[e.target]),
                          ("total", at[e.source], at[e.target])))
        else:
            specs.append((e.name, e.kind, e.source, e.target, "",
                          ("direct", at[e.source], at[e.target])))
    seen: set[tuple] = {_identity(sp[5], adj) for sp in specs}
    n_named = len(specs)
    for i, a in enumerate(nodes):
        for j, b in enumerate(nodes):
            if i == j or not reach[i, j]:
                continue
            via = _mediators(nodes, reach, i, j)
            generic = []
            if adj[i, j]:
                generic.append((f"{a}->{b}", "direct", a, b, "", ("direct", i, j)))
            if via:
                generic.append((f"{a}->{b}", "indirect", a, b, via, ("indirect", i, j)))
            generic.append((f"{a}->{b}", "total", a, b, via, ("total", i, j)))
            specs += [sp for sp in generic if _identity(sp[5], adj) not in seen]
    return specs, n_named


def _evaluator(problem, idx, specs, g):
    """``x -> effects``: every spec evaluated from the free parameters ``x`` in group ``g``."""
    model = problem.model
    k = len(idx)

    def evaluate(xv):
        A = model.matrices(problem.values(xv), g)[0]
        B = A[np.ix_(idx, idx)].T          # B[from, to]
        with np.errstate(all="ignore"):
            try:
                T = np.linalg.inv(np.eye(k) - B.T).T - np.eye(k)
            except np.linalg.LinAlgError:
                T = np.full((k, k), np.nan)
        out = np.empty(len(specs))
        for n, sp in enumerate(specs):
            if sp[0] == "chain":
                c = sp[1]
                out[n] = np.prod([B[c[m], c[m + 1]] for m in range(len(c) - 1)])
            elif sp[0] == "direct":
                out[n] = B[sp[1], sp[2]]
            elif sp[0] == "indirect":
                out[n] = T[sp[1], sp[2]] - B[sp[1], sp[2]]
            else:
                out[n] = T[sp[1], sp[2]]
        return out
    return evaluate


def _delta_columns(evaluate, est, x, vcov, level):
    """(se, ci_lower, ci_upper) by the delta method: ``J V J'``, J by central differences."""
    q = sst.norm.ppf(0.5 + level / 2)
    J = jacobian(evaluate, x)
    cov = J @ vcov @ J.T if len(x) else np.zeros((len(est), len(est)))
    se = se_from_variances(np.diag(cov))
    return se, est - q * se, est + q * se


def _identity(spec, adj) -> tuple:
    """What an effect is, whatever it is called: a direct, total or (total) indirect effect of
    one variable on another, or one specific chain. A named chain that is the only indirect
    path between its ends *is* the indirect effect, so the table lists it once."""
    if spec[0] == "chain":
        chain = tuple(spec[1])
        i, j = chain[0], chain[-1]
        if _indirect_paths(adj, i, j) == 1:
            return ("indirect", i, j)
        return ("chain", chain)
    return spec


def _indirect_paths(adj, i, j, limit: int = 2) -> int:
    """Number of directed paths of length two or more from i to j (counted up to ``limit``;
    a feedback loop counts as many)."""
    count = 0
    stack: list[tuple[int, tuple[int, ...]]] = [(int(i), (int(i),))]
    while stack and count < limit:
        node, path = stack.pop()
        for nxt in (int(v) for v in np.flatnonzero(adj[node])):
            if nxt in path:
                count = limit  # a cycle on the way: infinitely many walks
                break
            if nxt == j:
                count += len(path) > 1
            else:
                stack.append((nxt, (*path, nxt)))
    return count


def _frame(specs, est, se, z, lo, hi, model, res, g, n_named) -> pd.DataFrame:
    df = pd.DataFrame({"name": [s[0] for s in specs], "kind": [s[1] for s in specs],
                       "from": [s[2] for s in specs], "to": [s[3] for s in specs],
                       "via": [s[4] for s in specs], "est": est, "se": se, "z": z,
                       "pvalue": 2 * sst.norm.sf(np.abs(z)), "ci_lower": lo, "ci_upper": hi,
                       "named": np.arange(len(specs)) < n_named})
    if model.ngroups > 1:
        labels = [grp.label for grp in res.stats.groups]
        df.insert(0, "group", labels[g])
    return df


def _bootstrap_columns(boot, evaluate, est, level):
    """(se, ci_lower, ci_upper) of every effect from the bootstrap draws.

    Each effect is evaluated on every successful replicate's free parameters, exactly as
    :func:`trustmodel.estimation.inference.bootstrap.summarize` treats a ``:=`` row (lavaan's
    ``lav_model_vcov_se`` with ``BOOT``, ``R/lav_model_vcov.R``, and ``parameterEstimates``'
    bootstrap intervals, ``R/lav_object_methods.R``): SE = SD of the draws with divisor B, the
    interval of ``boot.ci_type`` (percentile by default; BCa from the jackknife values of
    the effect, when the fit kept them) at ``level``.
    """
    from ..estimation.inference.intervals import interval
    X = boot.draws[boot.ok]
    T = np.array([evaluate(xb) for xb in X]) if len(X) else np.zeros((0, len(est)))
    ci_type = getattr(boot, "ci_type", "perc") or "perc"
    jack = getattr(boot, "jackknife", None)
    JK = None
    if ci_type == "bca" and jack is not None:
        q = boot.draws.shape[1]
        JK = np.array([evaluate(row[:q]) if np.all(np.isfinite(row[:q]))
                       else np.full(len(est), np.nan) for row in jack])
    se = np.full(len(est), np.nan)
    lo, hi = np.full(len(est), np.nan), np.full(len(est), np.nan)
    for m in range(len(est)):
        t = T[:, m] if len(T) else np.zeros(0)
        if len(t) > 1:
            se[m] = np.sqrt(np.mean((t - t.mean()) ** 2))
        lo[m], hi[m] = interval(t, est[m], level, ci_type, None if JK is None else JK[:, m])
    return se, lo, hi


def _mediators(nodes, reach, i, j) -> str:
    """Variables on some directed path from node i to node j, comma-separated."""
    return ",".join(nodes[m] for m in range(len(nodes))
                    if m not in (i, j) and reach[i, m] and reach[m, j])
