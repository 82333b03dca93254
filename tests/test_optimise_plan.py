"""The plan model: each constraint binds in a case built for it; infeasibility is explained."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner._errors import InfeasibleError, ScenarioError
from planner.optimise import (
    BACKENDS,
    ModelInputError,
    PlanConstraints,
    PlanInputs,
    build_plan_model,
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
    with pytest.raises(ScenarioError, match=r"needs n_centres, n_new or budget_musd"):
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


# --------------------------------------------------------------------------- in process

RANDOM_CONSTRAINTS = PlanConstraints(
    n_centres=5,
    budget_musd=45.0,
    max_per_country=1,
    min_on_rail_lines=1,
    min_st_leading=1,
    max_industries_per_centre=2,
    every_industry_served=True,
)


def _with_scores(inputs: PlanInputs, s: np.ndarray) -> PlanInputs:
    return PlanInputs(inputs.candidates.assign(score_total=s), inputs.fit, inputs.industry_weights)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("relaxation_first", [True, False])
def test_plan_model_resolves_equal_solve_plan(backend: str, relaxation_first: bool) -> None:
    inputs = synthetic(60, 5)
    model = build_plan_model(inputs, RANDOM_CONSTRAINTS, backend=backend)
    rng = np.random.default_rng(11)
    previous = None
    for _ in range(3):
        s = rng.random(60)
        got = model.solve(s, start=previous, relaxation_first=relaxation_first)
        ref = solve_plan(_with_scores(inputs, s), RANDOM_CONSTRAINTS, backend=backend)
        assert got.status == ref.status == "optimal", (got.message, ref.message)
        assert got.objective == pytest.approx(ref.objective, abs=1e-6)
        ids = inputs.candidates["city_id"].to_numpy()
        assert {int(ids[c]) for c in got.centres} == set(ref.centres["city_id"].astype(int))
        assert got.gap == 0.0 and got.bound == got.objective
        if not relaxation_first:
            assert got.method == backend
        previous = got
    # the full Plan of an in-process solution is the one solve_plan reports
    plan = model.to_plan(got)
    assert plan.objective == got.objective
    assert sorted(plan.centres["city_id"]) == sorted(int(ids[c]) for c in got.centres)
    assert plan.centres["score_total"].tolist() == sorted(s[list(got.centres)], reverse=True)


def test_lp_relaxation_proves_plans_and_agrees_with_the_mip() -> None:
    # without a budget, the default scenario's kind of model often has an integral LP
    inputs = synthetic(200, 3)
    cons = PlanConstraints(
        n_centres=6,
        max_per_country=2,
        min_on_rail_lines=2,
        min_near_coop_zones=1,
        min_st_leading=1,
        max_industries_per_centre=3,
        every_industry_served=True,
    )
    model = build_plan_model(inputs, cons, backend="highs")
    rng = np.random.default_rng(2)
    proved = 0
    for _ in range(5):
        s = rng.random(200)
        lp = model.solve_relaxation(s)
        mip = model.solve(s, relaxation_first=False)
        assert mip.status == "optimal" and mip.method == "highs"
        if lp is not None:
            proved += 1
            assert lp.status == "optimal" and lp.method == "lp"
            assert lp.objective == pytest.approx(mip.objective, abs=1e-9)
        auto = model.solve(s)
        assert auto.objective == pytest.approx(mip.objective, abs=1e-9)
    assert proved > 0


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_plan_model_closed_candidates_copy_and_pickle(backend: str) -> None:
    # highs: bounds changed in the loaded model; cbc: a model of the open candidates
    import pickle

    inputs = synthetic(60, 5)
    model = build_plan_model(inputs, RANDOM_CONSTRAINTS, backend=backend)
    first = model.solve()
    assert first.status == "optimal"
    closed = np.zeros(60, dtype=bool)
    closed[list(first.centres[:2])] = True
    # the start opens closed centres: it is set aside, and the result is still proven
    second = model.solve(start=first, closed=closed, relaxation_first=False)
    assert second.status == "optimal"
    assert not set(second.centres) & set(np.flatnonzero(closed).tolist())
    assert second.objective <= first.objective + 1e-9
    ref = solve_plan(
        inputs, replace(RANDOM_CONSTRAINTS, excluded_cities=tuple(int(i) for i in
                        inputs.candidates["city_id"].to_numpy()[closed])),
        backend=backend, assess_binding=False,
    )  # fmt: skip
    assert second.objective == pytest.approx(ref.objective, abs=1e-9)
    for other in (model.copy(), pickle.loads(pickle.dumps(model))):
        again = other.solve(closed=closed)
        assert again.centres == second.centres
        assert again.objective == pytest.approx(second.objective, abs=1e-9)
    with pytest.raises(ModelInputError, match=r"score_total must hold one score in \[0, 1\]"):
        model.solve(np.full(59, 0.5))
    with pytest.raises(ModelInputError, match="closed has shape"):
        model.solve(closed=np.zeros(3, dtype=bool))


def test_time_limited_resolve_is_not_called_optimal() -> None:
    model = build_plan_model(
        synthetic(400, 9),
        PlanConstraints(n_centres=10, max_per_country=1, max_industries_per_centre=2),
        backend="highs",
        time_limit_s=0.05,
    )
    got = model.solve(relaxation_first=False)
    assert got.status in ("optimal", "feasible", "time_limit_no_solution")
    if got.status == "feasible":
        # stopped before the root bound (NaN) or with a positive gap, never a zero gap
        assert not got.gap <= 0
        assert "Time limit" in got.message
    elif got.status == "optimal":
        assert got.gap == 0.0


def test_incumbent_target_stops_the_mip_and_is_not_optimal() -> None:
    from planner.optimise._backends import HighsSession

    model = build_plan_model(synthetic(60, 5), RANDOM_CONSTRAINTS, backend="highs")
    best = model.solve(relaxation_first=False)
    linear = model._model_for(best.score_total, None)
    session = HighsSession(linear, integer=True)
    # the start already beats a target below its objective: HiGHS stops at once
    got = session.solve_mip(linear, start=best.x, target=best.objective - 0.5)
    assert got.status == "feasible"
    assert "target" in got.message
    assert got.objective == pytest.approx(best.objective, abs=1e-9)


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_binding_gains_bracket_the_exact_gain(backend: str) -> None:
    inputs = synthetic(60, 5)
    plan = solve_plan(inputs, RANDOM_CONSTRAINTS, backend=backend)
    assert plan.status == "optimal"
    dropped = {
        "n_centres": {"n_centres": None},
        "budget_musd": {"budget_musd": None},
        "max_per_country": {"max_per_country": None},
        "min_on_rail_lines": {"min_on_rail_lines": None},
        "min_st_leading": {"min_st_leading": None},
        "max_industries_per_centre": {"max_industries_per_centre": None},
        "every_industry_served": {"every_industry_served": False},
    }
    table = plan.constraints.set_index("constraint")
    tol = 1e-4 * max(1.0, abs(plan.objective))
    for family, change in dropped.items():
        info = table.loc[family]
        without = solve_plan(
            inputs, replace(RANDOM_CONSTRAINTS, **change), backend=backend, assess_binding=False
        )
        exact = without.objective - plan.objective
        assert info["objective_gain_low"] <= exact + 1e-9, family
        assert exact <= info["objective_gain_high"] + 1e-9, family
        if math.isfinite(info["objective_gain"]):
            assert info["objective_gain"] == pytest.approx(exact, abs=1e-9), family
        # binding is a proof: an improvement beyond the tolerance exists
        assert bool(info["binding"]) == (info["objective_gain_low"] > tol), family
        if info["binding"]:
            assert exact > tol, family
        if not info["active"]:
            assert not info["binding"]


# ---------------------------------------------------------------------------------------
# Existing centres: open, not decision variables


def _existing(*rows: tuple[str, str, tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [r[0] for r in rows],
            "iso3": [r[1] for r in rows],
            "lon": np.nan,
            "lat": np.nan,
            "industries": [r[2] for r in rows],
        }
    )


def test_existing_centres_lower_the_per_country_cap() -> None:
    cons = PlanConstraints(n_new=3, max_per_country=2)
    assert chosen(solve_plan(INPUTS, cons)) == ["A", "B", "G"]
    one = replace(INPUTS, existing=_existing(("X1", "AAA", ())))
    plan = solve_plan(one, cons)
    # AAA keeps room for one new centre beside its existing one: B gives way to D
    assert chosen(plan) == ["A", "D", "G"]
    assert row(plan, "max_per_country")["active"]
    # two existing in AAA: no new centre there; three (beyond the cap) is no conflict
    for n_existing in (2, 3):
        rows = [(f"X{i}", "AAA", ()) for i in range(n_existing)]
        plan = solve_plan(replace(INPUTS, existing=_existing(*rows)), cons)
        assert plan.status == "optimal"
        assert chosen(plan) == ["D", "E", "G"]
        assert any("AAA" in note for note in plan.notes)


def test_industries_of_existing_centres_count_as_served() -> None:
    cons = PlanConstraints(n_new=2, every_industry_served=True)
    # only H fits i3, so the plan must open H
    assert chosen(solve_plan(INPUTS, cons)) == ["A", "H"]
    served = replace(INPUTS, existing=_existing(("X", "ZZZ", ("i3",))))
    plan = solve_plan(served, cons)
    assert chosen(plan) == ["A", "G"]
    assert "1 already served by existing centres" in plan.descriptions["every_industry_served"]
    # an existing centre whose industries are unknown serves none
    unknown = replace(INPUTS, existing=_existing(("X", "ZZZ", ())))
    assert chosen(solve_plan(unknown, cons)) == ["A", "H"]
    # every industry already served: the family has no rows left
    all_served = replace(INPUTS, existing=_existing(("X", "ZZZ", ("i1", "i2", "i3"))))
    assert "every_industry_served" not in solve_plan(all_served, cons).descriptions


def test_n_new_and_n_centres_count_the_existing_centres() -> None:
    two = replace(INPUTS, existing=_existing(("X", "ZZZ", ()), ("Y", "YYY", ())))
    by_total = solve_plan(two, PlanConstraints(n_centres=4))
    by_new = solve_plan(two, PlanConstraints(n_new=2))
    assert chosen(by_total) == chosen(by_new) == ["A", "G"]
    described = by_total.descriptions["n_centres"]
    assert "exactly 2 new centres beside 2 existing (4 in all)" in described
    assert "n_new" in by_new.descriptions and "n_centres" not in by_new.descriptions
    # n_centres equal to the existing count adds none
    assert solve_plan(two, PlanConstraints(n_centres=2)).centres.empty
    # without existing centres n_new and n_centres are the same
    assert chosen(solve_plan(INPUTS, PlanConstraints(n_new=2))) == ["A", "G"]


def test_bad_combinations_of_n_new_n_centres_and_existing() -> None:
    two = replace(INPUTS, existing=_existing(("X", "ZZZ", ()), ("Y", "YYY", ())))
    with pytest.raises(ModelInputError, match=r"n_centres = 1 is the total.*set n_new"):
        solve_plan(two, PlanConstraints(n_centres=1))
    with pytest.raises(ModelInputError, match=r"n_centres .* or n_new .*not both"):
        solve_plan(INPUTS, PlanConstraints(n_centres=3, n_new=2))
    with pytest.raises(ScenarioError, match=r"n_centres = 8 .*n_new = 8 .*exclude each other"):
        plan_constraints_from_mapping({"n_centres": 8, "n_new": 8})
    with pytest.raises(ScenarioError, match=r"constraints.n_new = 0 must be at least 1"):
        plan_constraints_from_mapping({"n_new": 0})
    with pytest.raises(ScenarioError, match=r"constraints.n_new = 'two' must be"):
        plan_constraints_from_mapping({"n_new": "two"})
    assert plan_constraints_from_mapping({"n_new": 8}).n_new == 8
    with pytest.raises(ModelInputError, match=r"PlanInputs.existing lacks the columns"):
        bad = replace(INPUTS, existing=pd.DataFrame({"name": ["X"]}))
        solve_plan(bad, PlanConstraints(n_new=1))


def test_a_required_country_full_of_existing_centres_is_a_named_conflict() -> None:
    full = replace(INPUTS, existing=_existing(("X", "AAA", ()), ("Y", "AAA", ())))
    cons = PlanConstraints(n_new=2, max_per_country=2, required_countries=("AAA",))
    plan = solve_plan(full, cons)
    assert plan.status == "infeasible"
    assert set(plan.conflicts) == {"max_per_country", "required_countries"}
    with pytest.raises(InfeasibleError, match="max_per_country"):
        raise_if_infeasible(plan)


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_re_solves_keep_the_existing_centres(backend: str) -> None:
    one = replace(INPUTS, existing=_existing(("X1", "AAA", ())))
    model = build_plan_model(one, PlanConstraints(n_new=3, max_per_country=2), backend=backend)
    closed = np.zeros(len(CANDIDATES), dtype=bool)
    closed[4] = True  # E, which the plan does not need
    sol = model.solve(closed=closed, relaxation_first=False)
    assert sol.status == "optimal"
    assert sorted(CANDIDATES["name"].iloc[list(sol.centres)]) == ["A", "D", "G"]
