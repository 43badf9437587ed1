"""Simple-slopes and Johnson-Neyman plots of a two-way interaction (matplotlib, lazily)."""
from __future__ import annotations

import numpy as np


def plot_simple_slopes(res, x: str, z: str, y: str, *, values=None, ax=None, span: float = 2.0):
    """Predicted ``y`` against ``x`` at moderator values (Aiken & West 1991, fig. 2.1).

    Lines ``(b1 + b3 w) x + b2 w`` over ``x`` within ``span`` model-implied SDs of its mean,
    one per moderator value (default -1 SD, mean, +1 SD of ``z``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> from trustmodel.plotting.interaction import plot_simple_slopes
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(300, 2)), columns=["x", "z"])
    >>> d["y"] = 0.4 * d.x + 0.3 * d.x * d.z + rng.normal(size=300)
    >>> fig = plot_simple_slopes(tm.fit("y ~ x + z + x:z", d), "x", "z", "y")
    """
    import matplotlib.pyplot as plt

    from ..interaction._access import Coefficients, coefficient_keys, moments
    from ..interaction.probing import simple_slopes
    tab = simple_slopes(res, x, z, y, values=values)
    rows = coefficient_keys(res, [(y, z)])
    b2 = Coefficients(res, rows).est[0]
    mx, vx = moments(res, x)
    xs = np.linspace(mx - span * np.sqrt(vx), mx + span * np.sqrt(vx), 50)
    fig, ax = _figure(ax, plt)
    for row in tab.itertuples():
        ax.plot(xs, row.slope * xs + b2 * row.value, label=f"{z} = {row.label} "
                f"({row.value:.2f}): slope {row.slope:.3f}")
    ax.set_xlabel(x)
    ax.set_ylabel(f"predicted {y} (relative to its intercept)")
    ax.set_title(f"Simple slopes of {x} on {y} by {z}")
    ax.legend(frameon=False)
    return fig


def plot_johnson_neyman(res, x: str, z: str, y: str, *, ax=None, level: float = 0.95,
                        span: float = 3.0):
    """The simple slope of ``x`` across the moderator with its confidence band; the moderator
    values where it is significant shaded (Johnson-Neyman; Bauer & Curran 2005, fig. 2).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd, trustmodel as tm
    >>> from trustmodel.plotting.interaction import plot_johnson_neyman
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(300, 2)), columns=["x", "z"])
    >>> d["y"] = 0.4 * d.x + 0.3 * d.x * d.z + rng.normal(size=300)
    >>> fig = plot_johnson_neyman(tm.fit("y ~ x + z + x:z", d), "x", "z", "y")
    """
    import matplotlib.pyplot as plt

    from ..interaction._access import moments
    from ..interaction.probing import johnson_neyman, simple_slopes
    mz, vz = moments(res, z)
    ws = np.linspace(mz - span * np.sqrt(vz), mz + span * np.sqrt(vz), 121)
    tab = simple_slopes(res, x, z, y, values=ws, level=level)
    jn = johnson_neyman(res, x, z, y, level=level)
    fig, ax = _figure(ax, plt)
    ax.plot(ws, tab.slope, color="C0", label=f"slope of {x}")
    ax.fill_between(ws, tab.ci_lower, tab.ci_upper, color="C0", alpha=0.2,
                    label=f"{level:.0%} confidence band")
    sig = jn.is_significant(ws)
    ax.fill_between(ws, tab.ci_lower.min(), tab.ci_upper.max(), where=sig, color="C2",
                    alpha=0.08, label="significant")
    for b in jn.bounds:
        ax.axvline(b, color="C3", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel(z)
    ax.set_ylabel(f"simple slope of {x} on {y}")
    bounds = ", ".join(f"{b:.3f}" for b in jn.bounds) or "none in range"
    ax.set_title(f"Johnson-Neyman: significant {jn.significant} [{bounds}]")
    ax.legend(frameon=False)
    return fig


def _figure(ax, plt):
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    return fig, ax
