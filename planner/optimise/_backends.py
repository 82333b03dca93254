"""Translate one :class:`~planner.optimise._lp.LinearModel` to a solver and read back its result.

Backends
--------
``cbc``
    CBC bundled with PuLP (``PULP_CBC_CMD``). PuLP maps CBC's "Stopped on time" to
    ``LpStatusOptimal`` with an integer-feasible solution status, and does not report the
    bound: the status here is read from the solution status and from CBC's own log
    ("Result - ...", "Lower bound:"), so a run stopped by its time limit is "feasible".
``highs``
    HiGHS through PuLP's ``HiGHS`` interface (highspy). The model status, the MIP dual
    bound and the primal solution status are read from the ``highspy.Highs`` object.
``cpsat``
    OR-Tools CP-SAT. Needs every variable integral (or implied integral) with finite
    bounds; each row is multiplied by the smallest power of ten that makes it integral
    (up to 10^6; a one-sided row on non-negative variables that is not integral there,
    such as a budget with costs in full precision, is rounded outward at 10^-6, so every
    CP-SAT solution satisfies the original row), and the objective by a power of ten
    (exact up to 10^9, otherwise the power of ten that brings the largest coefficient
    near 10^9, with the bound loosened by the worst-case rounding error). The scale is
    reported as
    ``objective_scale``; objective and bound are in the original units.
``scip``
    SCIP through OR-Tools' model builder, filled directly from the sparse matrix.

Every backend minimises ``c x`` internally (a maximisation is negated on the way in and
out), receives the heuristic start when the model has one, and is told the relative gap
``gap`` and the time limit.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from planner._errors import SolverError
from planner.optimise._lp import LinearModel
from planner.optimise._solution import BACKENDS, Status, relative_gap

#: CP-SAT: rows are made integral at up to 10**this (else rounded outward at it).
_CPSAT_ROW_EXP = 6
#: CP-SAT: largest power of ten tried for an exact integer objective.
_CPSAT_MAX_EXACT_EXP = 9
#: CP-SAT: the objective is scaled so that its largest coefficient is near this.
_CPSAT_TARGET_MAGNITUDE = 1e9
#: CP-SAT: relative gap (after the rounding error) still reported as "optimal".
CPSAT_OPTIMALITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RawResult:
    """What a backend returns, in the model's own units and sense."""

    status: Status
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    solve_time_s: float
    message: str
    objective_scale: float | None = None


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        msg = f"backend={backend!r} is not a solver backend; use one of {', '.join(BACKENDS)}."
        raise SolverError(msg)


