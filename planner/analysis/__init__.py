"""Stage 6: how robust a plan is.

:func:`sensitivity`
    Monte Carlo over the criteria weights: draw weights around the scenario's (Dirichlet
    or a plus-or-minus range), re-aggregate the stored normalised scores, re-optimise the
    plan, and report how often each candidate is chosen, its rank interval and how stable
    the industry allocation is.
:func:`pareto`
    The efficient front of suitability against cost (and risk) by the epsilon-constraint
    method, with the plan at each point and a PNG chart writer.
:func:`compare_runs`
    What changed between two run folders.

Sweeps run in this process, in local worker processes (``workers``) or on a Dask
distributed cluster (``scheduler``); each draw is seeded on its own, so the results are the
same whichever runs them.
"""

from __future__ import annotations

from planner.analysis._compare import (
    Comparison,
    RunSummary,
    compare_runs,
    format_comparison,
    read_run_summary,
)
from planner.analysis._draws import DEFAULT_CONCENTRATION, draw_weights, ranks, totals
from planner.analysis._pareto import (
    OBJECTIVES,
    ParetoFront,
    format_pareto,
    pareto,
    pareto_front,
    save_pareto_chart,
)
from planner.analysis._reopt import (
    DEFAULT_POOL,
    DrawPlan,
    PlanReoptimiser,
    Reoptimiser,
    plan_reoptimiser,
)
from planner.analysis._sensitivity import (
    DEFAULT_CHUNK,
    Sensitivity,
    format_sensitivity,
    render_robustness_chart,
    run_sensitivity,
    save_robustness_chart,
    sensitivity,
)
from planner.analysis._settings import AnalysisSettings, analysis_settings_from_mapping
from planner.analysis._sweep import run_sweep

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_CONCENTRATION",
    "DEFAULT_POOL",
    "OBJECTIVES",
    "AnalysisSettings",
    "Comparison",
    "DrawPlan",
    "ParetoFront",
    "PlanReoptimiser",
    "Reoptimiser",
    "RunSummary",
    "Sensitivity",
    "analysis_settings_from_mapping",
    "compare_runs",
    "draw_weights",
    "format_comparison",
    "format_pareto",
    "format_sensitivity",
    "pareto",
    "pareto_front",
    "plan_reoptimiser",
    "ranks",
    "read_run_summary",
    "render_robustness_chart",
    "run_sensitivity",
    "run_sweep",
    "save_pareto_chart",
    "save_robustness_chart",
    "sensitivity",
    "totals",
]
