"""PLS path modelling (PLS-PM), consistent PLS (PLSc) and the ACSI/ECSI 0-100 index.

``tm.fit(model, data, estimator="PLS" | "PLSc")`` calls :func:`fit_pls`; the modules are
``model`` (syntax -> plan: blocks, higher-order constructs, interaction terms), ``spec``
(numeric blocks), ``algorithm`` (batched numpy PLS on correlation matrices), ``pipeline``
(HOC stages, interaction items, seminr's interaction adjustment, batched), ``bootstrap`` and
``inference`` (resampling, BCa), ``groups`` (MGA, permutation tests, MICOM), ``predict``
(predictions, PLSpredict), ``assessment`` (reliability and validity), ``index`` (0-100 index,
IPMA) and ``result`` (:class:`PLSResult`).
"""
from .fit import fit_pls
from .groups import MICOMResult, PLSGroupResult
from .index import acsi_index, ipma
from .studies import PLSPredictResult, micom, plspredict
from .result import PLSResult

__all__ = [
           "MICOMResult",
           "PLSGroupResult",
           "PLSPredictResult",
           "PLSResult",
           "acsi_index",
           "fit_pls",
           "ipma",
           "micom",
           "plspredict",
]
