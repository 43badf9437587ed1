"""General equality and inequality constraints (lavaan's ``==``, ``<``, ``>`` rows).

Plain ``label == label`` constraints become shared labels in the table (one free parameter);
everything else (``a == 0.5``, ``a + b == 1.5``, ``a == 2*b``, ``a*b == 0.3``, ``a > 0.1``,
``v > 0`` on a variance) is kept in ``ParameterTable.constraints`` and imposed here, as
lavaan's ``ceq.function`` / ``cin.function`` (``R/lav_partable_constraints.R``):

- **Estimation.** Sequential quadratic programming on the discrepancy function: each step
  solves the KKT system ``[[H, J'], [J, 0]] [dx; -lam] = [-g; -c]`` of the active
  constraints (all equalities, the binding inequalities), ``H`` the exact Hessian of the
  Lagrangian where the problem has one (ML), else the expected information, with an
  l1-merit line search; inequalities by an active set (a violated one is added, one whose
  multiplier has the wrong sign dropped). lavaan uses ``nlminb.constr`` (augmented
  Lagrangian); the optimum is the same, SQP reaches it to machine precision.
- **Standard errors.** lavaan's constrained information (``lav_model_information_augment_invert``
  in ``R/lav_model_information.R``, used by ``R/lav_model_vcov.R``): the ``[1:npar, 1:npar]``
  block of the generalized inverse of ``[[I, H'], [H, 0]]``, ``H`` the Jacobian (lavaan's
  ``con.jac``) of the equalities and the *active* inequalities. For linear equalities this is
  ``K (K' I K)^-1 K'`` with ``K`` a basis of the null space of ``H``. (lavaan augments
  ``I + H'H`` and a ``2 diag(lambda)`` block decoupled from the rest: the same
  ``[1:npar, 1:npar]`` block.) Every inverse of an information matrix goes through
  :func:`information_inverse`: the expected/observed SEs, the robust sandwiches
  (``lav_model_nvcov_robust_sandwich``: ``E.inv B0 E.inv`` with the augmented ``E.inv``) and
  the scaled tests' ``E.inv`` (``lav_test_yuan_bentler``, ``lav_test_satorra_bentler``).
- **Degrees of freedom.** Each equality adds one (lavaan's ``lav_partable_df``); inequalities
  none.

Expressions use parameter labels, ``.pN.`` plabels and ``:=`` names, with the functions of
:mod:`trustmodel.syntax.expressions` (the one compiler of ``:=`` definitions and
constraints). Jacobians by central differences (exact up to rounding for linear ones).
"""
from __future__ import annotations

import numpy as np

from ..._errors import ModelSyntaxError
from ...syntax.expressions import compile_checked
from .linalg import inv_or_pinv
from .numdiff import jacobian
from .optimize import OptimResult


