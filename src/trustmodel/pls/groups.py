"""Multigroup PLS: per-group fits, PLS-MGA, permutation, parametric and Welch tests, MICOM.

* PLS-MGA (Henseler, Ringle & Sinkovics 2009) as seminr's ``estimate_pls_mga``
  (R/estimate_pls_mga.R): with bootstrap paths ``b1*``, ``b2*`` and their means ``m1``,
  ``m2``, ``p = 1 - #{(2 m1 - b1*_i) - (2 m2 - b2*_j) > 0} / (J1 J2)`` over all pairs: the
  one-sided probability that group 1's path is not larger than group 2's (values near 0 or 1
  are significant at the two tails).
* Permutation test (Chin & Dibbern 2010): group labels are permuted, both groups
  re-estimated, ``p = (1 + #{|d*| >= |d|}) / (B + 1)`` (Phipson & Smyth 2010).
* Parametric test (Keil et al. 2000) with pooled standard errors, ``df = n1 + n2 - 2``, and the
  Welch-Satterthwaite test (Sarstedt, Henseler & Ringle 2011) with bootstrap SEs.
* MICOM (Henseler, Ringle & Sarstedt 2016): step 1 configural invariance (same blocks,
  algorithm and data treatment, holds by construction), step 2 compositional invariance
  ``c = cor(X w1, X w2)`` on the pooled standardized items against its permutation
  distribution (invariance if ``c`` is not below the 5% quantile), step 3 equality of the
  composites' means and log-variances (pooled weights) against permutation intervals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats as st

from .._errors import OptionError
from .._parallel import parallel_map, spawn_seeds
from .bootstrap import stack_columns
from .pipeline import estimate_batch
from .prepare import plan_of, prepare_raw

METHODS = ("mga", "permutation", "parametric", "welch")


@dataclass(frozen=True)
class PLSGroupResult:
    """Per-group PLS fits (``tm.fit(..., estimator="PLS", group=...)``).

    ``groups`` maps each group label to its :class:`PLSResult`; ``compare_groups()`` tests
    path differences, ``micom()`` measurement invariance.
    """

    group: str
    groups: dict
    model: object = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    options: dict = field(default_factory=dict)
    seed: object = None

    def __getitem__(self, label):
        return self.groups[label]

    @property
    def labels(self) -> list:
        return list(self.groups)

    @property
    def paths(self) -> pd.DataFrame:
        """Every group's path table, stacked with a ``group`` column."""
        return pd.concat([r.paths.assign(group=g) for g, r in self.groups.items()],
                         ignore_index=True)

    def __str__(self) -> str:
        head = [f"PLS by {self.group!r}: " + ", ".join(f"{g} (n = {r.nobs})"
                                                      for g, r in self.groups.items())]
        wide = self.paths.pivot_table(index=["lhs", "rhs"], columns="group", values="est",
                                      sort=False)
        return "\n".join(head + [wide.to_string(float_format=lambda v: f"{v:.3f}"),
                                 "compare_groups(method=...) tests the differences; "
                                 "micom() checks measurement invariance first."])

    def summary(self) -> str:
        """Per-group path coefficients side by side (text)."""
        return str(self)

    def compare_groups(self, method: str = "permutation", *, B: int = 1000, seed=None,
                       n_jobs: int = 1, groups=None, indices=None) -> pd.DataFrame:
        """Test every path for a difference between two groups.

        Parameters
        ----------
        method : {"mga", "permutation", "parametric", "welch"}
        B : int
            Bootstrap resamples per group ("mga", "parametric", "welch") or permutations.
        seed : int or Generator, optional
            Defaults to the fit's seed.
        groups : pair of labels, optional
            Which two groups (default: the first two).
        indices : pair of int arrays, optional
            For the bootstrap methods: each group's resample rows, shape ``(B, n_g)``,
            0-based positions in the group's data (in data order), instead of drawing them,
            e.g. to reproduce seminr's draws (``B`` is then their number).

        Returns
        -------
        pandas.DataFrame
            One row per path: lhs, rhs, est_<g1>, est_<g2>, diff, statistic (t for the
            parametric tests), df, pvalue.

        Examples
        --------
        >>> import numpy as np, trustmodel as tm
        >>> mobi = tm.datasets.load("mobi").assign(g=np.arange(250) % 2)
        >>> res = tm.fit("A =~ IMAG1 + IMAG2\\nS =~ CUSA1 + CUSA2\\nS ~ A", mobi,
        ...              estimator="PLS", group="g")
        >>> res.compare_groups("permutation", B=200, seed=1).shape[0]
        1
        """
        if method not in METHODS:
            raise OptionError(f"method= must be one of {', '.join(map(repr, METHODS))}; got "
                              f"{method!r}.")
        g1, g2 = (groups or self.labels[:2])
        r1, r2 = self.groups[g1], self.groups[g2]
        seed = self.seed if seed is None else seed
        sp = r1.spec
        b1 = np.array([r1._est["B"][k, j] for k, j in sp.paths])
        b2 = np.array([r2._est["B"][k, j] for k, j in sp.paths])
        out = pd.DataFrame({"lhs": [sp.constructs[j] for _, j in sp.paths],
                            "rhs": [sp.constructs[k] for k, _ in sp.paths],
                            f"est_{g1}": b1, f"est_{g2}": b2, "diff": b1 - b2})
        if method == "permutation":
            if indices is not None:
                raise OptionError("indices= gives bootstrap resamples; the permutation test "
                                  "draws permutations from seed=.")
            d = self._permuted_diffs(g1, g2, B, seed, n_jobs)
            ok = d[np.all(np.isfinite(d), axis=1)]
            cnt = (np.abs(ok) >= np.abs(b1 - b2)[None, :] - 1e-12).sum(axis=0)
            return out.assign(statistic=np.nan, df=np.nan, pvalue=(1 + cnt) / (len(ok) + 1),
                              n_permutations=len(ok))
        s1, s2 = spawn_seeds(seed, 2)
        i1, i2 = (None, None) if indices is None else indices
        boot1 = _path_boot(r1, B, s1, n_jobs, i1)
        boot2 = _path_boot(r2, B, s2, n_jobs, i2)
        if method == "mga":
            p = np.array([_mga_p(boot1[:, k], boot2[:, k]) for k in range(len(b1))])
            return out.assign(statistic=np.nan, df=np.nan, pvalue=p)
        n1, n2 = r1.nobs, r2.nobs
        v1, v2 = np.nanvar(boot1, axis=0, ddof=1), np.nanvar(boot2, axis=0, ddof=1)
        if method == "parametric":
            pooled = np.sqrt((n1 - 1) ** 2 / (n1 + n2 - 2) * v1 + (n2 - 1) ** 2 / (n1 + n2 - 2)
                             * v2) * np.sqrt(1 / n1 + 1 / n2)
            t = (b1 - b2) / pooled
            df = np.full(len(t), float(n1 + n2 - 2))
        else:
            a1, a2 = (n1 - 1) / n1 * v1, (n2 - 1) / n2 * v2
            t = (b1 - b2) / np.sqrt(a1 + a2)
            df = (a1 + a2) ** 2 / (a1 ** 2 / (n1 - 1) + a2 ** 2 / (n2 - 1))
        return out.assign(statistic=t, df=df, pvalue=2 * st.t.sf(np.abs(t), df))

    def _pooled(self):
        o = self.options
        plan = plan_of(self.model, interaction=o.get("interaction"), hoc=o.get("hoc"))
        X, rows, _ = prepare_raw(self.data, plan.raw_items, o.get("missing", "listwise"),
                                 o.get("missing_value"))
        labels = self.data.loc[rows, self.group].to_numpy()
        kw = dict(consistent=o.get("estimator") == "PLSc", scheme=o.get("scheme", "path"),
                  tol=o.get("tol", 1e-7), max_iter=o.get("max_iter", 300))
        return plan, X, labels, kw

    def _permuted_diffs(self, g1, g2, B, seed, n_jobs):
        plan, X, labels, kw = self._pooled()
        keep = np.flatnonzero((labels == g1) | (labels == g2))
        n1 = int((labels == g1).sum())
        with np.errstate(all="ignore"):     # warm start at the pooled weights (same fixed point)
            W0 = estimate_batch(stack_columns(X[keep], plan.raw_items, np.arange(len(keep))[None]),
                                plan, kw)["W"][0]
        func = partial(_perm_chunk, X=X[keep], plan=plan, kw=kw, n1=n1, what="paths", W0=W0)
        rows = parallel_map(func, spawn_seeds(seed, int(B)), n_jobs=n_jobs, chunk_size=250,
                            desc="permutations")
        return np.array(rows, dtype=float)

    def micom(self, *, B: int = 1000, seed=None, n_jobs: int = 1, groups=None,
              level: float = 0.95) -> MICOMResult:
        """MICOM steps 1-3 (Henseler, Ringle & Sarstedt 2016); see the module docstring."""
        g1, g2 = (groups or self.labels[:2])
        seed = self.seed if seed is None else seed
        plan, X, labels, kw = self._pooled()
        keep = np.flatnonzero((labels == g1) | (labels == g2))
        X, lab = X[keep], labels[keep]
        n1 = int((lab == g1).sum())
        order = np.concatenate([np.flatnonzero(lab == g1), np.flatnonzero(lab == g2)])
        X = X[order]
        s_perm, _ = spawn_seeds(seed, 2)
        seeds = spawn_seeds(s_perm, int(B))
        obs = _perm_chunk([None], X=X, plan=plan, kw=kw, n1=n1, what="micom")[0]
        func = partial(_perm_chunk, X=X, plan=plan, kw=kw, n1=n1, what="micom")
        perm = np.array(parallel_map(func, seeds, n_jobs=n_jobs, chunk_size=250,
                                     desc="MICOM permutations"), dtype=float)
        perm = perm[np.all(np.isfinite(perm), axis=1)]
        J = len(obs) // 3
        c, dm, dv = obs[:J], obs[J:2 * J], obs[2 * J:]
        pc, pm, pv = perm[:, :J], perm[:, J:2 * J], perm[:, 2 * J:]
        a = 1 - level
        names = self.groups[g1].spec.constructs
        step2 = pd.DataFrame({"c": c, "c_quantile_5": np.quantile(pc, 0.05, axis=0),
                              "pvalue": (1 + (pc <= c).sum(axis=0)) / (len(pc) + 1)},
                             index=pd.Index(names, name="construct"))
        step2["invariant"] = step2["c"] >= step2["c_quantile_5"]

        def two_sided(obs_v, dist):
            lo, hi = np.quantile(dist, [a / 2, 1 - a / 2], axis=0)
            p = (1 + (np.abs(dist) >= np.abs(obs_v)).sum(axis=0)) / (len(dist) + 1)
            return lo, hi, p
        lo_m, hi_m, p_m = two_sided(dm, pm)
        lo_v, hi_v, p_v = two_sided(dv, pv)
        step3 = pd.DataFrame({"mean_diff": dm, "mean_ci_lower": lo_m, "mean_ci_upper": hi_m,
                              "mean_pvalue": p_m, "logvar_diff": dv, "var_ci_lower": lo_v,
                              "var_ci_upper": hi_v, "var_pvalue": p_v},
                             index=pd.Index(names, name="construct"))
        step3["equal_means"] = (dm >= lo_m) & (dm <= hi_m)
        step3["equal_variances"] = (dv >= lo_v) & (dv <= hi_v)
        if not step2["invariant"].all():
            level_txt = "none"
        elif step3["equal_means"].all() and step3["equal_variances"].all():
            level_txt = "full"
        else:
            level_txt = "partial"
        return MICOMResult(groups=(g1, g2), configural=True, compositional=step2,
                           equality=step3, level=level_txt, n_permutations=len(perm))


