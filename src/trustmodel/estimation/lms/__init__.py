"""Latent moderated structural equations (LMS; Klein & Moosbrugger 2000).

``tm.fit(model, data, interaction="lms")``: maximum likelihood for models with products of an
exogenous latent with an exogenous or an endogenous latent, integrating over the latent moderator with Gauss-Hermite
quadrature (:mod:`.likelihood`), by direct quasi-Newton optimisation of the marginal
likelihood with its analytic mixture gradient (:mod:`.fit`), observed-information standard
errors and the log-likelihood for model comparison (:class:`.result.LMSResult`).
"""
from __future__ import annotations

from ..._errors import OptionError
from .fit import fit_lms
from .result import LMSResult
from .spec import UnsupportedFeatureError


def fit_lms_model(model, data, statements, *, method: str = "lms", estimator: str = "ML",
                  missing: str = "listwise", group=None, se: str = "standard",
                  level: float = 0.95, sample_cov=None, std_lv: bool = False,
                  nodes: int = 10) -> LMSResult:
    """``tm.fit``'s route for ``interaction="lms"``: check the options LMS supports, fit."""
    import pandas as pd
    if method == "qml":
        raise UnsupportedFeatureError("interaction='qml' (Klein & Muthen 2007) is not "
                                      "implemented; use interaction='lms' (full ML).")
    for name, value, ok in (("estimator", estimator, "ML"), ("missing", missing, "listwise")):
        if value != ok:
            raise OptionError(f"interaction='lms' supports {name}={ok!r} only; got {value!r}.")
    if group is not None or sample_cov is not None or std_lv:
        raise OptionError("interaction='lms' needs raw data (data=) of one group, with the "
                          "first loading of each latent fixed (std_lv=False).")
    if se not in ("standard", "none"):
        raise OptionError(f"interaction='lms' gives observed-information SEs (se='standard') "
                          f"or none; got se={se!r}.")
    if not isinstance(data, pd.DataFrame):
        raise OptionError("interaction='lms' needs data= as a pandas DataFrame.")
    res = fit_lms(statements, data, nodes=nodes, level=level, se=se)
    theory = {} if isinstance(model, str) else {"theory": model}
    object.__setattr__(res, "options", {"interaction": method, "estimator": "ML",
                                        "se": se, "level": level, "nodes": nodes, **theory})
    return res


__all__ = ["LMSResult", "UnsupportedFeatureError", "fit_lms", "fit_lms_model"]
