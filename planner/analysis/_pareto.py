"""Pareto fronts of the plan by the epsilon-constraint method.

Objectives
----------
``suitability`` (maximised)
    The plan model's own objective: suitability plus access-weighted industry fit
    (:func:`planner.optimise.solve_plan`).
``cost`` (minimised)
    The sum of the centres' costs: the candidates' ``cost_musd`` (million USD) when the
    user supplied that column, otherwise the cost criterion's price-level proxy, the
    host's GDP per capita in current US dollars (``value_cost``). The proxy ranks places
    by how expensive they are; its sum is a relative cost index, not a budget figure.
``risk`` (minimised)
    The political risk of the riskiest centre: minus the lowest WGI political stability
    estimate among the centres (about -2.5 .. 2.5; lower risk = a more stable weakest
    host).

Method: the suitability is maximised subject to ``cost <= eps_cost`` (the plan model's
budget row) and, with risk, ``political stability >= eps_stab`` at every centre (its
political-stability floor), over a grid of ``eps`` between the ideal and the nadir of each
minimised objective. The nadir is the value at the scenario's own plan (maximum
suitability); the ideal is a bound no plan can beat: the sum of the ``N`` cheapest
admissible candidates, and the ``N``-th highest stability. Grid points below the true
ideal are infeasible and reported as such. Points whose objectives another point
matches or beats in every objective, and beats in one, are marked ``efficient = False``.

With kinds of centre (the scenario's ``[[kinds]]``), every point's plan says the kind of
each of its centres and how many centres of each kind it opens; a scenario without kinds
gets the table without those columns.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import PlannerError
from planner.analysis._reopt import DEFAULT_POOL, DrawPlan, PlanReoptimiser, plan_reoptimiser

log = logging.getLogger("planner.analysis")

OBJECTIVES = ("suitability", "cost", "risk")


@dataclass(frozen=True)
class ParetoFront:
    """The points of an epsilon-constraint sweep.

    Attributes
    ----------
    objectives
        The objectives, ``("suitability", "cost")`` or with ``"risk"``.
    table
        One row per grid point: ``point``, ``eps_cost`` (the cost bound),
        ``eps_stability`` (the stability floor; NaN without risk), ``status``,
        ``suitability``, ``cost``, ``risk`` (NaN when not an objective or no plan),
        ``n_centres``, ``centres`` (names, ``"; "``-joined), ``city_ids`` (``"; "``-joined)
        and ``efficient`` (bool: no other point dominates it). With kinds of centre also
        ``kinds`` (the kind id of each centre, ``"; "``-joined in the order of ``centres``)
        and ``n_<kind id>``, the number of centres of each kind.
    plans
        The plan at each point (:class:`DrawPlan`, positions of ``candidates`` rows).
    allocation
        Long table: ``point``, ``industry_id``, ``city_id``, ``name`` for every industry
        served at every point with a plan; with kinds of centre also ``kind``, the kind of
        that centre.
    cost_column
        ``"cost_musd"`` or ``"value_cost"`` (GDP per capita, USD): what cost sums.
    kinds
        The scenario's kinds of centre as ``(id, name)`` pairs; empty without kinds.
    """

    objectives: tuple[str, ...]
    table: pd.DataFrame
    plans: tuple[DrawPlan, ...]
    allocation: pd.DataFrame
    cost_column: str
    kinds: tuple[tuple[str, str], ...] = ()

    @property
    def efficient(self) -> pd.DataFrame:
        """The efficient points, by cost."""
        t = self.table
        return t[t["efficient"]].sort_values(["cost", "suitability"]).reset_index(drop=True)


def check_objectives(objectives: Sequence[str] | str) -> tuple[str, ...]:
    """Normalise ``"suitability,cost"`` or a sequence; suitability and cost are required."""
    items = objectives.split(",") if isinstance(objectives, str) else list(objectives)
    obj = tuple(dict.fromkeys(str(o).strip().lower() for o in items if str(o).strip()))
    bad = [o for o in obj if o not in OBJECTIVES]
    if bad or set(obj) not in ({"suitability", "cost"}, {"suitability", "cost", "risk"}):
        msg = (
            f"objectives={objectives!r} is not supported; use 'suitability,cost' or "
            "'suitability,cost,risk'."
        )
        raise PlannerError(msg)
    return tuple(o for o in OBJECTIVES if o in obj)


def pareto(
    prepared: Any,
    *,
    objectives: Sequence[str] | str = ("suitability", "cost"),
    points: int = 10,
    backend: str | None = None,
    time_limit_s: float | None = None,
    pool: int = DEFAULT_POOL,
) -> ParetoFront:
    """The efficient front of the plan by the epsilon-constraint method.

    Parameters
    ----------
    prepared
        :func:`planner.pipeline.prepare` of a scenario, up to ``"criteria"``.
    objectives
        ``("suitability", "cost")`` or ``("suitability", "cost", "risk")`` (or the same
        comma-separated).
    points
        Grid points per minimised objective (``points`` with two objectives,
        ``points x points`` with three), at least 2.
    backend, time_limit_s
        Solver settings; the scenario's ``[solver]`` by default.
    pool
        See :func:`planner.analysis.sensitivity`.
    """
    obj = check_objectives(objectives)
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        msg = f"points={points!r} must be a whole number of grid points, at least 2."
        raise PlannerError(msg)
    base = plan_reoptimiser(prepared, backend=backend, time_limit_s=time_limit_s, pool=pool)
    frame = prepared.scores.frame
    cand = base.candidates
    if cand["cost_musd"].notna().any():
        cost_column = "cost_musd"
        cost = cand["cost_musd"].to_numpy(dtype=float)
    elif "value_cost" in frame.columns:
        cost_column = "value_cost"
        cost = frame["value_cost"].to_numpy(dtype=float)
    else:
        msg = (
            "The cost objective needs a cost per candidate: a cost_musd column in the "
            "candidates layer, or the 'cost' criterion in the scenario."
        )
        raise PlannerError(msg)
    return pareto_front(base, cost=cost, cost_column=cost_column, objectives=obj, points=points)


def pareto_front(
    base: PlanReoptimiser,
    *,
    cost: np.ndarray,
    cost_column: str = "cost_musd",
    objectives: Sequence[str] | str = ("suitability", "cost"),
    points: int = 10,
) -> ParetoFront:
    """The engine of :func:`pareto` on a re-optimiser and a cost per candidate.

    Parameters
    ----------
    base
        The plan model (its candidates' ``score_total`` is the suitability used).
    cost
        One cost per candidate (rows of ``base.candidates``); NaN = unknown (such a
        candidate cannot be shown to fit a budget and stays closed).
    cost_column
        What ``cost`` is, for the table and chart labels.
    """
    obj = check_objectives(objectives)
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        msg = f"points={points!r} must be a whole number of grid points, at least 2."
        raise PlannerError(msg)
    cand = base.candidates
    cost = np.asarray(cost, dtype=float)
    reopt = replace(base, candidates=cand.assign(cost_musd=cost))
    stab = cand["political_stability"].to_numpy(dtype=float)
    s = cand["score_total"].to_numpy(dtype=float)

    def evaluate(plan: DrawPlan) -> tuple[float, float]:
        if not plan.has_plan:
            return math.nan, math.nan
        idx = list(plan.centres)
        return float(cost[idx].sum()), float(-np.nanmin(stab[idx]))

    top = reopt.solve(s)
    if not top.has_plan:
        msg = (
            f"The scenario's plan model has no plan (status {top.status!r}); fix its "
            "constraints before tracing a Pareto front."
        )
        raise PlannerError(msg)
    nadir_cost, nadir_risk = evaluate(top)
    k = reopt.constraints
    n = k.n_centres if k.n_centres is not None else len(top.centres)
    admissible = reopt._eligible & np.isfinite(cost)
    ideal_cost = float(np.sort(cost[admissible])[:n].sum())
    if k.budget_musd is not None and cost_column == "cost_musd":
        nadir_cost = min(nadir_cost, float(k.budget_musd))
    cost_grid = np.linspace(nadir_cost, ideal_cost, points)
    if "risk" in obj:
        st = np.sort(stab[reopt._eligible & np.isfinite(stab)])[::-1]
        ideal_stab = float(st[n - 1]) if st.size >= n else float(st[-1])
        floor = -nadir_risk
        stab_grid = np.linspace(floor, ideal_stab, points)
    else:
        stab_grid = np.array([math.nan])

    kinds = tuple((kind.id, kind.label) for kind in getattr(k, "kinds", ()))
    rows = []
    plans: list[DrawPlan] = []
    alloc_rows = []
    names = cand["name"].astype(str).to_numpy()
    ids = cand["city_id"].to_numpy()
    for eps_c in cost_grid:
        for eps_s in stab_grid:
            changes: dict[str, Any] = {"budget_musd": float(eps_c)}
            if math.isfinite(eps_s):
                old = k.min_political_stability
                changes["min_political_stability"] = max(float(eps_s), old or -math.inf)
            solver: PlanReoptimiser = replace(reopt, constraints=replace(k, **changes))
            plan = solver.solve(s)
            c_val, r_val = evaluate(plan)
            point = len(rows)
            plans.append(plan)
            kind_of = dict(zip(plan.centres, plan.kinds)) if kinds else {}
            by_kind: dict[str, Any] = {}
            if kinds:
                by_kind["kinds"] = "; ".join(kind_of.get(i, "") for i in plan.centres)
                for kid, _ in kinds:
                    by_kind[f"n_{kid}"] = sum(kind_of.get(i) == kid for i in plan.centres)
            rows.append(
                {
                    "point": point,
                    "eps_cost": float(eps_c),
                    "eps_stability": float(eps_s),
                    "status": plan.status,
                    "suitability": plan.objective if plan.has_plan else math.nan,
                    "cost": c_val,
                    "risk": r_val if "risk" in obj else math.nan,
                    "n_centres": len(plan.centres),
                    "centres": "; ".join(names[i] for i in plan.centres),
                    "city_ids": "; ".join(str(int(ids[i])) for i in plan.centres),
                    **by_kind,
                }
            )
            for j, ind in enumerate(solver.industries):
                for i in plan.allocation[j] if plan.has_plan else ():
                    row = (point, ind, int(ids[i]), names[i])
                    alloc_rows.append((*row, kind_of.get(i, "")) if kinds else row)
    table = pd.DataFrame(rows)
    table["efficient"] = _efficient(table, obj)
    alloc_cols = ["point", "industry_id", "city_id", "name"] + (["kind"] if kinds else [])
    front = ParetoFront(
        objectives=obj,
        table=table,
        plans=tuple(plans),
        allocation=pd.DataFrame(alloc_rows, columns=alloc_cols),
        cost_column=cost_column,
        kinds=kinds,
    )
    log.info(
        "pareto: %d grid points on %s, %d with a plan, %d efficient",
        len(table),
        ", ".join(obj),
        int(table["suitability"].notna().sum()),
        int(table["efficient"].sum()),
    )
    return front


def _efficient(table: pd.DataFrame, obj: tuple[str, ...]) -> np.ndarray:
    """Not dominated: no other point at least as good in every objective, better in one
    (suitability is maximised; cost and risk minimised)."""
    cols = [c for c in ("suitability", "cost", "risk") if c in obj]
    v = table[cols].to_numpy(dtype=float).copy()
    v[:, 0] = -v[:, 0]  # minimise everything
    ok = ~np.isnan(v).any(axis=1)
    out = np.zeros(len(table), dtype=bool)
    tol = 1e-9
    seen: set[tuple[float, ...]] = set()
    for i in np.flatnonzero(ok):
        others = v[ok]
        dominated = ((others <= v[i] + tol).all(axis=1) & (others < v[i] - tol).any(axis=1)).any()
        key = tuple(np.round(v[i], 9))
        if not dominated and key not in seen:  # a repeated point counts once
            out[i] = True
            seen.add(key)
    return out


def format_pareto(front: ParetoFront, *, fmt: str = "table") -> str:
    """Text for ``planner pareto``: ``"table"`` (the grid, efficient points marked) or
    ``"csv"``."""
    from planner._table import format_table

    t = front.table
    if fmt == "csv":
        return t.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    if fmt != "table":
        msg = f"fmt={fmt!r} is not a format of the Pareto table; use 'table' or 'csv'."
        raise PlannerError(msg)
    unit = "MUSD" if front.cost_column == "cost_musd" else "sum of GDP per capita, USD"
    cols = ["point", "status", "suitability", "cost"]
    if "risk" in front.objectives:
        cols.append("risk")
    kind_lines = []
    plan_lines = []
    if front.kinds:  # the count of each kind, and each point's centres by kind
        cols += [f"n_{kid}" for kid, _ in front.kinds]
        kind_lines.append(
            "Kinds of centre: "
            + "; ".join(f"{kid} = {label}" for kid, label in front.kinds)
            + " (n_<kind>: centres of that kind)."
        )
        plan_lines += ["", "Centres by kind at each point with a plan:"]
        for r in t[t["suitability"].notna()].itertuples(index=False):
            pairs = list(zip(str(r.centres).split("; "), str(r.kinds).split("; ")))
            parts = [
                f"{kid}: " + ", ".join(n for n, k in pairs if k == kid)
                for kid, _ in front.kinds
                if any(k == kid for _, k in pairs)
            ]
            plan_lines.append(f"  point {r.point}: " + "; ".join(parts))
    cols += ["efficient", "centres"]
    risk_note = " Risk: minus the weakest centre's WGI political stability."
    lines = [
        f"Pareto front by the epsilon-constraint method: {', '.join(front.objectives)} "
        f"({len(t)} grid points, {int(t['efficient'].sum())} efficient).",
        f"Cost: {unit}." + (risk_note if "risk" in front.objectives else ""),
        *kind_lines,
        "",
        format_table(t, columns=cols, floatfmt=",.3f", max_width=80),
        *plan_lines,
    ]
    return "\n".join(lines) + "\n"


def save_pareto_chart(front: ParetoFront, path: str | Path) -> Path:
    """Draw the front as a PNG (suitability against cost; colour = risk when present).

    Returns the path written (atomically).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from planner._io import write_with

    t = front.table[front.table["suitability"].notna()]
    fig = Figure(figsize=(7, 4.5), dpi=120)
    ax = fig.add_subplot()
    eff = t[t["efficient"]].sort_values("cost")
    other = t[~t["efficient"]]
    if "risk" in front.objectives and len(t):
        sc = ax.scatter(t["cost"], t["suitability"], c=t["risk"], cmap="viridis_r", s=30)
        fig.colorbar(sc, ax=ax, label="risk (minus weakest political stability)")
    else:
        ax.scatter(other["cost"], other["suitability"], color="0.6", s=20, label="dominated")
    ax.plot(eff["cost"], eff["suitability"], "o-", color="tab:red", ms=5, label="efficient")
    unit = "million USD" if front.cost_column == "cost_musd" else "sum of GDP per capita, USD"
    ax.set_xlabel(f"cost ({unit})")
    ax.set_ylabel("suitability (plan objective)")
    ax.set_title("Pareto front (epsilon-constraint)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return write_with(path, lambda tmp: fig.savefig(tmp, format="png"))
