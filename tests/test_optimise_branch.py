"""The in-process branch and bound on the warm LP, and the plan model solved on a working
set of candidates with a duality proof for the rest (optimise/_branch.py, _restricted.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from planner.optimise import CentreKind, PlanConstraints, PlanInputs, build_plan_model
from planner.optimise._backends import HighsSession
from planner.optimise._branch import branch_and_bound
from planner.optimise._lp import LinearModel


def knapsack(n: int, seed: int) -> LinearModel:
    """max v.x subject to two knapsack rows and one cardinality row, x binary."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(1, 10, (2, n))
    A = sp.csr_matrix(np.vstack([w, np.ones(n)]))
    return LinearModel(
        c=rng.uniform(1, 10, n),
        lb=np.zeros(n),
        ub=np.ones(n),
        integer=np.ones(n, dtype=bool),
        A=A,
        row_lb=np.array([-np.inf, -np.inf, 2.0]),
        row_ub=np.r_[w.sum(axis=1) * 0.35, n - 2.0],
        sense="max",
    )


def brute_force(model: LinearModel) -> float:
    best = -np.inf
    for bits in itertools.product((0.0, 1.0), repeat=model.n_vars):
        x = np.array(bits)
        act = model.row_activity(x)
        if (act >= model.row_lb - 1e-9).all() and (act <= model.row_ub + 1e-9).all():
            best = max(best, model.objective_of(x))
    return best


def test_branching_proves_the_optimum_of_small_knapsacks() -> None:
    branched = 0
    for seed in range(8):
        model = knapsack(12, seed)
        session = HighsSession(model, integer=False)
        found = branch_and_bound(session, model, node_limit=10_000)
        assert found.proof is not None and found.proof.status == "optimal"
        assert found.proof.objective == pytest.approx(brute_force(model), abs=1e-9)
        assert found.proof.bound == found.proof.objective and found.proof.gap == 0.0
        x = found.proof.x
        assert np.array_equal(x, np.round(x))
        branched += found.nodes > 0
    assert branched >= 6  # the relaxations were fractional: the proof needed branching


def test_a_node_limit_gives_no_proof_only_an_incumbent() -> None:
    model = knapsack(12, 1)
    session = HighsSession(model, integer=False)
    found = branch_and_bound(session, model, node_limit=1)
    assert found.proof is None
    assert found.nodes == 1
    if found.incumbent is not None:  # an integral point, never called optimal
        assert found.incumbent_value <= brute_force(model) + 1e-9


def test_a_feasible_start_prunes_and_an_infeasible_one_is_ignored() -> None:
    model = knapsack(12, 2)
    best = brute_force(model)
    cold = branch_and_bound(HighsSession(model, integer=False), model, node_limit=10_000)
    assert cold.proof is not None
    warm = branch_and_bound(
        HighsSession(model, integer=False), model, start=cold.proof.x, node_limit=10_000
    )
    assert warm.proof is not None and warm.proof.objective == pytest.approx(best, abs=1e-9)
    assert warm.nodes <= cold.nodes
    bad = branch_and_bound(
        HighsSession(model, integer=False), model, start=np.ones(12), node_limit=10_000
    )
    assert bad.proof is not None and bad.proof.objective == pytest.approx(best, abs=1e-9)


def test_an_integer_infeasible_model_with_a_feasible_relaxation_is_proven_infeasible() -> None:
    # 2 x1 + 2 x2 = 1 has x = (0.5, 0) in the relaxation and no 0-1 solution
    model = LinearModel(
        c=np.array([1.0, 1.0]),
        lb=np.zeros(2),
        ub=np.ones(2),
        integer=np.ones(2, dtype=bool),
        A=sp.csr_matrix(np.array([[2.0, 2.0]])),
        row_lb=np.array([1.0]),
        row_ub=np.array([1.0]),
        sense="max",
    )
    found = branch_and_bound(HighsSession(model, integer=False), model, node_limit=100)
    assert found.proof is not None and found.proof.status == "infeasible"
    assert found.proof.x is None


# ------------------------------------------------------------------ the working set


def kinds_instance(n: int, seed: int) -> tuple[PlanInputs, PlanConstraints]:
    """A plan with two kinds of centre, focused industries, separation and country caps."""
    rng = np.random.default_rng(seed)
    k = 5
    cand = pd.DataFrame(
        {
            "city_id": np.arange(n) + 1000,
            "name": [f"c{i}" for i in range(n)],
            "iso3": [f"X{c:02d}" for c in rng.integers(0, 40, n)],
            "score_total": rng.random(n),
            "cost_musd": rng.uniform(1, 20, n),
            "dist_rail_node_km": rng.exponential(300, n),
            "dist_coop_zone_km": rng.exponential(300, n),
            "dist_home_coop_zone_km": rng.exponential(600, n),
            "st_leading": rng.random(n) < 0.4,
            "political_stability": rng.normal(0, 1, n),
            "access": rng.random(n),
            "kind_score_zone": rng.random(n),
            "kind_score_st": rng.random(n),
            "lon": rng.uniform(-20, 140, n),
            "lat": rng.uniform(-30, 60, n),
        }
    )
    fit = pd.DataFrame(
        np.round(rng.random((n, k)), 3), index=cand["city_id"], columns=[f"k{i}" for i in range(k)]
    )
    inputs = PlanInputs(cand, fit, {f"k{i}": float(i + 1) for i in range(k)})
    kinds = (
        CentreKind("zone", "Zone upgrading", min_centres=2, max_centres=3, home_zone_km=400),
        CentreKind("st", "S&T sourcing", min_centres=4, max_centres=5, st_leading=True),
    )
    cons = PlanConstraints(
        n_new=7,
        max_per_country=1,
        min_separation_km=300,
        max_industries_per_centre=2,
        max_centres_per_industry=3,
        repeat_service_value=0.25,
        kinds=kinds,
    )
    return inputs, cons


