"""Results of the generic models: the frozen :class:`Solution` and the status vocabulary."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Status = Literal[
    "optimal", "feasible", "infeasible", "unbounded", "time_limit_no_solution", "error"
]
Backend = Literal["cbc", "highs", "cpsat", "scip"]
BACKENDS: tuple[str, ...] = ("cbc", "highs", "cpsat", "scip")
STATUSES: tuple[str, ...] = (
    "optimal",
    "feasible",
    "infeasible",
    "unbounded",
    "time_limit_no_solution",
    "error",
)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-10)``; NaN when either is missing."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


@dataclass(frozen=True)
class Solution:
    """The result of one ``solve_*`` call.

    Attributes
    ----------
    status
        "optimal" (proven, gap 0), "feasible" (an incumbent without proof, e.g. stopped by
        the time limit or by a positive ``gap``), "infeasible", "unbounded",
        "time_limit_no_solution" or "error".
    objective
        Objective value of the returned solution, in the units of the cost matrix (NaN
        without a solution). Recomputed from the solution, not read from the solver log.
    bound
        The solver's proven bound on the optimum (a lower bound for minimisation, upper
        bound for maximisation), in the same units; NaN when the solver has none.
    gap
        ``|objective - bound| / |objective|``; 0 when optimal, NaN when unknown.
    open
        Indices (0-based, columns of the cost matrix) of the opened sites, ascending.
    assignment
        Per demand point (row), the site index it is assigned to; -1 where the model does
        not assign (uncovered points of maximal covering, no solution).
    solve_time_s, build_time_s
        Wall time in the solver (including the backend's own model translation) and in
        building the model description and heuristic start (for the p-median also the
        LP-based refinement of its distance levels).
    backend
        "cbc", "highs", "cpsat" or "scip".
    model, formulation
        The model's name and a one-line name of the formulation used.
    message
        The solver's own status text, and anything the caller should know.
    objective_scale
        CP-SAT only: the factor objective coefficients were multiplied by before rounding
        to integers (``None`` elsewhere).
    heuristic_objective
        Objective of the heuristic start handed to the solver, when one was used.
    shares
        Facility location with splittable demand: ``((demand, site, share), ...)`` for
        every positive share; empty for the other models.
    covered
        Coverage models: indices of the covered demand points.
    """

    status: Status
    objective: float
    bound: float
    gap: float
    open: tuple[int, ...]
    assignment: tuple[int, ...]
    solve_time_s: float
    backend: str
    model: str = ""
    formulation: str = ""
    build_time_s: float = 0.0
    message: str = ""
    objective_scale: float | None = None
    heuristic_objective: float | None = None
    shares: tuple[tuple[int, int, float], ...] = ()
    covered: tuple[int, ...] = ()
    n_vars: int = 0
    n_rows: int = 0

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    def status_line(self) -> str:
        """One line: backend, status, objective, bound, gap and time."""
        parts = [f"{self.backend}: {self.status}"]
        if self.has_solution:
            parts.append(f"objective {self.objective:,.6g}")
        if math.isfinite(self.bound):
            parts.append(f"bound {self.bound:,.6g}")
        if math.isfinite(self.gap):
            parts.append(f"gap {self.gap:.4%}")
        parts.append(f"solved in {self.solve_time_s:.2f} s (build {self.build_time_s:.2f} s)")
        return ", ".join(parts)
