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
:func:`backtest`
    How the method would have done on the centres already opened: each actual centre's
    rank and percentile, hit rates and distances, against random choice and population.
:func:`calibrate`
    Criteria weights learned from those choices (McFadden's conditional logit), with what
    the data cannot identify reported and a weights file a scenario can use.

Sweeps run in this process, in local worker processes (``workers``) or on a Dask
distributed cluster (``scheduler``); each draw is seeded on its own, so the results are the
same whichever runs them.
"""

from __future__ import annotations

from planner.analysis._backtest import (
    DEFAULT_RADIUS_KM,
    Backtest,
    backtest,
    evaluate,
    format_backtest,
    match_centres,
    read_actual_centres,
)
from planner.analysis._calibrate import (
    Calibration,
    Identification,
    calibrate,
    calibrate_from_prepared,
    fit_logit,
    fit_statsmodels,
    format_calibration,
    identify,
    simulate_choices,
    weights_toml,
    write_weights,
)
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
    robustness_chart_png,
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
    "DEFAULT_RADIUS_KM",
    "OBJECTIVES",
    "AnalysisSettings",
    "Backtest",
    "Calibration",
    "Comparison",
    "DrawPlan",
    "Identification",
    "ParetoFront",
    "PlanReoptimiser",
    "Reoptimiser",
    "RunSummary",
    "Sensitivity",
    "analysis_settings_from_mapping",
    "backtest",
    "calibrate",
    "calibrate_from_prepared",
    "compare_runs",
    "draw_weights",
    "evaluate",
    "fit_logit",
    "fit_statsmodels",
    "format_backtest",
    "format_calibration",
    "format_comparison",
    "format_pareto",
    "format_sensitivity",
    "identify",
    "match_centres",
    "pareto",
    "pareto_front",
    "plan_reoptimiser",
    "ranks",
    "read_actual_centres",
    "read_run_summary",
    "render_robustness_chart",
    "robustness_chart_png",
    "run_sensitivity",
    "run_sweep",
    "save_pareto_chart",
    "save_robustness_chart",
    "sensitivity",
    "simulate_choices",
    "totals",
    "weights_toml",
    "write_weights",
]