def test_solves_on_a_working_set_equal_the_full_mip() -> None:
    inputs, cons = kinds_instance(400, 7)
    fast = build_plan_model(inputs, cons, backend="highs")
    full = build_plan_model(inputs, cons, backend="highs")
    rng = np.random.default_rng(3)
    s0 = inputs.candidates["score_total"].to_numpy()
    previous = None
    smaller = 0
    for _ in range(6):
        s = np.clip(s0 * rng.normal(1.0, 0.1, s0.size), 0.0, 1.0)
        got = fast.solve(s, start=previous)
        ref = full.solve(s, relaxation_first=False)
        assert ref.status == got.status == "optimal", (got.message, ref.message)
        assert got.method in ("lp", "lp-branch")
        assert got.objective == pytest.approx(ref.objective, abs=1e-7)
        assert got.centres == ref.centres and got.kinds == ref.kinds
        assert got.bound == got.objective and got.gap == 0.0
        smaller += fast.last_search.working < 400
        previous = got
    assert smaller >= 5  # the proof covered the candidates left out of the working set


def test_without_branching_the_backend_solves_what_the_relaxation_leaves() -> None:
    inputs, cons = kinds_instance(150, 2)
    model = build_plan_model(inputs, cons, backend="highs")
    model.branch_nodes = 0
    got = model.solve()
    assert got.method in ("lp", "highs") and got.status == "optimal"
    ref = build_plan_model(inputs, cons, backend="highs").solve(relaxation_first=False)
    assert got.objective == pytest.approx(ref.objective, abs=1e-7)


def test_the_pricing_bound_is_above_what_a_candidate_could_add() -> None:
    """B_c bounds the reduced profit of opening c: check it against the exact block LP (the
    candidate's own rows, y_c = 1) for every candidate outside the working set."""
    inputs, cons = kinds_instance(120, 5)
    model = build_plan_model(inputs, cons, backend="highs")
    model.solve()
    solver = model._restricted()
    full = model._model_for(model._s0, None)
    sub = solver._sub_for(full)
    session = HighsSession(sub, integer=False)
    status, _, _, _ = session.solve_lp(sub)
    assert status == "optimal"
    pi_rows, _ = session.duals()
    bound = solver.bounds(full, pi_rows)
    pi = np.zeros(full.n_rows)
    pi[solver._rows] = pi_rows
    d = full.c - full.A.T @ pi
    owner = solver._owner
    A = full.A.tocsr()
    row_owners = [
        np.unique(owner[A.indices[A.indptr[r] : A.indptr[r + 1]]]) for r in range(A.shape[0])
    ]
    checked = 0
    for c in np.flatnonzero(~solver.working)[:25]:
        cols = np.flatnonzero(owner == c)
        own = [r for r, o in enumerate(row_owners) if o.size == 1 and o[0] == c]
        lb, ub = full.lb[cols].copy(), full.ub[cols].copy()
        y = np.flatnonzero(cols == model._pm.y[c])[0]
        if ub[y] <= 0:
            continue
        lb[y] = ub[y] = 1.0
        rows = A[own][:, cols].toarray()
        hi, lo = full.row_ub[own], full.row_lb[own]
        res = linprog(
            -d[cols],
            A_ub=np.vstack([rows[np.isfinite(hi)], -rows[np.isfinite(lo)]]),
            b_ub=np.r_[hi[np.isfinite(hi)], -lo[np.isfinite(lo)]],
            bounds=list(zip(lb, ub)),
            method="highs",
        )
        if res.status == 2:  # the candidate cannot open (no kind it is eligible for)
            assert bound[c] == -np.inf
            continue
        assert res.status == 0
        assert bound[c] >= -res.fun - 1e-9
        checked += 1
    assert checked >= 10


def test_a_closed_candidate_never_enters_the_working_set() -> None:
    inputs, cons = kinds_instance(200, 9)
    model = build_plan_model(inputs, cons, backend="highs")
    first = model.solve()
    closed = np.zeros(200, dtype=bool)
    closed[list(first.centres)[:2]] = True
    again = model.solve(closed=closed)
    assert again.status == "optimal"
    assert not set(again.centres) & set(np.flatnonzero(closed))
    assert not (model.last_search and model._restricted().working[closed].any())
    ref = build_plan_model(inputs, replace(cons), backend="highs").solve(
        closed=closed, relaxation_first=False
    )
    assert again.objective == pytest.approx(ref.objective, abs=1e-7)