class Constraints:
    """The table's non-trivial constraints as functions of the free parameters.

    Equalities are ``h(x) = lhs - rhs = 0``; inequalities ``g(x) >= 0`` with ``g = lhs - rhs``
    for ``>`` and ``rhs - lhs`` for ``<``.

    Examples
    --------
    >>> from trustmodel.syntax import build_table
    >>> t = build_table("f =~ x1 + a*x2 + b*x3\\na + b == 1.5\\na > 0.2")
    >>> con = Constraints(t)
    >>> len(con.eq), len(con.ineq)
    (1, 1)
    """

    def __init__(self, table):
        self._table = table
        c = table.cols
        par = c.op != ":="
        self.lookup: dict = {}
        for k, (label, plabel) in enumerate(zip(c.label[par], c.plabel[par])):
            if label and label not in self.lookup:
                self.lookup[label] = k
            self.lookup[plabel] = k
        self.defs = [(lhs, compile_checked(rhs, f"the definition of {lhs!r}"))
                     for lhs, op, rhs in zip(c.lhs, c.op, c.rhs) if op == ":="]
        known = set(self.lookup) | {d for d, _ in self.defs}
        self.eq, self.ineq, self.text = [], [], []
        for s in table.constraints:
            expr = f"({s.lhs}) - ({s.rhs})" if s.op != "<" else f"({s.rhs}) - ({s.lhs})"
            code = compile_checked(expr, f"the constraint '{s.lhs} {s.op} {s.rhs}'")
            unknown = [n for n in code.names if n not in known]
            if unknown:
                raise ModelSyntaxError(
                    f"Constraint '{s.lhs} {s.op} {s.rhs}' uses {unknown[0]!r}, which is not a "
                    "parameter label; label the parameter first (e.g. 'f =~ a*x2').",
                    s.line, s.column)
            (self.eq if s.op == "==" else self.ineq).append(code)
            self.text.append(f"{s.lhs} {s.op} {s.rhs}")
        self._used_only()

    def _used_only(self):
        """Keep the names and ``:=`` definitions the constraints use (directly or through
        definitions): ``rows`` are the parameter rows the constraints depend on."""
        defs = dict(self.defs)
        used, todo = set(), [n for code in self.eq + self.ineq for n in code.names]
        while todo:
            n = todo.pop()
            if n not in used:
                used.add(n)
                todo += list(defs[n].names) if n in defs else []
        self.defs = [(n, code) for n, code in self.defs if n in used]
        self.lookup = {n: k for n, k in self.lookup.items() if n in used}
        self.rows = np.array(sorted(set(self.lookup.values())), dtype=int)

    def __reduce__(self):   # compiled programs hold closures: rebuilt from the table
        return (Constraints, (self._table,))

    def __len__(self) -> int:
        return len(self.eq) + len(self.ineq)

    def _eval(self, codes, values) -> np.ndarray:
        env = {name: values[k] for name, k in self.lookup.items()}
        for name, code in self.defs:
            env[name] = float(code.evaluate(env))
        return np.array([float(code.evaluate(env)) for code in codes])

    def equalities(self, values) -> np.ndarray:
        return self._eval(self.eq, values)

    def inequalities(self, values) -> np.ndarray:
        return self._eval(self.ineq, values)


def _values(con, problem, z, active) -> np.ndarray:
    """The active constraints (equalities, then the active inequalities) at ``z``."""
    v = problem.values(z)
    return np.concatenate([con.equalities(v), con.inequalities(v)[list(active)]])


def _active(con, problem, x, active):
    """Values and Jacobian (rows: constraints, columns: free parameters) of the active set."""
    c = _values(con, problem, x, active)
    J = (jacobian(lambda z: _values(con, problem, z, active), x) if len(c)
         else np.zeros((0, len(x))))
    return c, J


def _sqp(problem, x, con, active, max_iter=300, tol=1e-12):
    """Minimise fmin subject to the equalities and the given inequalities held at 0."""
    exact = getattr(problem, "has_hessian", False)
    f, g, I = problem.evaluate(x, hessian=True) if exact else problem.evaluate(x)
    lam = None
    plain = False   # True: this step uses the expected information (positive definite)
    for it in range(1, max_iter + 1):
        c, J = _active(con, problem, x, active)
        m = len(c)
        H = I
        if exact and not plain:
            if lam is not None and m:
                # Hessian of the Lagrangian: minus the constraints' curvature
                H = H - _curvature(con, problem, x, active, lam)
            # away from the optimum (a warm start on other data) the Hessian can be
            # indefinite on the constraints' null space: the expected information instead
            if np.linalg.eigvalsh(_reduced(H, J)).min() <= 0:
                plain = True
        if plain:
            H = problem.evaluate(x)[2]
        K = np.block([[H, J.T], [J, np.zeros((m, m))]]) if m else H
        rhs = np.concatenate([-g, -c])
        try:
            sol = np.linalg.solve(K, rhs)
        except np.linalg.LinAlgError:
            sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
        dx, lam_new = sol[:len(x)], -sol[len(x):]
        mu = 2.0 * max(1.0, float(np.max(np.abs(lam_new)))) if m else 0.0
        merit = f + mu * np.abs(c).sum()
        t = 1.0
        while t > 1e-10:
            xn = x + t * dx
            fn = problem.objective(xn)
            cn = _values(con, problem, xn, active) if m else c
            if np.isfinite(fn) and fn + mu * np.abs(cn).sum() <= merit - 1e-4 * t * (
                    -(g @ dx) + mu * np.abs(c).sum()) + 1e-15 * abs(merit):
                break
            t *= 0.5
        else:
            if exact and not plain:   # no descent along the Newton step: a scoring step
                plain = True
                continue
            xn = x
        plain = False
        step = np.max(np.abs(xn - x))
        x, lam = xn, lam_new
        f, g, I = problem.evaluate(x, hessian=True) if exact else problem.evaluate(x)
        kkt = g - (J.T @ lam if m else 0.0)
        if step < 1e-12 * max(1.0, np.max(np.abs(x))) or (
                np.max(np.abs(kkt)) < tol and (not m or np.max(np.abs(c)) < tol)):
            c, J = _active(con, problem, x, active)
            ok = bool(np.max(np.abs(kkt)) < 1e-6 and (not m or np.max(np.abs(c)) < 1e-8))
            return x, f, g, lam, ok, it
    return x, f, g, lam, False, max_iter


