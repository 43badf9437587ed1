"""Probing a two-way interaction ``y ~ b1 x + b2 z + b3 x:z``.

- simple slopes ``b1 + b3 w`` of the focal predictor at moderator values ``w`` (default the
  mean and +-1 SD of the moderator, its model-implied moments), with delta-method, Monte Carlo
  or bootstrap intervals (Aiken & West 1991; semTools' ``probe2WayMC``);
- the Johnson-Neyman region: the moderator values where the simple slope differs from zero at
  ``level`` (Johnson & Neyman 1936; Bauer & Curran 2005);
- the standardized interaction of Wen, Marsh & Hau (2010): ``b3 sd(x) sd(z) / sd(y)``, scaled by
  the product of the first-order SDs rather than by the SD of the product term.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sst

from .._errors import OptionError
from ._access import (
    Coefficients,
    coefficient_keys,
    find_row,
    infer,
    moments,
    wald_table,
)


def _interaction_rows(res, x, z, y):
    rows = coefficient_keys(res, [(y, x), (y, z), (y, f"{x}:{z}")])
    if rows[0] is None:
        raise OptionError(f"The model has no regression {y} ~ {x}; check x= and y=.")
    if rows[2] is None:
        raise OptionError(f"The model has no product term {x}:{z} in the equation of {y!r}; "
                          f"write '{y} ~ {x} + {z} + {x}:{z}'.")
    return rows


def moderator_values(res, z: str, values=None) -> tuple[np.ndarray, list]:
    """Moderator values and their labels: given ones, or mean - SD, mean, mean + SD."""
    if values is not None:
        vals = np.atleast_1d(np.asarray(values, dtype=float))
        return vals, [f"{v:g}" for v in vals]
    m, var = moments(res, z)
    sd = np.sqrt(max(var, 0.0))
    return np.array([m - sd, m, m + sd]), ["-1 SD", "mean", "+1 SD"]


def simple_slopes(res, x: str, z: str, y: str, *, values=None, ci: str = "delta",
                  level: float = 0.95, draws: int = 20000, seed=None) -> pd.DataFrame:
    """Simple slopes of ``x`` on ``y`` at values of the moderator ``z``.

    Parameters
    ----------
    res : FitResult or LMS result
        A fit with ``y ~ x + z + x:z``.
    x, z, y : str
        Focal predictor, moderator and outcome.
    values : sequence of float, optional
        Moderator values (default: model-implied mean and +-1 SD).
    ci : {"delta", "montecarlo", "bootstrap"}
        Delta-method normal interval, Monte Carlo percentile interval, or the fit's bootstrap
        draws (needs ``se="bootstrap"``).
    level : float
    draws : int
        Monte Carlo draws.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        ``label, value, slope, se, z, pvalue, ci_lower, ci_upper``, one row per value.

    References
    ----------
    Aiken, L. S., & West, S. G. (1991). Multiple regression: Testing and interpreting
    interactions. Sage.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(400, 2)), columns=["x", "z"])
    >>> d["y"] = 0.4 * d.x + 0.2 * d.z + 0.3 * d.x * d.z + rng.normal(size=400)
    >>> res = tm.fit("y ~ x + z + x:z", d)
    >>> tab = tm.simple_slopes(res, x="x", z="z", y="y")
    >>> list(tab.label)
    ['-1 SD', 'mean', '+1 SD']
    """
    rows = _interaction_rows(res, x, z, y)
    vals, labels = moderator_values(res, z, values)
    coefs = Coefficients(res, [rows[0], rows[2]])
    est, se, lo, hi = infer(coefs, lambda B: B[:, :1] + B[:, 1:2] * vals[None, :], ci=ci,
                            level=level, draws=draws, seed=seed)
    return wald_table(labels, vals, "slope", est, se, lo, hi)


@dataclass(frozen=True)
class JohnsonNeyman:
    """The Johnson-Neyman region of significance of a simple slope.

    Attributes
    ----------
    bounds : tuple of float
        The moderator values where the slope's test statistic equals the critical value
        (empty when there is none).
    significant : str
        Where the slope is significant: ``"outside"`` the bounds, ``"inside"`` them,
        ``"everywhere"`` or ``"nowhere"``.
    critical : float
        The critical value used (normal, or t with ``df``).
    """

    bounds: tuple
    significant: str
    critical: float
    b1: float
    b3: float
    v11: float
    v13: float
    v33: float

    def is_significant(self, w) -> np.ndarray:
        """Whether the simple slope at moderator value(s) ``w`` is significant."""
        w = np.asarray(w, dtype=float)
        slope = self.b1 + self.b3 * w
        var = self.v11 + 2 * w * self.v13 + w ** 2 * self.v33
        return slope ** 2 > self.critical ** 2 * var


def johnson_neyman(res, x: str, z: str, y: str, *, level: float = 0.95,
                   df: float | None = None) -> JohnsonNeyman:
    """Johnson-Neyman bounds: moderator values where ``b1 + b3 w`` turns significant.

    Solves ``(b1 + b3 w)^2 = q^2 (v11 + 2 w v13 + w^2 v33)`` for ``w`` (Bauer & Curran 2005,
    eq. 7), with ``q`` the normal (or, with ``df``, the t) critical value.

    References
    ----------
    Bauer, D. J., & Curran, P. J. (2005). Probing interactions in fixed and multilevel
    regression: Inferential and graphical techniques. Multivariate Behavioral Research, 40(3),
    373-400. doi:10.1207/s15327906mbr4003_5

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(400, 2)), columns=["x", "z"])
    >>> d["y"] = 0.4 * d.x + 0.2 * d.z + 0.3 * d.x * d.z + rng.normal(size=400)
    >>> jn = tm.johnson_neyman(tm.fit("y ~ x + z + x:z", d), x="x", z="z", y="y")
    >>> jn.significant
    'outside'
    """
    if not 0 < level < 1:
        raise OptionError(f"level= must lie strictly between 0 and 1; got {level!r}.")
    rows = _interaction_rows(res, x, z, y)
    c = Coefficients(res, [rows[0], rows[2]])
    b1, b3 = c.est
    v11, v13, v33 = c.vcov[0, 0], c.vcov[0, 1], c.vcov[1, 1]
    q = sst.t.ppf(0.5 + level / 2, df) if df is not None else sst.norm.ppf(0.5 + level / 2)
    a2, a1, a0 = b3 ** 2 - q ** 2 * v33, 2 * (b1 * b3 - q ** 2 * v13), b1 ** 2 - q ** 2 * v11
    disc = a1 ** 2 - 4 * a2 * a0
    if abs(a2) < 1e-14 or disc < 0:
        bounds, where = (), ("everywhere" if a0 > 0 else "nowhere")
    else:
        r = np.sort([(-a1 - np.sqrt(disc)) / (2 * a2), (-a1 + np.sqrt(disc)) / (2 * a2)])
        bounds, where = (float(r[0]), float(r[1])), ("outside" if a2 > 0 else "inside")
    return JohnsonNeyman(bounds, where, float(q), float(b1), float(b3), float(v11), float(v13),
                         float(v33))


def standardized_interaction(res, x: str, z: str, y: str) -> float:
    """The standardized interaction effect of Wen, Marsh & Hau (2010).

    ``b3 * sd(x) * sd(z) / sd(y)`` with model-implied SDs: the coefficient of the product of
    the standardized variables, which (unlike the product term's std_all) is invariant to
    rescaling x and z.

    References
    ----------
    Wen, Z., Marsh, H. W., & Hau, K.-T. (2010). Structural equation models of latent
    interactions: An appropriate standardized solution and its scale-free properties.
    Structural Equation Modeling, 17(1), 1-22. doi:10.1080/10705510903438872

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(400, 2)), columns=["x", "z"])
    >>> d["y"] = 0.4 * d.x + 0.2 * d.z + 0.3 * d.x * d.z + rng.normal(size=400)
    >>> res = tm.fit("y ~ x + z + x:z", d)
    >>> 0.1 < tm.standardized_interaction(res, "x", "z", "y") < 0.4
    True
    """
    rows = _interaction_rows(res, x, z, y)
    b3 = Coefficients(res, [rows[2]]).est[0]
    sds = [np.sqrt(max(moments(res, v)[1], 0.0)) for v in (x, z, y)]
    return float(b3 * sds[0] * sds[1] / sds[2])


__all__ = [
    "JohnsonNeyman",
    "find_row",
    "johnson_neyman",
    "simple_slopes",
    "standardized_interaction",
]
