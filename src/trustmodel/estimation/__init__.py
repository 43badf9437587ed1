"""Estimation, stage by stage (lavaan's ``lav_lavaan_step*`` after the sample statistics).

Rooms, and what each may import (besides numpy/scipy and the layers below ``estimation``:
``_errors``, ``_validation``, ``_parallel``, ``syntax``, ``model``, ``data``):

- :mod:`.core` -- the estimation problem, discrepancy functions (ML, GLS, ULS), the exact
  Hessian, starting values, the optimizer (incl. batched refits), numerical derivatives, the
  saturated normal model's pieces. Imports nothing else from ``estimation``.
- :mod:`.fiml` -- full-information ML on missing-data patterns: patterns, the h1 model, the
  casewise problem, its robust (MLR) pieces and the driver. May import ``core``.
- :mod:`.categorical` -- ordinal estimation (thresholds, polychorics, WLSMV). An estimator
  on other data, beside ``fiml``.
- :mod:`.inference` -- standard errors and intervals after the fit: defined parameters (delta
  method), robust sandwiches and scaling factors, bootstrap replicates, jackknife, bootstrap
  intervals, Bollen-Stine. May import ``core`` and ``fiml``.
- :mod:`.fit_measures` -- the test-statistic and baseline step and ``fitMeasures``: standard,
  scaled and FIML-corrected statistics, the independence model, every index. May import
  ``core``, ``fiml`` and ``inference``.
- :mod:`.lms` -- latent moderated structural equations (a likelihood of its own, by adaptive
  quadrature; its result reuses the defined-parameter code). May import ``core`` and
  ``inference``.
"""
