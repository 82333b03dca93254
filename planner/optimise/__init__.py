"""Stage 5: location-allocation models and the province plan model.

Generic models on a plain cost matrix (demand points x candidate sites), each returning a
frozen :class:`Solution`: :func:`solve_p_median`, :func:`solve_facility_location`,
:func:`solve_max_coverage`, :func:`solve_set_cover`, :func:`solve_p_center`. Backends:
"cbc" and "highs" through PuLP, "cpsat" and "scip" through OR-Tools.

The plan model (:func:`solve_plan`) chooses the province's centres among scored candidate
cities and allocates the home industries to them; see :mod:`planner.optimise.plan`.
:func:`build_plan_model` builds it once to re-solve it in process for many score vectors
(:class:`PlanModel`, :class:`PlanSolution`). :func:`conflict_pairs` and
:func:`clique_cover` give the minimum-separation rows (pairs of candidates too close to
both host a centre, and cliques that cover them).
"""

from __future__ import annotations

from planner.optimise._models import (
    ModelInputError,
    greedy_interchange,
    solve_facility_location,
    solve_max_coverage,
    solve_p_center,
    solve_p_median,
    solve_set_cover,
)
from planner.optimise._separation import (
    clique_cover,
    closest_pair,
    conflict_pairs,
    near_points,
)
from planner.optimise._solution import BACKENDS, STATUSES, Solution, relative_gap
from planner.optimise.plan import (
    CentreKind,
    Plan,
    PlanConstraints,
    PlanInputs,
    PlanModel,
    PlanSolution,
    build_plan_model,
    centre_kinds_from_list,
    format_plan,
    kind_score_column,
    plan_constraints_from_mapping,
    raise_if_infeasible,
    solve_plan,
)

__all__ = [
    "BACKENDS",
    "STATUSES",
    "CentreKind",
    "ModelInputError",
    "Plan",
    "PlanConstraints",
    "PlanInputs",
    "PlanModel",
    "PlanSolution",
    "Solution",
    "build_plan_model",
    "centre_kinds_from_list",
    "clique_cover",
    "closest_pair",
    "conflict_pairs",
    "format_plan",
    "greedy_interchange",
    "kind_score_column",
    "near_points",
    "plan_constraints_from_mapping",
    "raise_if_infeasible",
    "relative_gap",
    "solve_facility_location",
    "solve_max_coverage",
    "solve_p_center",
    "solve_p_median",
    "solve_plan",
    "solve_set_cover",
]
