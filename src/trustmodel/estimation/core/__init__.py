"""The core of estimation: one problem, its discrepancy, derivatives, starts and optimizer.

``problem`` (sample moments + RAM model + discrepancy), ``discrepancy`` (ML, GLS, ULS values,
gradients, information), ``hessian`` (exact ML Hessian), ``start`` (lavaan-like starting
values), ``optimize`` (Fisher scoring / Newton, BFGS fallback), ``batched`` (K refits of one
model in lockstep), ``fitting`` (drive one fit: ``FitState``, ``estimate``), ``saturated``
(casewise scores, information, Gamma of the unrestricted normal model), ``numdiff``, ``linalg``.

May import only the layers below ``estimation`` (``model``, ``syntax``, ``data``,
``_errors``); nothing from the other rooms of ``estimation``.
"""
