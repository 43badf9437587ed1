"""Inference after the fit: standard errors, defined parameters, resampling, intervals.

``defined`` (``:=`` parameters and their delta-method Jacobian), ``robust`` (Huber-White and
robust.sem sandwiches), ``scaling`` (Satorra-Bentler and Yuan-Bentler scaling traces),
``replicates`` (resampled moments, warm batched refits, the Bollen-Stine transform, FIML
resamples), ``bootstrap`` (``run_bootstrap``, ``summarize``), ``jackknife`` (leave-one-out for
BCa), ``intervals`` (percentile, BCa, normal bootstrap intervals).

May import ``estimation.core``, ``estimation.fiml`` and the layers below ``estimation``.
"""
