"""Tests of planner.analysis: weight draws, sensitivity, Pareto fronts, run comparison, sweeps."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner._errors import PlannerError
from planner.analysis import (
    PlanReoptimiser,
    compare_runs,
    draw_weights,
    format_comparison,
    format_pareto,
    format_sensitivity,
    pareto_front,
    ranks,
    run_sensitivity,
    save_pareto_chart,
    totals,
)
from planner.criteria import topsis, weighted_sum
from planner.optimise import CentreKind, PlanConstraints

CRITERIA = ("a", "b", "c", "d")
INDUSTRIES = ("ind1", "ind2", "ind3")


# --------------------------------------------------------------------------- fixtures


def _toy(n: int = 40, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Seeded candidates: score matrix, plan-model table and fit (n x 3 industries)."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(0, 1, size=(n, len(CRITERIA)))
    ids = np.arange(1000, 1000 + n)
    iso = np.array(["AAA", "BBB", "CCC", "DDD", "EEE"])[np.arange(n) % 5]
    w0 = np.array([0.4, 0.3, 0.2, 0.1])
    total = s @ w0
    scores = pd.DataFrame({"city_id": ids, "name": [f"city{i}" for i in ids], "iso3": iso})
    for j, c in enumerate(CRITERIA):
        scores[f"score_{c}"] = s[:, j]
    scores["score_total"] = total
    scores["rank"] = ranks(total[:, None])[:, 0]
    plan = pd.DataFrame(
        {
            "city_id": ids,
            "name": scores["name"],
            "iso3": iso,
            "score_total": total,
            "cost_musd": rng.uniform(1, 10, n).round(1),
            "dist_rail_node_km": rng.uniform(0, 300, n),
            "dist_coop_zone_km": rng.uniform(0, 300, n),
            "st_leading": iso == "AAA",
            "political_stability": rng.uniform(-2, 1.5, n),
        }
    )
    fit = rng.uniform(0, 1, size=(n, len(INDUSTRIES)))
    return scores, plan, fit


def _reopt(
    plan: pd.DataFrame, fit: np.ndarray, *, pool: int = 6, **cons: object
) -> PlanReoptimiser:
    constraints = PlanConstraints(**{"n_centres": 4, **cons})  # type: ignore[arg-type]
    return PlanReoptimiser(
        candidates=plan,
        fit=fit,
        industries=INDUSTRIES,
        industry_weights={"ind1": 2.0, "ind2": 1.0, "ind3": 1.0},
        constraints=constraints,
        backend="cbc",
        pool=pool,
    )


RICH = {
    "max_per_country": 1,
    "min_on_rail_lines": 1,
    "rail_node_radius_km": 60.0,
    "min_near_coop_zones": 1,
    "min_st_leading": 1,
    "max_industries_per_centre": 1,
    "every_industry_served": True,
}


@pytest.fixture(scope="module")
def toy() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    return _toy()


def _run(toy, reopt, **kw):  # type: ignore[no-untyped-def]
    scores, _, _ = toy
    base = pd.Series([0.4, 0.3, 0.2, 0.1], index=list(CRITERIA))
    options = {"draws": 12, "seed": 3, "chunk": 5, "method": "weighted_sum", **kw}
    return run_sensitivity(
        scores=scores,
        score_columns=[f"score_{c}" for c in CRITERIA],
        base_weights=base,
        industries=INDUSTRIES,
        reoptimiser=reopt,
        **options,
    )


# --------------------------------------------------------------------------- weights


def test_draws_are_seeded_per_draw_and_sum_to_one() -> None:
    w0 = np.array([0.5, 0.25, 0.15, 0.1])
    a = draw_weights(w0, draws=30, seed=11, concentration=50)
    b = draw_weights(w0, draws=30, seed=11, concentration=50)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    # a slice of draws made elsewhere (another worker) is the same slice
    part = draw_weights(w0, draws=10, seed=11, concentration=50, start=20)
    np.testing.assert_array_equal(part, a[20:30])
    assert not np.array_equal(a, draw_weights(w0, draws=30, seed=12, concentration=50))


def test_dirichlet_mean_and_spread_match_the_stated_law() -> None:
    w0 = np.array([0.5, 0.25, 0.15, 0.1])
    k = 100.0
    w = draw_weights(w0, draws=4000, seed=1, concentration=k)
    sd = np.sqrt(w0 * (1 - w0) / (k + 1))
    # the sample mean lies within 5 standard errors of w0
    assert (np.abs(w.mean(axis=0) - w0) < 5 * sd / np.sqrt(len(w))).all()
    np.testing.assert_allclose(w.std(axis=0), sd, rtol=0.1)


def test_spread_keeps_each_weight_within_its_range() -> None:
    w0 = np.array([0.4, 0.3, 0.2, 0.1, 0.0])
    p = 0.2
    w = draw_weights(w0, draws=500, seed=2, spread=p)
    ratio = w[:, :4] / w0[:4]
    assert (ratio >= (1 - p) / (1 + p) - 1e-12).all()
    assert (ratio <= (1 + p) / (1 - p) + 1e-12).all()
    assert (w[:, 4] == 0).all()  # a criterion without weight keeps none
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_zero_spread_and_infinite_concentration_return_the_weights_exactly() -> None:
    w0 = np.array([0.4, 0.3, 0.2, 0.1])
    for kw in ({"spread": 0.0}, {"concentration": math.inf}):
        w = draw_weights(w0, draws=5, seed=0, **kw)
        assert (w == w0).all()


@pytest.mark.parametrize(
    "kw",
    [{"spread": 1.5}, {"spread": -0.1}, {"concentration": 0}, {"spread": 0.1, "concentration": 5}],
)
def test_bad_draw_settings_are_refused(kw: dict[str, float]) -> None:
    with pytest.raises(PlannerError, match="spread|concentration"):
        draw_weights(np.array([0.5, 0.5]), draws=2, seed=0, **kw)


def test_totals_agree_with_the_criteria_stage() -> None:
    rng = np.random.default_rng(0)
    s = rng.uniform(size=(50, 4))
    w = draw_weights(np.array([0.4, 0.3, 0.2, 0.1]), draws=3, seed=0)
    t = totals(s, w, "weighted_sum")
    tt = totals(s, w, "topsis")
    for d in range(3):
        np.testing.assert_allclose(t[:, d], weighted_sum(s, w[d]))
        np.testing.assert_allclose(tt[:, d], topsis(s, w[d]))
    r = ranks(np.array([[0.5], [0.9], [0.5], [0.1]]))[:, 0]
    assert r.tolist() == [2, 1, 2, 4]


# --------------------------------------------------------------------------- re-optimiser


def _direct(
    plan: pd.DataFrame,
    fit: np.ndarray,
    total: np.ndarray,
    *,
    backend: str = "cbc",
    existing: pd.DataFrame | None = None,
    **cons: object,
) -> float:
    """The plan model on every candidate, straight through solve_plan."""
    from planner.optimise import PlanInputs, solve_plan

    inputs = PlanInputs(
        plan.assign(score_total=total),
        pd.DataFrame(fit, index=plan["city_id"].to_numpy(), columns=list(INDUSTRIES)),
        {"ind1": 2.0, "ind2": 1.0, "ind3": 1.0},
        existing=existing,
    )
    constraints = PlanConstraints(**{"n_centres": 4, **cons})  # type: ignore[arg-type]
    got = solve_plan(inputs, constraints, backend=backend, diagnose=False, assess_binding=False)
    assert got.status == "optimal"
    return float(got.objective)


@pytest.mark.parametrize(("pool", "relaxation_first"), [(0, True), (0, False), (4, False)])
def test_reduced_solves_equal_the_full_model(toy, pool: int, relaxation_first: bool) -> None:  # type: ignore[no-untyped-def]
    # the LP proof, dominance (and, with pool > 0, the stand-in relaxation) must not
    # change the optimum; draws solved in one session (warm starts) neither
    scores, plan, fit = toy
    rich = {**RICH, "max_per_country": 2, "min_political_stability": -1.0}
    reopt = replace(_reopt(plan, fit, pool=pool, **rich), relaxation_first=relaxation_first)
    w = draw_weights(np.array([0.4, 0.3, 0.2, 0.1]), draws=4, seed=5, concentration=5)
    s = scores[[f"score_{c}" for c in CRITERIA]].to_numpy()
    t = totals(s, w, "weighted_sum")
    session = reopt.session()
    for d in range(t.shape[1]):
        got = session.solve(t[:, d])
        assert got.status == "optimal"
        assert got.objective == pytest.approx(_direct(plan, fit, t[:, d], **rich), abs=1e-9)
        assert reopt.solve(t[:, d]).centres == got.centres  # a fresh session agrees
        if relaxation_first:
            assert got.method in ("lp", "lp-branch", "cbc")
        else:
            assert got.method == "cbc"
            assert got.pool < len(plan)  # something was left out of the model


@pytest.mark.parametrize("branch", [True, False])
@pytest.mark.parametrize("backend", ["cbc", "highs", "cpsat", "scip"])
def test_in_process_mip_and_lp_proof_equal_solve_plan(toy, backend: str, branch: bool) -> None:  # type: ignore[no-untyped-def]
    # the LP relaxation of RICH with a budget is fractional: the branch and bound on the
    # warm LP proves the plan, or, without it, the MIP path runs, warm
    scores, plan, fit = toy
    rich = {**RICH, "max_per_country": 2, "budget_musd": 14.0}
    reopt = replace(_reopt(plan, fit, pool=0, **rich), backend=backend)
    w = draw_weights(np.array([0.4, 0.3, 0.2, 0.1]), draws=3, seed=8, concentration=5)
    s = scores[[f"score_{c}" for c in CRITERIA]].to_numpy()
    t = totals(s, w, "weighted_sum")
    session = reopt.session()
    if not branch:
        session.model.branch_nodes = 0
    methods = set()
    for d in range(t.shape[1]):
        got = session.solve(t[:, d])
        methods.add(got.method)
        assert got.status == "optimal"
        direct = _direct(plan, fit, t[:, d], backend=backend, **rich)
        assert got.objective == pytest.approx(direct, abs=1e-6)
    assert ("lp-branch" if branch else backend) in methods


def test_dominance_does_not_swap_in_a_city_too_close_to_a_centre() -> None:
    # a1 and a2 beat a3 on everything, but both lie beside b1 (the best city): the
    # optimum is b1 + a3, which dominance alone (without the separation) would miss
    plan = pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4, 5],
            "name": ["a1", "a2", "a3", "b1", "b2"],
            "iso3": ["AAA", "AAA", "AAA", "BBB", "BBB"],
            "score_total": [0.9, 0.85, 0.5, 0.99, 0.3],
            "cost_musd": 1.0,
            "dist_rail_node_km": np.nan,
            "dist_coop_zone_km": np.nan,
            "st_leading": False,
            "political_stability": 0.0,
            "lon": [10.0, 10.1, 20.0, 10.05, 30.0],
            "lat": [50.0, 50.0, 50.0, 50.05, 50.0],
        }
    )
    reopt = PlanReoptimiser(
        candidates=plan,
        fit=np.full((5, 1), 0.5),
        industries=("ind1",),
        industry_weights={"ind1": 1.0},
        constraints=PlanConstraints(n_centres=2, max_per_country=2, min_separation_km=50.0),
        relaxation_first=False,
    )
    got = reopt.solve(plan["score_total"].to_numpy())
    assert got.status == "optimal"
    assert [plan["name"][c] for c in got.centres] == ["a3", "b1"]


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_dominance_keeps_the_separation(toy, backend: str) -> None:  # type: ignore[no-untyped-def]
    # each country's cities crowd round two hubs ~210 km apart, so a dominating city may
    # sit too close to another centre: dominance must not swap it in
    from planner.optimise import closest_pair, near_points

    scores, plan, fit = toy
    rng = np.random.default_rng(11)
    n = len(plan)
    hub = np.arange(n) % 10  # hub h lies in country h % 5
    sep = plan.assign(lon=10.0 + 3.0 * hub + rng.normal(0, 0.3, n), lat=50 + rng.normal(0, 0.3, n))
    existing = pd.DataFrame(
        {"name": ["E"], "iso3": ["AAA"], "lon": [10.0], "lat": [50.0], "industries": [()]}
    )
    rich = {**RICH, "max_per_country": 2, "min_separation_km": 80.0}
    reopt = replace(
        _reopt(sep, fit, pool=4, **rich), relaxation_first=False, backend=backend, existing=existing
    )
    w = draw_weights(np.array([0.4, 0.3, 0.2, 0.1]), draws=4, seed=5, concentration=5)
    t = totals(scores[[f"score_{c}" for c in CRITERIA]].to_numpy(), w, "weighted_sum")
    session = reopt.session()
    for d in range(t.shape[1]):
        got = session.solve(t[:, d])
        assert got.status == "optimal"
        direct = _direct(sep, fit, t[:, d], backend=backend, existing=existing, **rich)
        assert got.objective == pytest.approx(direct, abs=1e-6)
        assert got.pool < n  # dominance left candidates out
        c = sep.iloc[list(got.centres)]
        lon, lat = c["lon"].to_numpy(), c["lat"].to_numpy()
        assert closest_pair(lon, lat)[0] >= 80.0  # type: ignore[index]
        assert not near_points(lon, lat, existing["lon"], existing["lat"], 80.0).any()


# --------------------------------------------------------------------------- sensitivity


def test_zero_spread_returns_the_scenarios_own_plan_every_draw(toy) -> None:  # type: ignore[no-untyped-def]
    scores, plan, fit = toy
    reopt = _reopt(plan, fit, **RICH)
    result = _run(toy, reopt, spread=0.0)
    own = _reopt(plan, fit, pool=0, **RICH).solve(scores["score_total"].to_numpy())
    assert result.base.centres == own.centres
    assert (result.plans["same_as_base"]).all()
    chosen = result.candidates[result.candidates["chosen_share"] > 0]
    assert set(chosen["city_id"]) == set(result.base_city_ids)
    assert (chosen["chosen_share"] == 1.0).all()
    # the modal centre of every industry is the one serving it in the plan
    assert result.allocation_modal["modal_in_base"].all()
    assert (result.allocation_modal["share"] == 1.0).all()
    # ranks do not move either
    assert (result.candidates["rank_low"] == result.candidates["base_rank"]).all()
    assert (result.candidates["rank_high"] == result.candidates["base_rank"]).all()


def test_topsis_is_recomputed_per_draw(toy) -> None:  # type: ignore[no-untyped-def]
    scores, plan, fit = toy
    reopt = _reopt(plan, fit, max_per_country=1)
    still = _run(toy, reopt, spread=0.0, method="topsis")
    s = scores[[f"score_{c}" for c in CRITERIA]].to_numpy()
    own = reopt.solve(topsis(s, np.array([0.4, 0.3, 0.2, 0.1])))
    assert still.base.centres == own.centres
    assert still.plans["same_as_base"].all()
    moved = _run(toy, reopt, concentration=5.0, method="topsis")
    assert moved.method == "topsis"
    assert not moved.plans["same_as_base"].all()


def test_same_seed_same_result_and_parallel_workers_agree(toy) -> None:  # type: ignore[no-untyped-def]
    _, plan, fit = toy
    reopt = _reopt(plan, fit, max_per_country=1)
    a = _run(toy, reopt, concentration=20.0)
    b = _run(toy, reopt, concentration=20.0, workers=2)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)
    pd.testing.assert_frame_equal(a.plans, b.plans)
    pd.testing.assert_frame_equal(a.allocation, b.allocation)
    pd.testing.assert_frame_equal(a.weights, b.weights)
    assert a.n_with_plan == 12
    assert b.workers == 2


def test_different_seeds_agree_within_sampling_error(toy) -> None:  # type: ignore[no-untyped-def]
    # no side constraint but the cap: each draw solves at once, so the draws stay quick
    _, plan, fit = toy
    reopt = _reopt(plan, fit, max_per_country=2)
    n = 100
    a = _run(toy, reopt, draws=n, seed=1, concentration=30.0, chunk=50)
    b = _run(toy, reopt, draws=n, seed=2, concentration=30.0, chunk=50)
    pa = a.candidates.set_index("city_id")["chosen_share"]
    pb = b.candidates.set_index("city_id")["chosen_share"].reindex(pa.index)
    pooled = (pa + pb) / 2
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    # 4.5 standard errors: over 40 cities a false alarm has odds below 1 in 3,000
    assert ((pa - pb).abs() <= 4.5 * se + 1e-12).all()
    assert (pa > 0).sum() > 4  # the weights did move the plan
    assert not pa.equals(pb)


def test_sensitivity_table_and_csv(toy) -> None:  # type: ignore[no-untyped-def]
    _, plan, fit = toy
    result = _run(toy, _reopt(plan, fit), concentration=10.0)
    text = format_sensitivity(result)
    assert "Weight sensitivity: 12 draws (seed 3; Dirichlet" in text
    assert "Industry allocation" in text
    for name in result.candidates.loc[result.candidates["base_chosen"], "name"]:
        assert name in text
    csv = format_sensitivity(result, fmt="csv")
    back = pd.read_csv(__import__("io").StringIO(csv))
    assert len(back) == len(result.candidates)
    rob = result.robustness()
    assert list(rob.columns) == ["city_id", "chosen_share", "rank_low", "rank_high"]
    assert rob["chosen_share"].between(0, 1).all()
    assert (rob["rank_low"] <= rob["rank_high"]).all()
    with pytest.raises(PlannerError, match="fmt='json'"):
        format_sensitivity(result, fmt="json")  # type: ignore[arg-type]


def test_bad_sensitivity_arguments(toy) -> None:  # type: ignore[no-untyped-def]
    _, plan, fit = toy
    reopt = _reopt(plan, fit)
    with pytest.raises(PlannerError, match="draws=0"):
        _run(toy, reopt, draws=0)
    with pytest.raises(PlannerError, match="workers=0"):
        _run(toy, reopt, workers=0)
    with pytest.raises(PlannerError, match="interval"):
        _run(toy, reopt, interval=(0.9, 0.1))


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_cluster():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


def test_dask_cluster_gives_the_local_result(toy, dask_cluster) -> None:  # type: ignore[no-untyped-def]
    from distributed import Client

    _, plan, fit = toy
    reopt = _reopt(plan, fit, max_per_country=1)
    local = _run(toy, reopt, concentration=20.0)
    by_address = _run(toy, reopt, concentration=20.0, scheduler=dask_cluster.scheduler_address)
    with Client(dask_cluster, set_as_default=False) as client:
        by_client = _run(toy, reopt, concentration=20.0, scheduler=client)
    for other in (by_address, by_client):
        pd.testing.assert_frame_equal(local.candidates, other.candidates)
        pd.testing.assert_frame_equal(local.plans, other.plans)
        pd.testing.assert_frame_equal(local.allocation_modal, other.allocation_modal)
    assert by_address.scheduler == dask_cluster.scheduler_address
    assert by_client.scheduler == dask_cluster.scheduler_address


def test_unreachable_scheduler_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.analysis import _sweep, run_sweep

    monkeypatch.setattr(_sweep, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(PlannerError, match="Cannot reach the Dask scheduler"):
        run_sweep(_double, None, [1, 2], scheduler="tcp://127.0.0.1:9")


def _double(state: object, item: int) -> int:
    return 2 * item


def test_sweep_keeps_item_order() -> None:
    from planner.analysis import run_sweep

    assert run_sweep(_double, None, list(range(7)), workers=2) == [2 * i for i in range(7)]


# --------------------------------------------------------------------------- Pareto


def _pareto_toy() -> tuple[PlanReoptimiser, np.ndarray]:
    # one centre; no fit: the objective is the score. D (0.4, 3) is dominated by C (0.5, 2).
    plan = pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4],
            "name": ["A", "B", "C", "D"],
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "score_total": [0.9, 0.7, 0.5, 0.4],
            "cost_musd": [10.0, 5.0, 2.0, 3.0],
            "dist_rail_node_km": np.nan,
            "dist_coop_zone_km": np.nan,
            "st_leading": False,
            "political_stability": [-1.5, 0.0, 1.0, 1.2],
        }
    )
    reopt = PlanReoptimiser(
        candidates=plan,
        fit=np.zeros((4, 1)),
        industries=("ind1",),
        industry_weights={"ind1": 1.0},
        constraints=PlanConstraints(n_centres=1),
        pool=0,
    )
    return reopt, plan["cost_musd"].to_numpy()


def test_pareto_front_by_hand(tmp_path: Path) -> None:
    reopt, cost = _pareto_toy()
    front = pareto_front(reopt, cost=cost, points=5)
    t = front.table
    assert t["eps_cost"].tolist() == [10.0, 8.0, 6.0, 4.0, 2.0]
    assert t["centres"].tolist() == ["A", "B", "B", "C", "C"]
    eff = front.efficient
    assert list(zip(eff["cost"], eff["suitability"])) == [(2.0, 0.5), (5.0, 0.7), (10.0, 0.9)]
    text = format_pareto(front)
    assert "3 efficient" in text and "MUSD" in text
    png = save_pareto_chart(front, tmp_path / "front.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pareto_with_risk_marks_only_non_dominated_points() -> None:
    reopt, cost = _pareto_toy()
    front = pareto_front(reopt, cost=cost, objectives="suitability,cost,risk", points=3)
    t = front.table
    assert len(t) == 9
    eff = t[t["efficient"]]
    # D (cost 3, stability 1.2) is now efficient: the safest host
    assert {"A", "B", "C", "D"} == set(eff["centres"])
    v = eff[["suitability", "cost", "risk"]].to_numpy()
    for i in range(len(v)):
        better = (v[:, 0] >= v[i, 0]) & (v[:, 1] <= v[i, 1]) & (v[:, 2] <= v[i, 2])
        strictly = (v[:, 0] > v[i, 0]) | (v[:, 1] < v[i, 1]) | (v[:, 2] < v[i, 2])
        assert not (better & strictly).any()
    with pytest.raises(PlannerError, match="objectives="):
        pareto_front(reopt, cost=cost, objectives="cost,risk")


def test_pareto_with_kinds_lists_each_centres_kind_and_the_count_per_kind() -> None:
    # Z1, Z2 lie beside a home zone; S1, S2, S3 are in leading countries. One zone centre
    # and two sourcing centres; the cheap Z2 and S3 enter as the budget tightens.
    plan = pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4, 5],
            "name": ["Z1", "Z2", "S1", "S2", "S3"],
            "iso3": ["AAA", "BBB", "CCC", "DDD", "EEE"],
            "score_total": [0.6, 0.5, 0.9, 0.8, 0.4],
            "cost_musd": [5.0, 1.0, 5.0, 5.0, 1.0],
            "dist_rail_node_km": np.nan,
            "dist_coop_zone_km": [10.0, 20, 900, 900, 900],
            "dist_home_coop_zone_km": [10.0, 20, 900, 900, 900],
            "st_leading": [False, False, True, True, True],
            "political_stability": 0.5,
            "kind_score_zone": [0.9, 0.7, 0.1, 0.1, 0.1],
            "kind_score_st": [0.1, 0.1, 0.9, 0.8, 0.5],
            "lon": [0.0, 10, 20, 30, 40],
            "lat": 0.0,
        }
    )
    zone = CentreKind("zone", "Zone upgrading", min_centres=1, max_centres=1, home_zone_km=100)
    st = CentreKind("st", "S&T sourcing", min_centres=2, max_centres=2, st_leading=True)
    reopt = PlanReoptimiser(
        candidates=plan,
        fit=np.zeros((5, 1)),
        industries=("ind1",),
        industry_weights={"ind1": 1.0},
        constraints=PlanConstraints(n_centres=3, kinds=(zone, st)),
        pool=0,
    )
    front = pareto_front(reopt, cost=plan["cost_musd"].to_numpy(), points=3)
    t = front.table
    assert front.kinds == (("zone", "Zone upgrading"), ("st", "S&T sourcing"))
    top = t.iloc[0]
    assert top["centres"] == "Z1; S1; S2" and top["kinds"] == "zone; st; st"
    assert (top["n_zone"], top["n_st"]) == (1, 2)
    cheap = t.iloc[-1]  # 7 MUSD: Z2 and S3 with one of S1, S2
    assert dict(zip(cheap["centres"].split("; "), cheap["kinds"].split("; "))) == {
        "Z2": "zone", "S1": "st", "S3": "st"
    }  # fmt: skip
    assert set(front.allocation["kind"]) <= {"zone", "st"}
    text = format_pareto(front)
    assert "zone = Zone upgrading; st = S&T sourcing" in text
    assert "n_zone" in text and "n_st" in text
    assert "point 0: zone: Z1; st: S1, S2" in text
    csv = format_pareto(front, fmt="csv")
    assert csv.splitlines()[0].split(",")[-4:] == ["kinds", "n_zone", "n_st", "efficient"]
    # without kinds the table reads as before
    plain = pareto_front(_pareto_toy()[0], cost=_pareto_toy()[1], points=3)
    assert "kinds" not in plain.table.columns and plain.kinds == ()
    assert "kind" not in plain.allocation.columns
    assert "Kinds of centre" not in format_pareto(plain)


# --------------------------------------------------------------------------- compare


def _write_run(
    folder: Path,
    *,
    status: str,
    objective: float,
    centres: list[tuple],
    binds: dict,
    limit: float = 2,
    kinds: list[str] | None = None,
) -> Path:
    folder.mkdir()
    run = {
        "planner_run": 1,
        "scenario": {"name": folder.name},
        "status": status,
        "objective": objective,
        "bound": objective,
        "gap": 0.0,
        "backend": "cbc",
        "constraints": [
            {"name": k, "limit": limit, "slack": 0 if v else 1, "active": v, "binds": v}
            for k, v in binds.items()
        ],
    }
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    plan = pd.DataFrame(
        centres, columns=["city_id", "name", "iso3", "score_total", "rank", "industries"]
    )
    if kinds is not None:
        names = {"zone": "Zone upgrading", "st": "S&T sourcing"}
        plan = plan.assign(kind=kinds, kind_name=[names[k] for k in kinds])
    plan.to_csv(folder / "plan.csv", index=False)
    cand = pd.DataFrame(
        [
            (1, "Seoul", 0.8, 1),
            (2, "Singapore", 0.7, 2),
            (3, "London", 0.6, 3),
            (4, "Essen", 0.5, 4),
        ],
        columns=["city_id", "name", "score_total", "rank"],
    )
    cand.to_csv(folder / "candidates.csv", index=False)
    return folder


def test_compare_runs(tmp_path: Path) -> None:
    a = _write_run(
        tmp_path / "a",
        status="optimal",
        objective=7.0,
        centres=[(1, "Seoul", "KOR", 0.8, 1, "it; bio"), (2, "Singapore", "SGP", 0.7, 2, "ai")],
        binds={"n_centres": True, "max_per_country": True, "min_st_leading": False},
    )
    b = _write_run(
        tmp_path / "b",
        status="optimal",
        objective=6.5,
        centres=[(1, "Seoul", "KOR", 0.8, 1, "it"), (3, "London", "GBR", 0.6, 3, "bio; ai")],
        binds={"n_centres": True, "max_per_country": False, "min_on_rail_lines": True},
        limit=3,
    )
    c = compare_runs(a, b)
    assert c.kept == (1,) and c.removed == (2,) and c.added == (3,)
    assert not c.same_plan
    row = c.centres.set_index("city_id")
    assert row.loc[3, "rank_a"] == 3  # from A's candidates.csv
    assert row.loc[2, "score_b"] == 0.7
    change = c.constraints.set_index("name")["change"]
    assert change["n_centres"] == "binds in both"
    assert change["max_per_country"] == "binds in A only"
    assert change["min_st_leading"] == "only in A"
    assert change["min_on_rail_lines"] == "only in B"
    assert c.total_score_a == pytest.approx(1.5) and c.total_score_b == pytest.approx(1.4)
    text = format_comparison(c)
    assert "1 kept, 1 in, 1 out" in text
    assert "7.0000 -> 6.5000 (-0.5000)" in text
    assert "Seoul: it; bio -> it" in text
    assert "max_per_country" in text and "binds in A only" in text
    assert "Limit of n_centres changed: 2 -> 3" in text
    same = compare_runs(a, a)
    assert same.same_plan and "(the same plan)" in format_comparison(same)


def test_compare_runs_with_kinds_reports_centres_kinds_and_a_change_of_kind(
    tmp_path: Path,
) -> None:
    a = _write_run(
        tmp_path / "a",
        status="optimal",
        objective=7.0,
        centres=[
            (1, "Seoul", "KOR", 0.8, 1, "it"),
            (2, "Singapore", "SGP", 0.7, 2, "ai"),
            (4, "Essen", "DEU", 0.5, 4, "bio"),
        ],
        binds={},
        kinds=["st", "st", "zone"],
    )
    b = _write_run(
        tmp_path / "b",
        status="optimal",
        objective=6.5,
        centres=[
            (1, "Seoul", "KOR", 0.8, 1, "it"),
            (2, "Singapore", "SGP", 0.7, 2, "ai"),
            (3, "London", "GBR", 0.6, 3, "bio"),
        ],
        binds={},
        kinds=["st", "zone", "st"],
    )
    c = compare_runs(a, b)
    row = c.centres.set_index("city_id")
    assert row.loc[1, "change"] == "kept"
    assert row.loc[2, "change"] == "kind changed"
    assert (row.loc[2, "kind_a"], row.loc[2, "kind_b"]) == ("st", "zone")
    assert (row.loc[4, "change"], row.loc[4, "kind_a"]) == ("out", "zone")
    assert (row.loc[3, "change"], row.loc[3, "kind_b"]) == ("in", "st")
    assert c.kept == (1,) and c.kind_changed == (2,) and not c.same_plan
    text = format_comparison(c)
    assert "1 kept, 1 in, 1 out, 1 changed kind" in text
    assert "st = S&T sourcing; zone = Zone upgrading" in text
    lines = {ln.split()[1]: ln for ln in text.splitlines() if ln.split()[:1] in (["in"], ["out"])}
    assert "st" in lines["London"].split() and "zone" in lines["Essen"].split()
    assert any("Singapore" in ln and "st -> zone" in ln for ln in text.splitlines())
    # the same centres as other kinds is not the same plan
    assert not compare_runs(a, b).same_plan and compare_runs(a, a).same_plan
    # a run without kinds: no kind column, no change of kind
    plain = _write_run(
        tmp_path / "plain",
        status="optimal",
        objective=7.0,
        centres=[(1, "Seoul", "KOR", 0.8, 1, "it"), (2, "Singapore", "SGP", 0.7, 2, "ai")],
        binds={},
    )
    mixed = compare_runs(plain, b)
    assert "kind changed" not in set(mixed.centres["change"])
    assert "Kinds of centre" not in format_comparison(compare_runs(plain, plain))


def test_compare_refuses_a_folder_without_run_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PlannerError, match="has no run.json"):
        compare_runs(tmp_path / "empty", tmp_path / "empty")
    with pytest.raises(PlannerError, match="does not exist"):
        compare_runs(tmp_path / "nowhere", tmp_path / "empty")


# --------------------------------------------------------------------------- real scenario


@pytest.mark.slow
def test_zero_spread_on_the_default_scenario_returns_its_plan() -> None:
    from planner.analysis import format_sensitivity, sensitivity
    from planner.optimise import solve_plan
    from planner.pipeline import plan_constraints, plan_inputs, prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(None))
    own = solve_plan(
        plan_inputs(prepared),
        plan_constraints(prepared.scenario),  # its kinds of centre included
        backend="cbc",
        assess_binding=False,
    )
    result = sensitivity(prepared, draws=2, seed=0, spread=0.0)
    assert set(result.base_city_ids) == set(own.centres["city_id"].astype(int))
    # the report says which kind each of the plan's centres is of
    base = result.candidates[result.candidates["base_chosen"]]
    assert dict(zip(base["city_id"], base["base_kind"])) == dict(
        zip(own.centres["city_id"].astype(int), own.centres["kind"])
    )
    assert "zone upgrading" in format_sensitivity(result)
    assert result.plans["same_as_base"].all()
    assert result.plans["objective"].to_numpy() == pytest.approx(own.objective, abs=1e-9)


# --------------------------------------------------------------------------- settings, charts


def test_analysis_settings_are_validated() -> None:
    from planner._errors import ScenarioError
    from planner.analysis import analysis_settings_from_mapping

    got = analysis_settings_from_mapping(
        {"draws": 200, "seed": 4, "spread": 0.2, "scheduler": "tcp://10.0.0.5:8786"}
    )
    assert (got.draws, got.seed, got.spread, got.scheduler) == (200, 4, 0.2, "tcp://10.0.0.5:8786")
    assert analysis_settings_from_mapping(None).draws == 1000
    with pytest.raises(ScenarioError) as err:
        analysis_settings_from_mapping(
            {"draws": 0, "spread": "wide", "scheduler": "here", "colour": 1}
        )
    text = str(err.value)
    for piece in ("analysis.draws = 0", "analysis.spread = 'wide'", "'here'", "analysis.colour"):
        assert piece in text
    with pytest.raises(ScenarioError, match="both concentration and spread"):
        analysis_settings_from_mapping({"concentration": 50, "spread": 0.1})


def test_robustness_chart_is_a_png(toy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.analysis import save_robustness_chart

    _, plan, fit = toy
    result = _run(toy, _reopt(plan, fit), concentration=10.0)
    png = save_robustness_chart(result, tmp_path / "robustness.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