@dataclass(frozen=True)
class MICOMResult:
    """MICOM outcome: ``compositional`` (step 2), ``equality`` (step 3) and ``level``
    ("full", "partial" or "none" measurement invariance)."""

    groups: tuple
    configural: bool
    compositional: pd.DataFrame
    equality: pd.DataFrame
    level: str
    n_permutations: int

    def __str__(self) -> str:
        return "\n".join([f"MICOM {self.groups[0]} vs {self.groups[1]} "
                          f"({self.n_permutations} permutations)",
                          "Step 1 (configural invariance): established",
                          "Step 2 (compositional invariance):",
                          self.compositional.to_string(float_format=lambda v: f"{v:.4f}"),
                          "Step 3 (equal means and variances):",
                          self.equality.to_string(float_format=lambda v: f"{v:.4f}"),
                          f"Measurement invariance: {self.level}"])


def _mga_p(x, y) -> float:
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    u = 2 * x.mean() - x
    v = np.sort(2 * y.mean() - y)
    greater = np.searchsorted(v, u, side="left").sum()
    return float(1 - greater / (len(u) * len(v)))


def _path_boot(res, B, seed, n_jobs, indices=None):
    from .bootstrap import run_bootstrap
    sp = res.spec
    k, j = np.array(sp.paths).T
    kw = dict(consistent=res.estimator == "PLSc", scheme=res.scheme,
              tol=res.options.get("tol", 1e-7), max_iter=res.options.get("max_iter", 300))
    stats, _ = run_bootstrap(res._raw, res.plan.raw_items, res.plan, kw, res._est["W"],
                             lambda out: out["B"][:, k, j], B=B, seed=seed, n_jobs=n_jobs,
                             indices=indices)
    return stats


