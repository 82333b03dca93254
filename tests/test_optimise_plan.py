"""The plan model: each constraint binds in a case built for it; infeasibility is explained."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planner._errors import InfeasibleError, ScenarioError
from planner.optimise import (
    BACKENDS,
    ModelInputError,
    PlanConstraints,
    PlanInputs,
    format_plan,
    plan_constraints_from_mapping,
    raise_if_infeasible,
    solve_plan,
)

# Eight hand-made candidates. Without constraints on them, the best two are G (0.95)
# and A (0.9); each other city is the only one with some property.
CANDIDATES = pd.DataFrame(
    {
        "city_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "name": ["A", "B", "C", "D", "E", "F", "G", "H"],
        "iso3": ["AAA", "AAA", "AAA", "BBB", "CCC", "DEU", "EEE", "FFF"],
        "score_total": [0.9, 0.85, 0.8, 0.5, 0.4, 0.3, 0.95, 0.2],
        "cost_musd": [10.0, 10.0, 10.0, 30.0, 10.0, 10.0, np.nan, 5.0],
        "dist_rail_node_km": [500.0, 500, 500, 10, 500, 500, 500, np.nan],
        "dist_coop_zone_km": [500.0, 500, 500, 500, 20, 500, 500, 500],
        "st_leading": [False, False, False, False, False, True, False, False],
        "political_stability": [1.0, 1.0, 1.0, 0.5, 0.5, 0.8, -1.5, np.nan],
    }
)
# fit: A is strong in i1 and i2, G in i1, only H in i3
FIT = pd.DataFrame(0.0, index=CANDIDATES["city_id"], columns=["i1", "i2", "i3"])
FIT.loc[1, ["i1", "i2"]] = 1.0
FIT.loc[7, "i1"] = 0.9
FIT.loc[8, "i3"] = 0.5
INPUTS = PlanInputs(CANDIDATES, FIT, {"i1": 1.0, "i2": 1.0, "i3": 1.0})


def chosen(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(plan.centres["name"])


def row(plan, name: str) -> pd.Series:  # type: ignore[no-untyped-def]
    table = plan.constraints.set_index("constraint")
    return table.loc[name]


def test_baseline_picks_the_best_two() -> None:
    plan = solve_plan(INPUTS, PlanConstraints(n_centres=2))
    assert plan.status == "optimal"
    assert chosen(plan) == ["A", "G"]
    # objective: scores 0.95 + 0.9, fit (1 + 1) / 3 for A and 0.9 / 3 for G
    assert plan.objective == pytest.approx(0.95 + 0.9 + 2 / 3 + 0.3)
    served = plan.allocation.groupby("industry_id")["name"].apply(sorted).to_dict()
    assert served == {"i1": ["A", "G"], "i2": ["A"]}
    assert row(plan, "n_centres")["binding"]
    assert plan.gap == 0.0 and plan.bound == pytest.approx(plan.objective)


@pytest.mark.parametrize(
    ("constraints", "expected", "family"),
    [
        ({"n_centres": 3, "max_per_country": 1}, ["A", "D", "G"], "max_per_country"),
        ({"budget_musd": 25.0}, ["A", "B", "H"], "budget_musd"),
        ({"n_centres": 2, "min_on_rail_lines": 1}, ["A", "D"], "min_on_rail_lines"),
        (
            {"n_centres": 2, "min_near_coop_zones": 1, "coop_zone_radius_km": 50.0},
            ["A", "E"],
            "min_near_coop_zones",
        ),
        ({"n_centres": 2, "min_st_leading": 1}, ["A", "F"], "min_st_leading"),
        ({"n_centres": 2, "required_cities": [8]}, ["A", "H"], "required_cities"),
        ({"n_centres": 2, "excluded_cities": [1]}, ["B", "G"], "excluded_cities"),
        ({"n_centres": 2, "required_countries": ["CCC"]}, ["A", "E"], "required_countries"),
        ({"n_centres": 2, "excluded_countries": ["EEE"]}, ["A", "B"], "excluded_countries"),
        ({"n_centres": 2, "min_political_stability": 0.0}, ["A", "B"], "min_political_stability"),
        ({"n_centres": 2, "min_score_total": 0.92}, ["G"], "min_score_total"),
        ({"n_centres": 2, "every_industry_served": True}, ["A", "H"], "every_industry_served"),
        ({"n_centres": 2, "max_industries_per_centre": 1}, ["A", "G"], "max_industries_per_centre"),
    ],
)
def test_each_constraint_binds(constraints: dict, expected: list[str], family: str) -> None:
    if family == "min_score_total":
        # with a floor only G qualifies, so only one centre: ask for one
        constraints = {**constraints, "n_centres": 1}
    cons = plan_constraints_from_mapping(constraints)
    plan = solve_plan(INPUTS, cons)
    assert plan.status == "optimal", plan.message
    assert chosen(plan) == expected
    info = row(plan, family)
    assert info["active"] and info["binding"], plan.constraints
    assert info["objective_gain"] > 0
    # the same constraint dropped gives a better objective
    looser = {k: v for k, v in constraints.items() if k != family}
    if family in ("budget_musd",):
        looser["n_centres"] = 3
    if "n_centres" in looser or "budget_musd" in looser:
        other = solve_plan(INPUTS, plan_constraints_from_mapping(looser), assess_binding=False)
        assert other.objective > plan.objective


def test_missing_cost_is_held_closed_under_a_budget_and_noted() -> None:
    plan = solve_plan(INPUTS, PlanConstraints(budget_musd=1000.0))
    assert "G" not in chosen(plan)
    assert any("no cost_musd" in note for note in plan.notes)
    # without a budget the missing cost does not matter
    assert "G" in chosen(solve_plan(INPUTS, PlanConstraints(n_centres=2)))


def test_max_industries_per_centre_limits_the_allocation() -> None:
    plan = solve_plan(INPUTS, PlanConstraints(n_centres=2, max_industries_per_centre=1))
    per_centre = plan.allocation.groupby("name").size()
    assert (per_centre <= 1).all()
    assert plan.objective == pytest.approx(0.95 + 0.9 + 1 / 3 + 0.3)


def test_infeasible_plan_names_the_conflicting_constraints() -> None:
    cons = PlanConstraints(
        n_centres=2,
        min_on_rail_lines=1,
        min_near_coop_zones=1,
        coop_zone_radius_km=50.0,
        min_st_leading=1,
        max_per_country=1,
    )
    plan = solve_plan(INPUTS, cons)
    assert plan.status == "infeasible"
    # D, E and F are each the only city with their property: three centres for two seats
    assert set(plan.conflicts) == {
        "n_centres",
        "min_on_rail_lines",
        "min_near_coop_zones",
        "min_st_leading",
    }
    assert len(plan.must_relax) == 1
    assert plan.must_relax[0] in plan.conflicts
    assert "max_per_country" not in plan.conflicts
    with pytest.raises(InfeasibleError, match=r"min_on_rail_lines \(at least 1 within 50 km"):
        raise_if_infeasible(plan)
    assert "infeasible" in format_plan(plan)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_way_conflict_and_the_smallest_relaxation(backend: str) -> None:
    # F is the only city in a leading country, and its score (0.3) is below the floor
    cons = PlanConstraints(n_centres=1, min_st_leading=1, min_score_total=0.6)
    plan = solve_plan(INPUTS, cons, backend=backend)
    assert plan.status == "infeasible"
    assert set(plan.conflicts) == {"min_st_leading", "min_score_total"}
    assert len(plan.must_relax) == 1


def test_every_industry_served_and_too_few_seats_conflict() -> None:
    cons = PlanConstraints(n_centres=2, max_industries_per_centre=1, every_industry_served=True)
    plan = solve_plan(INPUTS, cons)
    assert plan.status == "infeasible"
    assert set(plan.conflicts) == {
        "n_centres",
        "max_industries_per_centre",
        "every_industry_served",
    }


def test_format_plan_shows_centres_status_and_constraints() -> None:
    plan = solve_plan(INPUTS, PlanConstraints(n_centres=2, min_st_leading=1))
    text = format_plan(plan)
    assert text.splitlines()[0].startswith("cbc: optimal")
    assert "F" in text and "DEU" in text
    assert "min_st_leading" in text and "binding" in text
    assert raise_if_infeasible(plan) is plan


def synthetic(n: int, seed: int, k: int = 7) -> PlanInputs:
    rng = np.random.default_rng(seed)
    cand = pd.DataFrame(
        {
            "city_id": np.arange(n) + 100,
            "name": [f"c{i}" for i in range(n)],
            "iso3": [f"X{c:02d}" for c in rng.integers(0, 30, n)],
            "score_total": rng.random(n),
            "cost_musd": rng.uniform(1, 20, n),
            "dist_rail_node_km": rng.exponential(300, n),
            "dist_coop_zone_km": rng.exponential(300, n),
            "st_leading": rng.random(n) < 0.2,
            "political_stability": rng.normal(0, 1, n),
            "access": rng.random(n),
        }
    )
    fit = pd.DataFrame(
        np.round(rng.random((n, k)), 3), index=cand["city_id"], columns=[f"k{i}" for i in range(k)]
    )
    return PlanInputs(cand, fit, {f"k{i}": float(i + 1) for i in range(k)})


def test_backends_agree_on_a_random_plan() -> None:
    inputs = synthetic(60, 5)
    cons = PlanConstraints(
        n_centres=5,
        budget_musd=45.0,
        max_per_country=1,
        min_on_rail_lines=1,
        min_st_leading=1,
        max_industries_per_centre=2,
        every_industry_served=True,
    )
    objs = {}
    for backend in BACKENDS:
        plan = solve_plan(inputs, cons, backend=backend, assess_binding=False)
        assert plan.status == "optimal", (backend, plan.message)
        objs[backend] = plan.objective
    assert max(objs.values()) - min(objs.values()) < 1e-6, objs


def test_constraints_mapping_is_validated() -> None:
    with pytest.raises(ScenarioError, match=r"constraints.n_centers is not a known constraint"):
        plan_constraints_from_mapping({"n_centers": 5})
    with pytest.raises(ScenarioError, match=r"constraints.n_centres = 'five' must be"):
        plan_constraints_from_mapping({"n_centres": "five"})
    with pytest.raises(ScenarioError, match=r"three-letter ISO3"):
        plan_constraints_from_mapping({"n_centres": 2, "excluded_countries": ["Germany"]})
    with pytest.raises(ScenarioError, match=r"needs n_centres or budget_musd"):
        plan_constraints_from_mapping({"max_per_country": 2})
    with pytest.raises(ScenarioError, match=r"min_score_total = 1.5 must lie in \[0, 1\]"):
        plan_constraints_from_mapping({"n_centres": 2, "min_score_total": 1.5})
    cons = plan_constraints_from_mapping(
        {"n_centres": 4, "required_countries": ["deu"], "every_industry_served": True}
    )
    assert cons == PlanConstraints(
        n_centres=4, required_countries=("DEU",), every_industry_served=True
    )


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ModelInputError, match="lacks the columns"):
        solve_plan(
            PlanInputs(CANDIDATES.drop(columns="st_leading"), FIT, {"i1": 1.0}),
            PlanConstraints(n_centres=1),
        )
    with pytest.raises(ModelInputError, match="no column in PlanInputs.fit"):
        solve_plan(PlanInputs(CANDIDATES, FIT, {"i9": 1.0}), PlanConstraints(n_centres=1))
    with pytest.raises(InfeasibleError, match=r"required_cities \[99\]"):
        solve_plan(INPUTS, PlanConstraints(n_centres=1, required_cities=(99,)))


def test_time_limited_plan_reports_honestly() -> None:
    plan = solve_plan(
        synthetic(400, 9),
        PlanConstraints(n_centres=10, max_per_country=1, max_industries_per_centre=2),
        time_limit_s=5.0,
        assess_binding=False,
    )
    assert plan.status in ("optimal", "feasible")
    if plan.status == "feasible":
        assert math.isfinite(plan.gap) and plan.gap > 0
    else:
        assert plan.gap == 0.0
