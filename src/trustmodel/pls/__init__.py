"""PLS path modelling (PLS-PM), consistent PLS (PLSc) and the ACSI/ECSI 0-100 index.

``tm.fit(model, data, estimator="PLS" | "PLSc")`` calls :func:`fit_pls`; the modules are
``spec`` (syntax -> blocks), ``algorithm`` (batched numpy PLS on correlation matrices),
``bootstrap``, ``assessment`` (reliability and validity), ``index`` (0-100 index, IPMA) and
``result`` (:class:`PLSResult`).
"""
from .fit import fit_pls
from .index import acsi_index, ipma
from .result import PLSResult

__all__ = ["fit_pls", "PLSResult", "acsi_index", "ipma"]