def _curvature(con, problem, x, active, lam) -> np.ndarray:
    """Hessian of lam' c(x) (differences of differences, steps 1e-4: error about 1e-8, enough
    for a Newton step), over the free parameters the constraints involve (zero elsewhere)."""
    idx = np.unique(np.asarray(problem.free_of)[np.isin(problem.free_pos, con.rows)])
    out = np.zeros((len(x), len(x)))
    if not len(idx):
        return out

    def at(sub):
        z = x.copy()
        z[idx] = sub
        return z

    def lag_grad(sub):
        return jacobian(lambda w: np.atleast_1d(lam @ _values(con, problem, at(w), active)),
                        sub, 1e-4)[0]
    C = jacobian(lag_grad, x[idx], 1e-4)
    out[np.ix_(idx, idx)] = 0.5 * (C + C.T)
    return out


def _reduced(H, J):
    """H on the null space of J (to check the second-order condition)."""
    if not len(J):
        return H
    _, s, vt = np.linalg.svd(J)
    Z = vt[int(np.sum(s > 1e-10 * max(1.0, s.max()))):].T
    return Z.T @ H @ Z if Z.size else np.eye(1)


def constrained_minimize(problem, x0, con: Constraints) -> tuple[OptimResult, tuple]:
    """Fit under the table's constraints (module docstring): the optimiser's result (with
    the expected information at the solution) and the indices of the active inequalities."""
    x = np.asarray(x0, dtype=float).copy()
    active: list = []
    total = 0
    for _ in range(2 * len(con.ineq) + 1):
        x, f, g, lam, ok, it = _sqp(problem, x, con, active)
        total += it
        nq = len(con.eq)
        # drop an active inequality whose multiplier says it pushes the wrong way
        if active and lam is not None:
            mult = lam[nq:]
            worst = int(np.argmin(mult))
            if mult[worst] < -1e-10:
                active.pop(worst)
                continue
        ineq = con.inequalities(problem.values(x))
        viol = [k for k in np.argsort(ineq) if ineq[k] < -1e-10 and k not in active]
        if not viol:
            break
        active.append(int(viol[0]))
    _, _, info = problem.evaluate(x)
    res = OptimResult(x, f, g, info, ok, total, "sqp",
                      "converged" if ok else "constrained optimisation did not converge")
    return res, tuple(active)


def constraint_jacobian(problem, x, con: Constraints, active=()) -> np.ndarray:
    """lavaan's ``con.jac``: the equalities and the active inequalities at ``x``."""
    return _active(con, problem, x, list(active))[1]


def constrained_inverse(info: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``[1:npar, 1:npar]`` of ``ginv([[I, H'], [H, 0]])`` (lavaan's augmented information,
    ``MASS::ginv`` with tolerance ``eps^(3/4)``)."""
    if not len(H):
        try:
            return np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return np.linalg.pinv(info)
    q, m = info.shape[0], H.shape[0]
    E = np.block([[info, H.T], [H, np.zeros((m, m))]])
    return np.linalg.pinv(E, rcond=np.finfo(float).eps ** 0.75)[:q, :q]


def information_inverse(problem, x, info: np.ndarray, what: str = "the information matrix",
                        fallback: str = "using the pseudo-inverse") -> np.ndarray:
    """The inverse of an information matrix of ``problem`` at ``x``: lavaan's augmented
    (constrained) inverse when the fit has general constraints (``problem.constraint_set``,
    set by the constrained optimiser), else ``inv_or_pinv`` (a warning naming ``what`` if
    ``info`` is singular)."""
    cs = getattr(problem, "constraint_set", None)
    if cs is None:
        return inv_or_pinv(info, what, fallback)
    return constrained_inverse(info, constraint_jacobian(problem, x, cs[0], cs[1]))