def solve_linear(
    model: LinearModel,
    *,
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> RawResult:
    """Solve ``model`` with ``backend`` and return an honest :class:`RawResult`."""
    check_backend(backend)
    if time_limit_s is not None and not time_limit_s > 0:
        msg = f"time_limit_s={time_limit_s!r} must be a positive number of seconds or None."
        raise SolverError(msg)
    if not 0.0 <= gap < 1.0:
        msg = f"gap={gap!r} must be a relative gap in [0, 1), e.g. 0.0 for proven optimality."
        raise SolverError(msg)
    sign = 1.0 if model.sense == "min" else -1.0
    solver = {"cbc": _solve_cbc, "highs": _solve_highs, "cpsat": _solve_cpsat, "scip": _solve_scip}
    t0 = time.perf_counter()
    status, x, bound_min, message, scale = solver[backend](
        model, sign=sign, time_limit_s=time_limit_s, gap=gap, threads=threads
    )
    solve_time_s = time.perf_counter() - t0
    return _finish(model, status, x, bound_min, message, scale, sign, gap, solve_time_s)


def _finish(
    model: LinearModel,
    status: Status,
    x: np.ndarray | None,
    bound_min: float,
    message: str,
    scale: float | None,
    sign: float,
    gap: float,
    solve_time_s: float,
) -> RawResult:
    """Round the solution, recompute the objective, and make the status honest."""
    objective = math.nan
    bound = math.nan
    if x is not None and status in ("optimal", "feasible"):
        x = np.where(model.integer, np.round(x), x)
        x = np.clip(x, model.lb, model.ub)
        objective = model.objective_of(x)
        # The constant offset is not given to the solvers.
        bound = sign * bound_min + model.offset if math.isfinite(bound_min) else math.nan
        if status == "optimal" and not math.isfinite(bound):
            bound = objective
        # A bound is never better than the incumbent it proves (solver tolerances).
        if math.isfinite(bound) and sign * (bound - objective) > 0:
            bound = objective
        tolerance = CPSAT_OPTIMALITY_TOLERANCE if scale is not None else 1e-9
        rel = relative_gap(objective, bound)
        if status == "optimal" and math.isfinite(rel) and rel > tolerance:
            # the solver stopped at the requested gap (or its own tolerance): not proven
            status = "feasible"
            message += f"; stopped within the relative gap {gap:g}, not proven optimal"
        if status == "optimal":
            bound = objective
            rel = 0.0
        return RawResult(status, x, objective, bound, rel, solve_time_s, message, scale)
    return RawResult(status, None, objective, bound, math.nan, solve_time_s, message, scale)


def _highs_lp(model: LinearModel, *, sign: float, integer: bool):  # type: ignore[no-untyped-def]
    """``model`` as a ``highspy.HighsLp`` (minimising ``sign * c``), columnwise."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = model.n_vars
    lp.num_row_ = model.n_rows
    lp.col_cost_ = sign * model.c
    lp.col_lower_ = model.lb
    lp.col_upper_ = model.ub
    lp.row_lower_ = model.row_lb
    lp.row_upper_ = model.row_ub
    A = model.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    if integer and model.integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(v)] for v in model.integer]
    return lp


def lp_relaxation(model: LinearModel) -> tuple[float, np.ndarray | None]:
    """Optimal value and solution of the LP relaxation (HiGHS interior point, via highspy).

    Used only inside the library to choose what to build (p-median levels) and to screen
    constraints that cannot bind; never reported as a solver result. Returns
    ``(nan, None)`` when the LP is not solved to optimality.
    """
    import highspy

    sign = 1.0 if model.sense == "min" else -1.0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    # interior point: the simplex is about ten times slower on the degenerate p-median LPs
    h.setOptionValue("solver", "ipm")
    h.passModel(_highs_lp(model, sign=sign, integer=False))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.nan, None
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return float(model.c @ x + model.offset), x


#: Integer variables within this of an integer count as integral in an LP solution.
LP_INTEGRALITY_TOLERANCE = 1e-6


class HighsSession:
    """One :class:`LinearModel` held by HiGHS in this process, re-solved as it changes.

    The model's structure (``A``, integrality) is fixed when the session starts; costs,
    variable bounds and row bounds are synchronised with a changed copy of the model by
    :meth:`sync`, which passes HiGHS only the entries that differ. Re-solving then starts
    from HiGHS's last basis (LP) or with a given start (MIP): no files, no subprocess.
    Not thread-safe: one session per thread.

    Parameters
    ----------
    model
        The model as first loaded.
    integer
        ``False``: the LP relaxation (simplex, warm-started from the previous basis);
        ``True``: the MIP.
    """

    def __init__(self, model: LinearModel, *, integer: bool, threads: int = 1) -> None:
        import highspy

        self._highspy = highspy
        self.integer = integer
        self.sense = model.sense
        self.sign = 1.0 if model.sense == "min" else -1.0
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", max(1, int(threads)))
        h.passModel(_highs_lp(model, sign=self.sign, integer=integer))
        self.h = h
        self._c = model.c.astype(float).copy()
        self._lb = model.lb.astype(float).copy()
        self._ub = model.ub.astype(float).copy()
        self._row_lb = model.row_lb.astype(float).copy()
        self._row_ub = model.row_ub.astype(float).copy()

    def sync(self, model: LinearModel) -> None:
        """Make HiGHS hold ``model``'s costs and bounds (same structure as at the start)."""
        if model.sense != self.sense or model.n_vars != self._c.size:
            msg = "HighsSession.sync needs a model of the same shape and sense as its own."
            raise SolverError(msg)
        h = self.h
        j = np.flatnonzero(model.c != self._c)
        if j.size:
            h.changeColsCost(j.size, j.astype(np.int32), self.sign * model.c[j])
            self._c[j] = model.c[j]
        j = np.flatnonzero((model.lb != self._lb) | (model.ub != self._ub))
        if j.size:
            h.changeColsBounds(j.size, j.astype(np.int32), model.lb[j], model.ub[j])
            self._lb[j] = model.lb[j]
            self._ub[j] = model.ub[j]
        r = np.flatnonzero((model.row_lb != self._row_lb) | (model.row_ub != self._row_ub))
        if r.size:
            h.changeRowsBounds(r.size, r.astype(np.int32), model.row_lb[r], model.row_ub[r])
            self._row_lb[r] = model.row_lb[r]
            self._row_ub[r] = model.row_ub[r]

    def solve_lp(self, model: LinearModel) -> tuple[Status, np.ndarray | None, float, float]:
        """The LP relaxation of ``model``: (status, x, optimal value in the model's sense and
        units, seconds). Status is "optimal", "infeasible" or "error" (anything else)."""
        if self.integer:  # pragma: no cover - programming error
            msg = "HighsSession.solve_lp needs a session started with integer=False."
            raise SolverError(msg)
        self.sync(model)
        t0 = time.perf_counter()
        self.h.run()
        seconds = time.perf_counter() - t0
        S = self._highspy.HighsModelStatus
        st = self.h.getModelStatus()
        if st == S.kOptimal:
            x = np.asarray(self.h.getSolution().col_value, dtype=float)
            value = self.sign * float(self.h.getInfo().objective_function_value) + model.offset
            return "optimal", x, value, seconds
        if st == S.kInfeasible:
            return "infeasible", None, math.nan, seconds
        return "error", None, math.nan, seconds

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Row duals and reduced costs of the last LP solve, in the model's own sense:
        ``(pi, d)`` with ``d = c - A.T @ pi`` (for a maximisation, ``d_j > 0`` says raising
        ``x_j`` would raise the objective)."""
        sol = self.h.getSolution()
        pi = self.sign * np.asarray(sol.row_dual, dtype=float)
        d = self.sign * np.asarray(sol.col_dual, dtype=float)
        return pi, d

    def solve_mip(
        self,
        model: LinearModel,
        *,
        start: np.ndarray | None = None,
        time_limit_s: float | None = None,
        gap: float = 0.0,
        target: float | None = None,
    ) -> RawResult:
        """Solve ``model`` as a MIP, from ``start`` when it is given.

        ``target`` (in the model's sense and units): stop as soon as an incumbent strictly
        better than it is found; the result is then "feasible" with the solver's bound.
        """
        if not self.integer:  # pragma: no cover - programming error
            msg = "HighsSession.solve_mip needs a session started with integer=True."
            raise SolverError(msg)
        self.sync(model)
        h = self.h
        h.setOptionValue("time_limit", float(time_limit_s) if time_limit_s else math.inf)
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("mip_abs_gap", 0.0 if gap == 0.0 else 1e-6)
        h.setOptionValue(
            "objective_target", self.sign * float(target) if target is not None else -math.inf
        )
        if start is not None:
            sol = self._highspy.HighsSolution()
            sol.col_value = np.asarray(start, dtype=float).tolist()
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
        st = h.getModelStatus()
        info = h.getInfo()
        text = h.modelStatusToString(st)
        message = f"HiGHS (in process): {text}"
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        bound = float(info.mip_dual_bound)
        if not math.isfinite(bound):
            bound = math.nan
        S = self._highspy.HighsModelStatus
        x = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
        status: Status
        if st == S.kOptimal and has_sol:
            status = "optimal"
        elif st == S.kInfeasible:
            status, x = "infeasible", None
        elif has_sol:
            status = "feasible"
            if st == S.kObjectiveTarget:
                message += "; stopped at the first incumbent better than the target"
        elif st in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kObjectiveTarget):
            status = "time_limit_no_solution"
        else:
            status = "error"
        return _finish(model, status, x, bound, message, None, self.sign, gap, seconds)


# --------------------------------------------------------------------------- PuLP


def _pulp_problem(model: LinearModel, sign: float):  # type: ignore[no-untyped-def]
    import pulp

    prob = pulp.LpProblem("planner", pulp.LpMinimize)
    width = len(str(max(model.n_vars - 1, 0)))
    cats = np.where(model.integer, pulp.LpInteger, pulp.LpContinuous)
    lbs = [None if not math.isfinite(v) else float(v) for v in model.lb]
    ubs = [None if not math.isfinite(v) else float(v) for v in model.ub]
    xs = [pulp.LpVariable(f"x{j:0{width}d}", lbs[j], ubs[j], cats[j]) for j in range(model.n_vars)]
    c = sign * model.c
    nz = np.flatnonzero(c)
    prob.setObjective(pulp.LpAffineExpression(zip([xs[j] for j in nz], c[nz].tolist())))
    A = model.A
    indptr = A.indptr
    cols = A.indices.tolist()
    vals = A.data.tolist()
    lo = model.row_lb
    hi = model.row_ub
    constraints = prob.constraints
    get = xs.__getitem__
    for i in range(model.n_rows):
        a, b = indptr[i], indptr[i + 1]
        if a == b:
            continue
        terms = list(zip(map(get, cols[a:b]), vals[a:b]))
        li, ui = lo[i], hi[i]
        if li == ui:
            pairs = [(pulp.LpConstraintEQ, li, "e")]
        else:
            pairs = []
            if math.isfinite(li):
                pairs.append((pulp.LpConstraintGE, li, "g"))
            if math.isfinite(ui):
                pairs.append((pulp.LpConstraintLE, ui, "l"))
        for sense, rhs, tag in pairs:
            name = f"r{i}{tag}"
            constraints[name] = pulp.LpConstraint(
                pulp.LpAffineExpression(terms), sense, name, float(rhs)
            )
    # Register every variable once (PuLP's addConstraint does this per constraint).
    prob._add_variables(xs)
    if model.start is not None:
        for v, s in zip(xs, model.start.tolist()):
            v.setInitialValue(s, check=False)
    return prob, xs


def _values(xs: list, model: LinearModel) -> np.ndarray:  # type: ignore[type-arg]
    vals = np.array([np.nan if v.varValue is None else v.varValue for v in xs], dtype=float)
    # variables CBC drops from its output sit at a bound
    return np.where(np.isnan(vals), np.clip(0.0, model.lb, model.ub), vals)


_CBC_RESULT = re.compile(r"^Result - (.+)$", re.MULTILINE)
_CBC_LOWER = re.compile(r"^Lower bound:\s+(\S+)", re.MULTILINE)


def _solve_cbc(
    model: LinearModel, *, sign: float, time_limit_s: float | None, gap: float, threads: int
) -> tuple[Status, np.ndarray | None, float, str, float | None]:
    import pulp

    prob, xs = _pulp_problem(model, sign)
    fd, log_path = tempfile.mkstemp(prefix="planner_cbc_", suffix=".log")
    os.close(fd)
    options = ["allowableGap 0"] if gap == 0 else []
    solver = pulp.PULP_CBC_CMD(
        msg=False,
        timeLimit=time_limit_s,
        gapRel=gap,
        threads=threads,
        warmStart=model.start is not None,
        logPath=log_path,
        options=options,
    )
    try:
        prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except pulp.PulpSolverError as exc:
        return "error", None, math.nan, f"CBC failed: {exc}", None
    finally:
        os.unlink(log_path)
    found = _CBC_RESULT.findall(log)
    result = found[-1].strip() if found else "no result line in the CBC log"
    lower = _CBC_LOWER.findall(log)
    bound = float(lower[-1]) if lower else math.nan
    sol = prob.sol_status
    message = f"CBC: {result}"
    if sol == pulp.LpSolutionOptimal and result.startswith("Optimal"):
        return "optimal", _values(xs, model), bound, message, None
    if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return "feasible", _values(xs, model), bound, message, None
    low = result.lower()
    if "infeasible" in low or sol == pulp.LpSolutionInfeasible:
        return "infeasible", None, math.nan, message, None
    if "unbounded" in low or sol == pulp.LpSolutionUnbounded:
        return "unbounded", None, math.nan, message, None
    if "stopped" in low:
        return "time_limit_no_solution", None, bound, message, None
    return "error", None, math.nan, message, None


def _highs_solver_class():  # type: ignore[no-untyped-def]
    import pulp

    class _HiGHSWithStart(pulp.HiGHS):  # type: ignore[misc, name-defined]
        """PuLP's HiGHS that hands the model's start to highspy before running."""

        start: np.ndarray | None = None

        def callSolver(self, lp):  # type: ignore[no-untyped-def]
            if self.start is not None:
                idx = np.arange(self.start.size, dtype=np.int32)
                lp.solverModel.setSolution(int(self.start.size), idx, self.start.astype(float))
            super().callSolver(lp)

    return _HiGHSWithStart


def _solve_highs(
    model: LinearModel, *, sign: float, time_limit_s: float | None, gap: float, threads: int
) -> tuple[Status, np.ndarray | None, float, str, float | None]:
    import highspy

    prob, xs = _pulp_problem(model, sign)
    cls = _highs_solver_class()
    solver = cls(msg=False, timeLimit=time_limit_s, gapRel=gap, threads=threads)
    if model.start is not None:
        # PuLP adds columns in the order of prob.variables() (sorted by name = our order)
        solver.start = model.start
    try:
        prob.solve(solver)
    except Exception as exc:  # highspy raises plain exceptions on load errors
        return "error", None, math.nan, f"HiGHS failed: {exc}", None
    h = prob.solverModel
    st = h.getModelStatus()
    info = h.getInfo()
    text = h.modelStatusToString(st)
    message = f"HiGHS: {text}"
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    mip = bool(model.integer.any())
    bound = float(info.mip_dual_bound) if mip else float(info.objective_function_value)
    if not math.isfinite(bound):
        bound = math.nan
    S = highspy.HighsModelStatus
    if st == S.kOptimal and has_sol:
        return "optimal", _values(xs, model), bound, message, None
    if st in (S.kInfeasible,):
        return "infeasible", None, math.nan, message, None
    if st in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return "unbounded" if st == S.kUnbounded else "infeasible", None, math.nan, message, None
    if has_sol:
        return "feasible", _values(xs, model), bound, message, None
    if st in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt):
        return "time_limit_no_solution", None, bound, message, None
    return "error", None, math.nan, message, None


# --------------------------------------------------------------------------- CP-SAT


def _integral_scale(values: np.ndarray, max_exp: int) -> float | None:
    """Smallest ``10**k`` (k <= max_exp) making every value an integer, or None."""
    for k in range(max_exp + 1):
        s = 10.0**k
        v = values * s
        if np.all(np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return s
    return None


def _solve_cpsat(
    model: LinearModel, *, sign: float, time_limit_s: float | None, gap: float, threads: int
) -> tuple[Status, np.ndarray | None, float, str, float | None]:
    from ortools.sat.python import cp_model

    integral = model.integer.copy()
    if model.implied_integer is not None:
        integral |= model.implied_integer
    if not integral.all():
        n = int((~integral).sum())
        msg = (
            f"backend='cpsat' needs integral variables, but this model has {n} continuous "
            "ones (e.g. splittable demand); use backend='cbc', 'highs' or 'scip', or a "
            "single-source variant."
        )
        raise SolverError(msg)
    if not (np.isfinite(model.lb).all() and np.isfinite(model.ub).all()):
        msg = "backend='cpsat' needs finite variable bounds; use backend='cbc' or 'highs'."
        raise SolverError(msg)
    m = cp_model.CpModel()
    proto = m.proto
    lbs = np.ceil(model.lb - 1e-9).astype(np.int64).tolist()
    ubs = np.floor(model.ub + 1e-9).astype(np.int64).tolist()
    for lo, hi in zip(lbs, ubs):
        proto.variables.add().domain.extend([lo, hi])
    A = model.A
    big = 2**62
    rounded_rows = 0
    for i in range(model.n_rows):
        a, b = A.indptr[i], A.indptr[i + 1]
        if a == b:
            continue
        vals = A.data[a:b]
        lo, hi = model.row_lb[i], model.row_ub[i]
        finite = [v for v in (lo, hi) if math.isfinite(v)]
        s = _integral_scale(np.concatenate([vals, finite]), _CPSAT_ROW_EXP)
        cols = A.indices[a:b]
        if s is not None:
            coeffs = np.round(vals * s)
            dlo = math.ceil(lo * s - 1e-6) if math.isfinite(lo) else -big
            dhi = math.floor(hi * s + 1e-6) if math.isfinite(hi) else big
        elif len(finite) == 1 and (model.lb[cols] >= 0).all():
            # one-sided row on non-negative variables: round outward at 10^-6, so that
            # every CP-SAT solution satisfies the original row (a slight restriction)
            s = 10.0**_CPSAT_ROW_EXP
            if math.isfinite(hi):
                coeffs, dlo, dhi = np.ceil(vals * s - 1e-9), -big, math.floor(hi * s + 1e-9)
            else:
                coeffs, dlo, dhi = np.floor(vals * s + 1e-9), math.ceil(lo * s - 1e-9), big
            rounded_rows += 1
        else:
            msg = (
                f"backend='cpsat' cannot scale constraint row {i} to integers (coefficients "
                f"{vals[:5].tolist()!r}...); use backend='cbc', 'highs' or 'scip'."
            )
            raise SolverError(msg)
        ct = proto.constraints.add().linear
        ct.vars.extend(cols.tolist())
        ct.coeffs.extend(coeffs.astype(np.int64).tolist())
        ct.domain.extend([dlo, dhi])
    c = sign * model.c
    nz = np.flatnonzero(c)
    exact = _integral_scale(c[nz], _CPSAT_MAX_EXACT_EXP) if nz.size else 1.0
    if exact is not None:
        scale = exact
        rounding = 0.0
    else:
        cmax = float(np.abs(c[nz]).max())
        scale = 10.0 ** math.floor(math.log10(_CPSAT_TARGET_MAGNITUDE / cmax))
        err = np.abs(c[nz] * scale - np.round(c[nz] * scale))
        rounding = float(
            (err * np.maximum(np.abs(model.lb[nz]), np.abs(model.ub[nz]))).sum() / scale
        )
    obj = proto.objective
    obj.vars.extend(nz.tolist())
    obj.coeffs.extend(np.round(c[nz] * scale).astype(np.int64).tolist())
    obj.scaling_factor = 1.0 / scale
    if model.start is not None:
        proto.solution_hint.vars.extend(list(range(model.n_vars)))
        proto.solution_hint.values.extend(np.round(model.start).astype(np.int64).tolist())
    solver = cp_model.CpSolver()
    if time_limit_s is not None:
        solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.relative_gap_limit = float(gap)
    solver.parameters.num_workers = max(1, int(threads))
    # the LP relaxation is what proves these covering models optimal
    solver.parameters.linearization_level = 2
    st = solver.solve(m)
    name = solver.status_name(st)
    message = f"CP-SAT: {name}; objective scaled by {scale:g} to integers"
    if rounding > 0:
        message += f" (rounding error at most {rounding:.3g}, bound loosened by it)"
    if rounded_rows:
        message += (
            f"; {rounded_rows} rows with non-decimal coefficients rounded outward at "
            f"1e-{_CPSAT_ROW_EXP} (every solution satisfies the original rows)"
        )
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        x = np.asarray(solver.response_proto.solution, dtype=float)
        bound = float(solver.best_objective_bound) - rounding
        status: Status = "optimal" if st == cp_model.OPTIMAL and rounding == 0 else "feasible"
        if st == cp_model.OPTIMAL and rounding > 0:
            status = "optimal"  # _finish demotes it when the loosened gap exceeds tolerance
        return status, x, bound, message, scale
    if st == cp_model.INFEASIBLE:
        return "infeasible", None, math.nan, message, scale
    if st == cp_model.UNKNOWN:
        return "time_limit_no_solution", None, math.nan, message, scale
    return "error", None, math.nan, message, scale


# --------------------------------------------------------------------------- SCIP


def _solve_scip(
    model: LinearModel, *, sign: float, time_limit_s: float | None, gap: float, threads: int
) -> tuple[Status, np.ndarray | None, float, str, float | None]:
    import scipy.sparse as sp
    from ortools.linear_solver.python import model_builder_helper as mbh

    helper = mbh.ModelBuilderHelper()
    helper.fill_model_from_sparse_data(
        model.lb.astype(float),
        model.ub.astype(float),
        (sign * model.c).astype(float),
        model.row_lb.astype(float),
        model.row_ub.astype(float),
        sp.csr_matrix(model.A, dtype=float),
    )
    for j in np.flatnonzero(model.integer).tolist():
        helper.set_var_integrality(j, True)
    if model.start is not None:
        for j, v in enumerate(model.start.tolist()):
            helper.add_hint(j, v)
    solver = mbh.ModelSolverHelper("scip")
    if not solver.solver_is_supported():
        msg = "backend='scip' is not available in this OR-Tools build; use backend='cbc'."
        raise SolverError(msg)
    if time_limit_s is not None:
        solver.set_time_limit_in_seconds(float(time_limit_s))
    params = [f"limits/gap = {gap!r}", "limits/absgap = 0", "parallel/maxnthreads = 1"]
    solver.set_solver_specific_parameters("\n".join(params))
    solver.solve(helper)
    st = solver.status()
    S = mbh.SolveStatus
    message = f"SCIP: {st.name}" + (
        f" ({solver.status_string()})" if solver.status_string() else ""
    )
    if st in (S.OPTIMAL, S.FEASIBLE) and solver.has_solution():
        x = np.asarray(solver.variable_values(), dtype=float)
        bound = float(solver.best_objective_bound())
        return ("optimal" if st == S.OPTIMAL else "feasible"), x, bound, message, None
    if st == S.INFEASIBLE:
        return "infeasible", None, math.nan, message, None
    if st == S.UNBOUNDED:
        return "unbounded", None, math.nan, message, None
    if st in (S.FEASIBLE, S.NOT_SOLVED, S.CANCELLED_BY_USER):
        return "time_limit_no_solution", None, math.nan, message, None
    return "error", None, math.nan, message, None
