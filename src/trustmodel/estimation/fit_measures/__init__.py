"""Test statistics, the baseline model and the fit measures (lavaan's steps 14-15 and
``fitMeasures``).

``statistics`` (the step: :func:`~.statistics.fit_statistics` returns a frozen
``FitStatistics``), ``assemble`` (``fit_measures``, a pure function of it), ``baseline`` (the
independence model), ``indices`` (chi-square based indices, RMSEA, SRMR, GFI...), ``scaled``
(``*_scaled`` and ``*_robust`` measures from a scaling factor), ``fiml_corrected`` (Zhang &
Savalei's FIML-corrected RMSEA/CFI). To add a fit measure: compute its ingredients in
``statistics`` (once), its formula in ``indices`` and its name in ``assemble``.

May import ``estimation.core``, ``estimation.fiml``, ``estimation.inference`` and the layers
below ``estimation``.
"""
