"""The plan model's inputs, built from the criteria stage's scores and accessibility.

It lives below both :mod:`planner.pipeline` and :mod:`planner.analysis` (and
:mod:`planner.session`): each passes in the pieces it holds, so no stage imports the
pipeline that sequences it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner._existing import existing_for_plan


def plan_constraints(scenario: Any) -> Any:
    """The plan model's :class:`planner.optimise.PlanConstraints` of ``scenario``: its
    ``[constraints]`` table and its kinds of centre (``[[kinds]]``)."""
    from dataclasses import replace

    from planner.optimise import centre_kinds_from_list, plan_constraints_from_mapping

    constraints = plan_constraints_from_mapping(scenario.constraints)
    kinds = centre_kinds_from_list(scenario.kinds)
    return replace(constraints, kinds=kinds) if kinds else constraints


def plan_inputs_from(
    scores: Any, access: pd.DataFrame, *, existing: Any = None, kinds: Any = ()
) -> Any:
    """The plan model's inputs from the scores and the accessibility table.

    ``access`` (the factor that weighs each centre's industry fit) is the mean of the
    candidate's air-travel score and its best freight score (rail or sea), both in
    [0, 1] from the criteria stage; a criterion the scenario dropped counts as absent.
    ``cost_musd`` comes from the candidates layer when a user file supplies it and is
    otherwise unknown (NaN): the shipped data hold no centre costs, so a budget
    constraint needs the user's own cost column.

    Parameters
    ----------
    scores
        The criteria stage's :class:`planner.criteria.Scores` (``frame``, ``fit``,
        ``industry_weights``).
    access
        The accessibility table, one row per candidate with ``city_id``,
        ``dist_rail_node_km`` and ``dist_coop_zone_km``.
    existing
        The existing centres layer (or None), as :func:`planner.pipeline.prepare` reads it.
    kinds
        The kinds of centre (:attr:`PlanConstraints.kinds`): each scores the candidates
        with its own weights, in the column :func:`planner.optimise.kind_score_column`.
    """
    from planner import criteria
    from planner.optimise import PlanInputs, kind_score_column

    frame = scores.frame
    access = access.set_index("city_id")
    cand = pd.DataFrame(
        {
            "city_id": frame["city_id"].to_numpy(),
            "name": frame["name"].astype(str).to_numpy(),
            "iso3": frame["iso3"].astype(str).to_numpy(),
            "score_total": frame["score_total"].to_numpy(float),
            "lon": frame["lon"].to_numpy(float),
            "lat": frame["lat"].to_numpy(float),
        }
    )
    ids = cand["city_id"]
    for kind in kinds:  # each kind of centre scores the candidates with its own weights
        cand[kind_score_column(kind.id)] = criteria.kind_score(
            scores, kind.weights or dict(scores.weights), kind=kind.id
        )
    cand["cost_musd"] = (
        frame["cost_musd"].to_numpy(float) if "cost_musd" in frame.columns else np.nan
    )
    for col in ("dist_rail_node_km", "dist_coop_zone_km", "dist_home_coop_zone_km"):
        if col in access.columns:
            cand[col] = ids.map(access[col]).to_numpy(float)
    cand["st_leading"] = frame["st_leading"].fillna(False).astype(bool).to_numpy()
    stability = "value_political_stability"
    cand["political_stability"] = (
        frame[stability].to_numpy(float) if stability in frame.columns else np.nan
    )
    freight = [c for c in ("score_rail_time", "score_sea_time") if c in frame.columns]
    parts = []
    if freight:
        parts.append(frame[freight].max(axis=1).to_numpy(float))
    if "score_air_time" in frame.columns:
        parts.append(frame["score_air_time"].to_numpy(float))
    if parts:
        cand["access"] = np.nanmean(np.vstack(parts), axis=0)
    return PlanInputs(
        candidates=cand,
        fit=scores.fit,
        industry_weights=dict(scores.industry_weights),
        existing=existing_for_plan(existing),
    )