def _perm_chunk(seeds, X, plan, kw, n1, what, W0=None):
    n = X.shape[0]
    idx = np.stack([np.arange(n) if s is None else np.random.default_rng(s).permutation(n)
                    for s in seeds])
    with np.errstate(all="ignore"):
        o1 = estimate_batch(stack_columns(X, plan.raw_items, idx[:, :n1]), plan, kw, W0=W0)
        o2 = estimate_batch(stack_columns(X, plan.raw_items, idx[:, n1:]), plan, kw, W0=W0)
        sp = o1["spec"]
        if what == "paths":
            k, j = np.array(sp.paths).T
            d = o1["B"][:, k, j] - o2["B"][:, k, j]
            d[~(o1["converged"] & o2["converged"])] = np.nan
            return list(d)
        pooled = estimate_batch(stack_columns(X, plan.raw_items, np.arange(n)[None]), plan, kw)
        Z, S = pooled["Z"][0], pooled["S"][0]
        W1, W2 = o1["W"], o2["W"]
        num = (W1 * (S @ W2)).sum(axis=1)
        c = num / np.sqrt((W1 * (S @ W1)).sum(axis=1) * (W2 * (S @ W2)).sum(axis=1))
        scores = Z @ pooled["W"][0]
        s1, s2 = scores[idx[:, :n1]], scores[idx[:, n1:]]
        dm = s1.mean(axis=1) - s2.mean(axis=1)
        dv = np.log(s1.var(axis=1, ddof=1)) - np.log(s2.var(axis=1, ddof=1))
        return list(np.concatenate([c, dm, dv], axis=1))
