"""Minimum separation between centres: conflict pairs, clique rows, the plan's rule."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner._errors import InfeasibleError, ScenarioError
from planner.optimise import (
    BACKENDS,
    PlanConstraints,
    PlanInputs,
    build_plan_model,
    clique_cover,
    conflict_pairs,
    format_plan,
    plan_constraints_from_mapping,
    raise_if_infeasible,
    solve_plan,
)
from planner.optimise._separation import great_circle_km, unit_vectors

KM_PER_DEG = math.pi * 6371.0088 / 180.0  # along a meridian


def dist_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(great_circle_km(unit_vectors([lon1], [lat1]), unit_vectors([lon2], [lat2]))[0])


def toy(lats: list[float], scores: list[float], lons: list[float] | None = None) -> PlanInputs:
    """Candidates on the meridian lon = 10 (1 degree of latitude = 111.2 km)."""
    n = len(lats)
    cand = pd.DataFrame(
        {
            "city_id": np.arange(1, n + 1),
            "name": [chr(ord("A") + i) for i in range(n)],
            "iso3": [f"C{i:02d}" for i in range(n)],
            "score_total": scores,
            "cost_musd": np.nan,
            "dist_rail_node_km": np.nan,
            "dist_coop_zone_km": np.nan,
            "st_leading": False,
            "political_stability": 0.0,
            "lon": lons if lons is not None else [10.0] * n,
            "lat": lats,
        }
    )
    fit = pd.DataFrame(0.5, index=cand["city_id"], columns=["i1"])
    return PlanInputs(cand, fit, {"i1": 1.0})


def existing(lon: list[float], lat: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"E{i}" for i in range(len(lon))],
            "iso3": "C00",
            "lon": lon,
            "lat": lat,
            "industries": [() for _ in lon],
        }
    )


# A and B 20 km apart score best; C is 1,000 km away.
CLOSE = toy([50.0, 50.0 + 20 / KM_PER_DEG, 59.0], [0.95, 0.9, 0.5])


def test_conflict_pairs_are_the_pairs_closer_than_the_limit() -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(5, 15, 80)
    lat = rng.uniform(45, 55, 80)
    lon[5] = np.nan  # unknown location: in no pair
    pairs = {tuple(p) for p in conflict_pairs(lon, lat, 120.0).tolist()}
    brute = {
        (i, j)
        for i, j in itertools.combinations(range(80), 2)
        if np.isfinite(lon[i] + lon[j]) and dist_km(lon[i], lat[i], lon[j], lat[j]) < 120
    }
    assert pairs == brute and pairs


def test_clique_cover_covers_every_pair_with_cliques() -> None:
    rng = np.random.default_rng(7)
    # three tight clusters (metropolitan areas) and scattered points
    centres = [(10, 50), (20, 45), (0, 40)]
    pts = [(x + rng.normal(0, 0.2), y + rng.normal(0, 0.2)) for x, y in centres for _ in range(15)]
    pts += [(rng.uniform(-20, 40), rng.uniform(30, 60)) for _ in range(40)]
    lon, lat = np.array(pts).T
    pairs = conflict_pairs(lon, lat, 100.0)
    edges = {tuple(p) for p in pairs.tolist()}
    cliques = clique_cover(len(lon), pairs)
    covered = set()
    for q in cliques:
        inside = set(itertools.combinations(q.tolist(), 2))
        assert inside <= edges  # every row is a clique of the conflict graph
        covered |= inside
    assert covered == edges
    # far fewer rows than pairs where candidates crowd together
    assert len(cliques) < len(edges) / 5


def test_separation_binds_on_a_toy_case() -> None:
    assert 19.9 < dist_km(10, 50, 10, 50 + 20 / KM_PER_DEG) < 20.1
    free = solve_plan(CLOSE, PlanConstraints(n_centres=2))
    assert sorted(free.centres["name"]) == ["A", "B"]
    plan = solve_plan(CLOSE, PlanConstraints(n_centres=2, min_separation_km=50))
    assert plan.status == "optimal"
    assert sorted(plan.centres["name"]) == ["A", "C"]
    row = plan.constraints.set_index("constraint").loc["min_separation_km"]
    assert row["binding"]
    # dropping the rule would swap C (0.5) for B (0.9): the gain is 0.4, proven exactly
    assert row["objective_gain_low"] == pytest.approx(0.4, abs=1e-6)
    assert row["objective_gain_high"] == pytest.approx(0.4, abs=1e-6)
    assert row["value"] == pytest.approx(dist_km(10, 50, 10, 59), rel=1e-6)
    assert row["value_text"].startswith("closest pair 1,001 km (A - C)")
    text = format_plan(plan)
    assert "min_separation_km: no two centres (new or existing) closer than 50 km" in text
    assert "binding (costs 0.4); plan: closest pair 1,001 km (A - C)" in text


def test_separation_far_apart_does_not_bind() -> None:
    plan = solve_plan(CLOSE, PlanConstraints(n_centres=2, min_separation_km=10))
    assert sorted(plan.centres["name"]) == ["A", "B"]
    row = plan.constraints.set_index("constraint").loc["min_separation_km"]
    assert not row["binding"] and not row["active"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_existing_centres_hold_near_candidates_closed(backend: str) -> None:
    # an existing centre 10 km from A: A may not open; B is 30 km from it, C far away
    ex = existing([10.0], [50.0 - 10 / KM_PER_DEG])
    inputs = PlanInputs(CLOSE.candidates, CLOSE.fit, CLOSE.industry_weights, existing=ex)
    plan = solve_plan(
        inputs, PlanConstraints(n_new=2, min_separation_km=25), backend=backend
    )
    assert plan.status == "optimal"
    assert sorted(plan.centres["name"]) == ["B", "C"]
    assert any("within 25 km of a centre the province already runs" in n for n in plan.notes)
    row = plan.constraints.set_index("constraint").loc["min_separation_km"]
    assert row["binding"]
    # the closest pair counts the existing centre: B is 30 km from it
    assert row["value"] == pytest.approx(30.0, abs=0.1)
    assert "(existing)" in row["value_text"]


def test_two_existing_centres_close_together_are_exempt() -> None:
    ex = existing([30.0, 30.0], [10.0, 10.0 + 5 / KM_PER_DEG])  # 5 km apart, far from all
    inputs = PlanInputs(CLOSE.candidates, CLOSE.fit, CLOSE.industry_weights, existing=ex)
    plan = solve_plan(inputs, PlanConstraints(n_new=2, min_separation_km=50))
    assert plan.status == "optimal"
    assert sorted(plan.centres["name"]) == ["A", "C"]
    # an existing centre with only its country known holds nobody closed
    ex = existing([np.nan], [np.nan])
    inputs = PlanInputs(CLOSE.candidates, CLOSE.fit, CLOSE.industry_weights, existing=ex)
    plan = solve_plan(inputs, PlanConstraints(n_new=2, min_separation_km=50))
    assert sorted(plan.centres["name"]) == ["A", "C"]


def test_candidate_without_coordinates_is_held_closed() -> None:
    cand = CLOSE.candidates.copy()
    cand.loc[0, "lat"] = np.nan
    inputs = PlanInputs(cand, CLOSE.fit, CLOSE.industry_weights)
    plan = solve_plan(inputs, PlanConstraints(n_centres=2, min_separation_km=50))
    assert sorted(plan.centres["name"]) == ["B", "C"]
    assert any("have no coordinates" in n for n in plan.notes)


def test_infeasible_separation_is_named() -> None:
    # three candidates within 30 km of each other and three centres wanted
    inputs = toy([50.0, 50.1, 50.2], [0.9, 0.8, 0.7])
    plan = solve_plan(inputs, PlanConstraints(n_centres=3, min_separation_km=50))
    assert plan.status == "infeasible"
    assert set(plan.conflicts) == {"n_centres", "min_separation_km"}
    assert len(plan.must_relax) == 1  # either one gives way
    with pytest.raises(InfeasibleError, match="min_separation_km"):
        raise_if_infeasible(plan)


def test_separation_values_are_validated() -> None:
    key = "constraints.min_separation_km"
    with pytest.raises(ScenarioError, match=rf"{key} = -5 must be non-negative"):
        plan_constraints_from_mapping({"n_centres": 2, "min_separation_km": -5})
    with pytest.raises(ScenarioError, match=rf"{key} = '100 km' must be a number"):
        plan_constraints_from_mapping({"n_centres": 2, "min_separation_km": "100 km"})
    with pytest.raises(ScenarioError, match=rf"{key} = True must be a number"):
        plan_constraints_from_mapping({"n_centres": 2, "min_separation_km": True})
    with pytest.raises(ScenarioError, match=rf"{key} = nan must be a number"):
        plan_constraints_from_mapping({"n_centres": 2, "min_separation_km": math.nan})
    cons = plan_constraints_from_mapping({"n_centres": 2, "min_separation_km": 100})
    assert cons.min_separation_km == 100.0


def test_resolves_keep_the_separation_and_closed_candidates() -> None:
    model = build_plan_model(CLOSE, PlanConstraints(n_centres=2, min_separation_km=50))
    first = model.solve()
    assert sorted(first.centres) == [0, 2]
    # new scores: B best now
    second = model.solve(np.array([0.6, 0.99, 0.5]), start=first)
    assert sorted(second.centres) == [1, 2]
    # A closed: B and C again, from the MIP
    third = model.solve(
        np.array([0.95, 0.9, 0.5]), closed=np.array([True, False, False]), relaxation_first=False
    )
    assert sorted(third.centres) == [1, 2] and third.status == "optimal"
    # the heuristic start respects the rule
    start = model.linear.start
    assert start is not None
    act = model.linear.row_activity(start)
    assert (act <= model.linear.row_ub + 1e-9).all()


def _random_inputs(seed: int, n: int) -> PlanInputs:
    rng = np.random.default_rng(seed)
    # candidates crowd into a few areas, as cities do around a metropolis
    hubs = rng.uniform([0, 30], [30, 55], size=(4, 2))
    where = hubs[rng.integers(0, 4, n)] + rng.normal(0, 0.6, size=(n, 2))
    cand = pd.DataFrame(
        {
            "city_id": np.arange(n) + 1,
            "name": [f"c{i}" for i in range(n)],
            "iso3": [f"X{c}" for c in rng.integers(0, 4, n)],
            "score_total": np.round(rng.random(n), 3),
            "cost_musd": np.nan,
            "dist_rail_node_km": rng.exponential(200, n),
            "dist_coop_zone_km": np.nan,
            "st_leading": False,
            "political_stability": 0.0,
            "lon": where[:, 0],
            "lat": where[:, 1],
        }
    )
    fit = pd.DataFrame(
        np.round(rng.random((n, 3)), 3), index=cand["city_id"], columns=["k0", "k1", "k2"]
    )
    return PlanInputs(cand, fit, {"k0": 1.0, "k1": 2.0, "k2": 1.0})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_centres=st.integers(2, 5),
    dist=st.sampled_from([50.0, 120.0, 250.0]),
)
def test_no_plan_from_any_backend_breaks_the_separation(
    seed: int, n_centres: int, dist: float
) -> None:
    inputs = _random_inputs(seed, 40)
    cons = PlanConstraints(
        n_centres=n_centres, max_per_country=2, min_on_rail_lines=1, min_separation_km=dist
    )
    objectives = {}
    for backend in BACKENDS:
        plan = solve_plan(inputs, cons, backend=backend, assess_binding=False, diagnose=False)
        if plan.status == "infeasible":
            objectives[backend] = None
            continue
        assert plan.status == "optimal", (backend, plan.message)
        c = plan.centres
        for i, j in itertools.combinations(range(len(c)), 2):
            d = dist_km(c["lon"].iat[i], c["lat"].iat[i], c["lon"].iat[j], c["lat"].iat[j])
            assert d >= dist, (backend, c["name"].iat[i], c["name"].iat[j], d)
        objectives[backend] = plan.objective
    found = [v for v in objectives.values() if v is not None]
    assert len(found) in (0, len(BACKENDS)), objectives  # all agree on feasibility
    if found:
        assert max(found) - min(found) < 1e-6, objectives


def test_constraint_table_gives_the_plans_own_values() -> None:
    inputs = _random_inputs(4, 40)
    cons = PlanConstraints(
        n_centres=3,
        max_per_country=2,
        min_on_rail_lines=1,
        rail_node_radius_km=200.0,
        max_industries_per_centre=2,
        every_industry_served=True,
        min_score_total=0.0,
        min_separation_km=50.0,
    )
    plan = solve_plan(inputs, cons, assess_binding=False)
    assert plan.status == "optimal"
    t = plan.constraints.set_index("constraint")
    c = plan.centres
    assert t.loc["n_centres", "value"] == 3 and t.loc["n_centres", "value_text"] == "3"
    per = c["iso3"].value_counts()
    assert t.loc["max_per_country", "value"] == per.max()
    assert t.loc["max_per_country", "value_text"].startswith(f"{per.max()} (")
    assert t.loc["min_on_rail_lines", "value"] == (c["dist_rail_node_km"] <= 200).sum()
    served = c["industries"].str.split(";").map(len)
    assert t.loc["max_industries_per_centre", "value"] == served.max()
    assert t.loc["every_industry_served", "value_text"] == "3 of 3"
    low = c.loc[c["score_total"].idxmin()]
    assert t.loc["min_score_total", "value"] == pytest.approx(low["score_total"])
    assert t.loc["min_score_total", "value_text"] == f"{low['score_total']:.2f} ({low['name']})"
    pairs = [
        dist_km(c["lon"].iat[i], c["lat"].iat[i], c["lon"].iat[j], c["lat"].iat[j])
        for i, j in itertools.combinations(range(len(c)), 2)
    ]
    assert t.loc["min_separation_km", "value"] == pytest.approx(min(pairs), rel=1e-9)
