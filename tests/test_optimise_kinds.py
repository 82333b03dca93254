"""Kinds of centre and focused industry allocation in the plan model (rows (16), (17))."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner._errors import ScenarioError
from planner.optimise import (
    CentreKind,
    PlanConstraints,
    PlanInputs,
    build_plan_model,
    centre_kinds_from_list,
    plan_constraints_from_mapping,
    solve_plan,
)

# Six hand-made candidates in six countries. Z1 and Z2 lie beside a zone the province
# sponsors; S1 and S2 are in countries leading in science and technology; B lies beside
# a zone and in a leading country (it may be either kind); O is neither.
CANDIDATES = pd.DataFrame(
    {
        "city_id": [1, 2, 3, 4, 5, 6],
        "name": ["Z1", "Z2", "S1", "S2", "B", "O"],
        "iso3": ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"],
        "score_total": [0.5, 0.4, 0.8, 0.7, 0.6, 0.99],
        "cost_musd": np.nan,
        "dist_rail_node_km": [20.0, 500, 500, 500, 500, 500],
        "dist_coop_zone_km": [30.0, 60, 900, 900, 40, 900],
        "dist_home_coop_zone_km": [30.0, 60, 900, 900, 40, 900],
        "st_leading": [False, False, True, True, True, False],
        "political_stability": 0.5,
        # the zone kind scores freight and zones, the sourcing kind innovation
        "kind_score_zone": [0.9, 0.7, 0.1, 0.1, 0.8, 0.3],
        "kind_score_st": [0.1, 0.1, 0.9, 0.8, 0.95, 0.5],
        "lon": [0.0, 10, 20, 30, 40, 50],
        "lat": 0.0,
    }
)
INDUSTRIES = ["i1", "i2", "i3"]
FIT = pd.DataFrame(0.5, index=CANDIDATES["city_id"], columns=INDUSTRIES)
INPUTS = PlanInputs(CANDIDATES, FIT, dict.fromkeys(INDUSTRIES, 1.0))
ZONE = CentreKind("zone", "Zone upgrading", min_centres=1, max_centres=1, home_zone_km=100)
ST = CentreKind("st", "S&T sourcing", min_centres=2, max_centres=2, st_leading=True)


def kinds_of(plan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(zip(plan.centres["name"], plan.centres["kind"], strict=True))


def test_disjoint_eligibility_fills_each_kind_from_its_own_candidates() -> None:
    zone = replace(ZONE, home_zone_km=50)  # Z1 and B are within 50 km; Z2 is not
    st = replace(ST, exclude_countries=("EEE",))  # B is left to the zone kind only
    plan = solve_plan(INPUTS, PlanConstraints(n_new=3, kinds=(zone, st)))
    assert plan.status == "optimal"
    # O scores best overall but is eligible for no kind, so it stays closed
    assert kinds_of(plan) == {"Z1": "zone", "S1": "st", "S2": "st"}
    assert set(plan.centres["kind_name"]) == {"Zone upgrading", "S&T sourcing"}
    # each kind's objective uses its own score: 0.9 (Z1 as zone) + 0.9 + 0.8
    fit_term = plan.centres["fit_value"].sum()
    assert plan.objective == pytest.approx(0.9 + 0.9 + 0.8 + fit_term)
    table = plan.constraints.set_index("constraint")
    assert table.loc["kind:zone", "value"] == 1
    assert table.loc["kind:st", "value_text"].startswith("2 (")


def test_overlapping_eligibility_gives_a_city_one_kind_only() -> None:
    # B may be either kind; it is worth more as an S&T centre (0.95) than as a zone
    # centre (0.8), so the zone kind takes Z1 and B joins S1 as S&T sourcing
    plan = solve_plan(INPUTS, PlanConstraints(n_new=3, kinds=(ZONE, ST)))
    assert plan.status == "optimal"
    assert kinds_of(plan) == {"Z1": "zone", "B": "st", "S1": "st"}
    assert plan.centres["city_id"].is_unique
    # with two zone centres, B goes to whichever kind the total prefers, never both:
    # Z1 + Z2 as zones and S1 + B as S&T (0.9 + 0.7 + 0.9 + 0.95 = 3.45) beat Z1 + B as
    # zones and S1 + S2 as S&T (0.9 + 0.8 + 0.9 + 0.8 = 3.4)
    zone2 = replace(ZONE, min_centres=2, max_centres=2)
    plan = solve_plan(INPUTS, PlanConstraints(n_new=4, kinds=(zone2, ST)))
    assert kinds_of(plan) == {"Z1": "zone", "Z2": "zone", "S1": "st", "B": "st"}
    # B's S&T score lowered below its zone value tips it the other way
    cand = CANDIDATES.assign(kind_score_st=[0.1, 0.1, 0.9, 0.8, 0.5, 0.5])
    inputs = PlanInputs(cand, FIT, dict.fromkeys(INDUSTRIES, 1.0))
    plan = solve_plan(inputs, PlanConstraints(n_new=4, kinds=(zone2, ST)))
    assert kinds_of(plan) == {"Z1": "zone", "B": "zone", "S1": "st", "S2": "st"}


def test_separation_and_country_caps_apply_across_kinds() -> None:
    # Z1 and B in one country: one per country keeps only one of them, whatever their kind
    cand = CANDIDATES.assign(iso3=["AAA", "BBB", "CCC", "DDD", "AAA", "FFF"])
    inputs = PlanInputs(cand, FIT, dict.fromkeys(INDUSTRIES, 1.0))
    plan = solve_plan(inputs, PlanConstraints(n_new=3, max_per_country=1, kinds=(ZONE, ST)))
    assert plan.status == "optimal"
    assert kinds_of(plan) == {"Z1": "zone", "S1": "st", "S2": "st"}


def test_a_kind_that_cannot_be_filled_is_named() -> None:
    zone = replace(ZONE, min_centres=3, max_centres=3)  # only Z1, Z2 and B are eligible...
    zone = replace(zone, home_zone_km=50)  # ...and within 50 km only Z1 and B
    plan = solve_plan(INPUTS, PlanConstraints(n_new=4, kinds=(zone, ST)))
    assert plan.status == "infeasible"
    assert plan.conflicts == ("kind:zone",)
    assert plan.must_relax == ("kind:zone",)
    assert "kind:zone" in plan.message and "[[kinds]]" in plan.message
    assert any("Only 2 candidates are eligible for the kind 'Zone upgrading'" in n
               for n in plan.notes)  # fmt: skip


def test_kind_industries_limit_what_a_centre_serves() -> None:
    zone = replace(ZONE, industries=("i1",))
    plan = solve_plan(
        INPUTS, PlanConstraints(n_new=3, max_industries_per_centre=3, kinds=(zone, ST))
    )
    zone_centre = plan.centres.loc[plan.centres["kind"] == "zone"].iloc[0]
    assert zone_centre["industries"] == "i1"


def test_rebuilt_model_re_solves_with_kinds_and_checks_binding() -> None:
    model = build_plan_model(INPUTS, PlanConstraints(n_new=3, kinds=(ZONE, ST)), backend="highs")
    first = model.solve()
    assert first.status == "optimal"
    names = CANDIDATES["name"].to_numpy()
    assert dict(zip(names[list(first.centres)], first.kinds, strict=True)) == {
        "Z1": "zone", "S1": "st", "B": "st"
    }  # fmt: skip
    # halving S1's total halves its kind scores too: S2 takes its place
    s = CANDIDATES["score_total"].to_numpy(float).copy()
    s[2] *= 0.5
    second = model.solve(s, start=first)
    assert sorted(names[list(second.centres)]) == ["B", "S2", "Z1"]
    table = model.assess_binding(first).set_index("constraint")
    # the kinds' counts are at their limits; dropping either gains nothing here (Z1 is
    # the best third centre anyway), which the check proves
    assert table.loc["kind:zone", "active"] and table.loc["kind:st", "active"]
    assert table.loc["kind:zone", "objective_gain"] == pytest.approx(0.0)
    assert not table.loc["kind:zone", "binding"]
    # forcing two zone centres costs: now the kind binds in the other direction
    zone2 = replace(ZONE, min_centres=2, max_centres=2)
    st1 = replace(ST, min_centres=1)
    model = build_plan_model(INPUTS, PlanConstraints(n_new=3, kinds=(zone2, st1)), backend="highs")
    table = model.assess_binding(model.solve()).set_index("constraint")
    # Z1 + B as zones and S1 (2.6) against Z1 as zone and B + S1 as S&T (2.75)
    assert table.loc["kind:zone", "binding"]
    assert table.loc["kind:zone", "objective_gain"] == pytest.approx(0.15)
    plan = model.to_plan(first)
    assert set(plan.centres["kind"]) == {"zone", "st"}


def test_kinds_from_a_scenario_table_are_checked() -> None:
    kinds = centre_kinds_from_list(
        [
            {"id": "zone", "name": "Zone", "n": 2, "industries": ["i1"],
             "weights": {"coop_zone": 2, "rail_time": 1},
             "eligible": {"home_zone_km": 150, "countries": ["vnm"]}},
            {"id": "st", "min": 1, "max": 4, "eligible": {"st_leading": True}},
        ]
    )  # fmt: skip
    assert kinds[0].min_centres == kinds[0].max_centres == 2
    assert kinds[0].countries == ("VNM",) and kinds[0].home_zone_km == 150.0
    assert kinds[1].max_centres == 4 and kinds[1].st_leading
    with pytest.raises(ScenarioError) as info:
        centre_kinds_from_list(
            [{"id": "a", "n": 1, "min": 1, "eligible": {"zone_km": 5}}, {"id": "a", "n": -1}]
        )
    text = str(info.value)
    assert "gives n and min/max" in text and "zone_km" in text and "given twice" in text
    assert "must be a non-negative integer" in text


def test_no_industry_served_by_more_centres_than_allowed() -> None:
    cons = PlanConstraints(n_new=4, max_centres_per_industry=1, every_industry_served=True)
    plan = solve_plan(INPUTS, cons)
    assert plan.status == "optimal"
    assert plan.allocation.groupby("industry_id").size().max() == 1
    assert plan_constraints_from_mapping(
        {"n_new": 2, "max_centres_per_industry": 2, "repeat_service_value": 0.25}
    ).repeat_service_value == 0.25
    with pytest.raises(ScenarioError, match="repeat_service_value"):
        plan_constraints_from_mapping({"n_new": 2, "repeat_service_value": 1.5})


def test_each_industry_goes_to_the_centre_that_fits_it_best() -> None:
    # By hand: three centres, three industries; i1 is every centre's strongest. With only
    # the best centre per industry valued (delta = 0) and one industry per centre, the
    # assignment A-i1, B-i2, C-i3 (0.9 + 0.7 + 0.6 = 2.2) beats every other (C-i1, B-i2,
    # A-i3: 1.75, ...); valued in full, all three would take i1.
    cand = CANDIDATES.iloc[:3].assign(name=["A", "B", "C"], score_total=0.5)
    fit = pd.DataFrame(
        [[0.9, 0.3, 0.2], [0.8, 0.7, 0.1], [0.85, 0.2, 0.6]],
        index=cand["city_id"],
        columns=INDUSTRIES,
    )
    inputs = PlanInputs(cand, fit, dict.fromkeys(INDUSTRIES, 1.0))
    focused = PlanConstraints(n_new=3, max_industries_per_centre=1, repeat_service_value=0.0)
    plan = solve_plan(inputs, focused)
    served = dict(zip(plan.allocation["industry_id"], plan.allocation["name"], strict=True))
    assert served == {"i1": "A", "i2": "B", "i3": "C"}
    # the full-value objective lets all three take i1, their best single industry
    plan = solve_plan(inputs, replace(focused, repeat_service_value=1.0))
    assert set(plan.allocation["industry_id"]) == {"i1"}
    # in between, a second centre serving i1 earns half its fit: 0.8 / 2 < 0.7 for B's i2
    plan = solve_plan(inputs, replace(focused, repeat_service_value=0.5))
    served = dict(zip(plan.allocation["name"], plan.allocation["industry_id"], strict=True))
    assert served["A"] == "i1" and served["B"] == "i2"


@pytest.mark.parametrize("backend", ["cbc", "highs", "cpsat", "scip"])
def test_kinds_and_focused_allocation_solve_on_every_backend(backend: str) -> None:
    # the focused objective's best-centre marks are integral, so CP-SAT takes the model
    cons = PlanConstraints(
        n_new=3, kinds=(ZONE, ST), max_industries_per_centre=2, repeat_service_value=0.25,
        every_industry_served=True,
    )  # fmt: skip
    reference = solve_plan(INPUTS, cons, backend="highs", assess_binding=False)
    plan = solve_plan(INPUTS, cons, backend=backend, assess_binding=False)
    assert plan.status == reference.status == "optimal"
    assert plan.objective == pytest.approx(reference.objective, abs=1e-6)
    assert kinds_of(plan) == kinds_of(reference)


def test_without_kinds_the_model_has_no_kind_columns() -> None:
    plan = solve_plan(INPUTS, PlanConstraints(n_new=2))
    assert "kind" not in plan.centres.columns
    assert not any(c.startswith("kind:") for c in plan.constraints["constraint"])
