"""Generic location-allocation models: toy cases by hand, backend agreement, published optima."""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import shortest_path

from planner._errors import InfeasibleError, SolverError
from planner.optimise import (
    BACKENDS,
    ModelInputError,
    greedy_interchange,
    solve_facility_location,
    solve_max_coverage,
    solve_p_center,
    solve_p_median,
    solve_set_cover,
)

# ../shared beside the repository root; the tests below skip with a message without it
BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"

# four points on a line: 0, 1, 10, 11
LINE = np.abs(np.subtract.outer([0.0, 1.0, 10.0, 11.0], [0.0, 1.0, 10.0, 11.0]))


def random_matrix(n: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.random((n, 2)) * 100
    b = rng.random((m, 2)) * 100
    return np.round(np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)))


# --------------------------------------------------------------------------- toy cases


@pytest.mark.parametrize("backend", BACKENDS)
def test_p_median_line_by_hand(backend: str) -> None:
    # weights pull the medians onto points 1 and 3: cost 1*1 + 1*1 = 2
    sol = solve_p_median(LINE, 2, weights=[1, 5, 1, 5], backend=backend)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(2.0)
    assert sol.open == (1, 3)
    assert sol.assignment == (1, 1, 3, 3)
    assert sol.gap == 0.0
    assert sol.bound == pytest.approx(2.0)
    assert sol.backend == backend


def test_p_median_required_and_excluded() -> None:
    sol = solve_p_median(LINE, 2, weights=[1, 5, 1, 5], required=[0], excluded=[3])
    # 0 forced open, 3 closed: the second median is 2 (points 1 and 3: 5*1 + 5*1 = 10)
    assert sol.open == (0, 2)
    assert sol.objective == pytest.approx(10.0)


def test_p_median_dataframe_labels() -> None:
    df = pd.DataFrame(LINE, columns=["a", "b", "c", "d"])
    sol = solve_p_median(df, 2, weights=[1, 5, 1, 5], excluded=["d"])
    assert sol.open == (1, 2)


def test_p_median_refuses_impossible_models() -> None:
    with pytest.raises(InfeasibleError, match=r"only 2 of 4 sites are allowed"):
        solve_p_median(LINE, 3, excluded=[0, 1])
    with pytest.raises(InfeasibleError, match=r"3 required sites exceed p=2"):
        solve_p_median(LINE, 2, required=[0, 1, 2])
    with pytest.raises(InfeasibleError, match="both required and excluded"):
        solve_p_median(LINE, 2, required=[0], excluded=[0])
    with pytest.raises(ModelInputError, match="NaN"):
        solve_p_median(np.array([[0.0, np.nan]]), 1)
    with pytest.raises(ModelInputError, match="p=0"):
        solve_p_median(LINE, 0)
    with pytest.raises(SolverError, match="gurobi"):
        solve_p_median(LINE, 1, backend="gurobi")


@pytest.mark.parametrize("backend", BACKENDS)
def test_p_center_by_hand(backend: str) -> None:
    pts = np.array([0.0, 4.0, 10.0])
    D = np.abs(np.subtract.outer(pts, pts))
    sol = solve_p_center(D, 1, backend=backend)
    assert sol.status == "optimal"
    assert sol.open == (1,)
    assert sol.objective == pytest.approx(6.0)
    two = solve_p_center(LINE, 2, backend=backend)
    assert two.objective == pytest.approx(1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_coverage_by_hand(backend: str) -> None:
    # radius 1: one site covers {0, 1} (weight 3) or {2, 3} (weight 9)
    sol = solve_max_coverage(LINE, 1.0, 1, weights=[1, 2, 4, 5], backend=backend)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(9.0)
    assert sol.covered == (2, 3)
    assert sol.assignment[:2] == (-1, -1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_set_cover_by_hand(backend: str) -> None:
    sol = solve_set_cover(LINE, 1.0, backend=backend)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(2.0)
    assert len(sol.open) == 2
    # site costs make the choice unique: 1 and 2 are cheap
    cheap = solve_set_cover(LINE, 1.0, site_cost=[3, 1, 1, 3], backend=backend)
    assert cheap.open == (1, 2)


def test_set_cover_refuses_uncoverable_points() -> None:
    with pytest.raises(InfeasibleError, match=r"rows \[2, 3\]"):
        solve_set_cover(LINE, 1.0, excluded=[2, 3])


@pytest.mark.parametrize("backend", ["cbc", "highs", "scip"])
def test_capacitated_facility_location_by_hand(backend: str) -> None:
    # two customers of demand 6 and 5; site 0 is free to serve from but holds only 8
    cost = np.array([[0.0, 18.0], [0.0, 10.0]])
    sol = solve_facility_location(
        cost, [1.0, 1.0], capacity=[8.0, 20.0], demand=[6.0, 5.0], backend=backend
    )
    assert sol.status == "optimal"
    # customer 0 saves 3 per unit at site 0, customer 1 saves 2: customer 0 all at site 0
    # (6 units), customer 1 puts 2 of its 5 units there and 3/5 at site 1 (cost 6)
    assert sol.objective == pytest.approx(1 + 1 + 10 * 3 / 5)
    assert sol.open == (0, 1)
    single = solve_facility_location(
        cost,
        [1.0, 1.0],
        capacity=[8.0, 20.0],
        demand=[6.0, 5.0],
        single_source=True,
        backend=backend,
    )
    assert single.objective == pytest.approx(1 + 1 + 10)
    assert single.assignment == (0, 1)


def test_uncapacitated_facility_location_by_hand() -> None:
    cost = np.array([[1.0, 5.0], [5.0, 1.0], [1.0, 5.0]])
    cheap = solve_facility_location(cost, [1.0, 1.0])
    assert cheap.open == (0, 1)
    assert cheap.objective == pytest.approx(5.0)
    dear = solve_facility_location(cost, [1.0, 10.0])
    assert dear.open == (0,)
    assert dear.objective == pytest.approx(1 + 1 + 5 + 1)


def test_facility_location_refuses_short_capacity_with_numbers() -> None:
    with pytest.raises(InfeasibleError, match=r"hold 9 in total, below the total demand of 11"):
        solve_facility_location(np.zeros((2, 2)), [1, 1], capacity=[4, 5], demand=[6, 5])
    with pytest.raises(InfeasibleError, match=r"demand point 0 needs 6"):
        solve_facility_location(
            np.zeros((2, 2)), [1, 1], capacity=[5, 5], demand=[6, 4], single_source=True
        )
    with pytest.raises(InfeasibleError, match="the 1 largest"):
        solve_facility_location(np.zeros((2, 2)), [1, 1], capacity=[5, 5], demand=[3, 4], p=1)


def test_cpsat_refuses_continuous_shares() -> None:
    with pytest.raises(SolverError, match="continuous"):
        solve_facility_location(LINE, np.ones(4), backend="cpsat")


def test_cpsat_states_the_objective_scaling() -> None:
    # without the start, the model reaches CP-SAT (the Lagrangian bound proves this one alone)
    sol = solve_p_median(
        LINE / 10.0, 2, weights=[1, 5, 1, 5], backend="cpsat", heuristic_start=False
    )
    assert sol.objective == pytest.approx(0.2)
    assert sol.objective_scale == 10.0
    assert "scaled by 10" in sol.message


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("seed", [1, 2])
def test_backends_agree_on_random_instances(seed: int) -> None:
    C = random_matrix(30, 25, seed)
    w = np.random.default_rng(seed).integers(1, 10, 30)
    results: dict[str, list[float]] = {}
    for backend in BACKENDS:
        sols = [
            solve_p_median(C, 4, weights=w, backend=backend),
            solve_p_center(C, 3, backend=backend),
            solve_max_coverage(C, 20.0, 3, weights=w, backend=backend),
            solve_set_cover(C, 45.0, backend=backend),
            solve_facility_location(
                C * 10,
                np.full(25, 300.0),
                capacity=np.full(25, 40.0),
                demand=w,
                single_source=True,
                backend=backend,
            ),
        ]
        assert all(s.status == "optimal" for s in sols), [s.status_line() for s in sols]
        results[backend] = [s.objective for s in sols]
    ref = results["cbc"]
    for backend, objs in results.items():
        assert objs == pytest.approx(ref, rel=1e-9), backend


def test_p_median_without_heuristic_start_agrees() -> None:
    C = random_matrix(40, 40, 3)
    a = solve_p_median(C, 3, backend="highs")
    b = solve_p_median(C, 3, backend="highs", heuristic_start=False)
    assert a.objective == pytest.approx(b.objective)
    assert a.heuristic_objective is not None and b.heuristic_objective is None
    assert a.heuristic_objective >= a.objective


def test_greedy_interchange_keeps_fixed_sites() -> None:
    C = random_matrix(50, 50, 4)
    open_ = greedy_interchange(C, 5, fixed=[7])
    assert 7 in open_ and open_.size == 5


# --------------------------------------------------------------------------- time limit


def graph_distances(n: int, seed: int, *, extra: int | None = None) -> np.ndarray:
    """Shortest paths on a random connected sparse graph (a random spanning tree plus
    ``extra`` random edges, n^2/50 unless given; lengths 1..100)."""
    rng = np.random.default_rng(seed)
    k = n * n // 50 if extra is None else extra
    perm = rng.permutation(n)
    u = np.r_[perm[1:], rng.integers(0, n, k)]
    v = np.r_[perm[(rng.random(n - 1) * np.arange(1, n)).astype(int)], rng.integers(0, n, k)]
    W = np.full((n, n), np.inf)
    W[u, v] = rng.integers(1, 101, u.size)
    np.fill_diagonal(W, 0.0)
    return shortest_path(W, directed=False)


def test_time_limited_run_is_feasible_with_a_gap() -> None:
    # n = 300, p = 5 on a sparse graph: the Lagrangian bound leaves a gap, and CBC needs
    # well over the limit to close it
    D = graph_distances(300, 5)
    sol = solve_p_median(D, 5, backend="cbc", time_limit_s=2.0)
    assert sol.status == "feasible", sol.status_line()
    assert math.isfinite(sol.objective) and math.isfinite(sol.bound)
    assert sol.bound < sol.objective
    assert sol.gap == pytest.approx((sol.objective - sol.bound) / sol.objective)
    assert sol.gap > 0
    # the limit covers the heuristic, the Lagrangian and the level refinement
    assert sol.build_time_s + sol.solve_time_s < 2.0 + 3.0


# --------------------------------------------------------------------------- Lagrangian fixing


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_p_median_reduction_agrees_with_the_full_model(seed: int) -> None:
    # integral costs (the "at least 1 cheaper" threshold) and fractional ones, weights,
    # required and excluded sites: the reduced model must find the full model's optimum
    rng = np.random.default_rng(seed)
    C = random_matrix(70, 60, seed)
    w = rng.integers(1, 6, 70)
    for cost in (C, C + rng.random(C.shape)):
        for kw in ({}, {"weights": w, "required": [3], "excluded": [5, 8, 13]}):
            full = solve_p_median(cost, 4, heuristic_start=False, **kw)
            fast = solve_p_median(cost, 4, **kw)
            assert full.status == fast.status == "optimal"
            assert fast.objective == pytest.approx(full.objective, rel=1e-12)
            assert fast.bound == pytest.approx(fast.objective, rel=1e-9)
            assert 3 in fast.open or "required" not in kw
            assert not {5, 8, 13} & set(fast.open) or "excluded" not in kw


@functools.cache
def full_model_optimum(n: int, seed: int, p: int) -> float:
    sol = solve_p_median(graph_distances(n, seed), p, backend="cbc", heuristic_start=False)
    assert sol.status == "optimal"
    return sol.objective


@pytest.mark.parametrize(("seed", "backend"), [(1, "cbc"), (29, "cbc"), (1, "highs"), (1, "cpsat")])
def test_p_median_reduced_costs_fix_sites_closed(seed: int, backend: str) -> None:
    # sparse graphs on which the Lagrangian bound leaves a gap: fixing, then a solved model
    D = graph_distances(100, seed)
    sol = solve_p_median(D, 5, backend=backend)
    assert sol.status == "optimal"
    assert sol.objective == full_model_optimum(100, seed, 5)
    kept = re.search(r"kept (\d+) of 100 sites", sol.message)
    assert kept is not None, sol.message
    assert 5 <= int(kept[1]) < 100
    assert f"on {kept[1]} of 100 sites" in sol.formulation
    assert sol.heuristic_objective is not None and sol.heuristic_objective >= sol.objective


def test_p_median_proved_by_the_lagrangian_bound_alone() -> None:
    # two far-apart clusters and p = 2: the bound meets the start, no model is solved
    pts = np.r_[np.arange(10.0), np.arange(10.0) + 1000]
    D = np.abs(np.subtract.outer(pts, pts))
    sol = solve_p_median(D, 2, backend="highs")
    assert sol.status == "optimal"
    assert "no model solved" in sol.formulation
    assert sol.n_vars == 0 and sol.solve_time_s == 0.0
    assert sol.bound == sol.objective == 2 * (4 + 3 + 2 + 1 + 0 + 1 + 2 + 3 + 4 + 5)
    assert sol.open in ((4, 14), (4, 15), (5, 14), (5, 15))


def test_p_median_positive_gap_stops_early_and_says_so() -> None:
    D = graph_distances(200, 3)
    sol = solve_p_median(D, 5, gap=0.05)
    assert sol.status in ("optimal", "feasible")
    if sol.status == "feasible":
        assert 0 < sol.gap <= 0.05
    with pytest.raises(ModelInputError, match="gap=1.5"):
        solve_p_median(D, 5, gap=1.5)


# --------------------------------------------------------------------------- published optima


def read_pmed(path: Path) -> tuple[np.ndarray, int]:
    """OR-Library pmed file -> all-pairs shortest paths (duplicate edges: the last wins)."""
    tok = path.read_text().split()
    n, m, p = int(tok[0]), int(tok[1]), int(tok[2])
    edges = np.array(tok[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    W = np.full((n, n), np.inf)
    for i, j, c in edges.tolist():  # in file order, so the last duplicate wins
        W[i - 1, j - 1] = W[j - 1, i - 1] = c
    np.fill_diagonal(W, 0.0)
    return shortest_path(W, method="FW", directed=False), p


def read_cap(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    tok = path.read_text().split()
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    cap = np.array(tok[pos : pos + 2 * m : 2], dtype=float)
    fixed = np.array(tok[pos + 1 : pos + 2 * m : 2], dtype=float)
    pos += 2 * m
    demand = np.empty(n)
    cost = np.empty((n, m))
    for i in range(n):
        demand[i] = float(tok[pos])
        cost[i] = np.array(tok[pos + 1 : pos + 1 + m], dtype=float)
        pos += 1 + m
    return cost, fixed, cap, demand


def published(folder: str, name: str, file: str) -> float:
    for line in (BENCH / folder / file).read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == name:
            return float(parts[1])
    raise LookupError(name)


needs_pmed = pytest.mark.skipif(
    not (BENCH / "pmed").exists(), reason=f"OR-Library pmed instances not found in {BENCH}"
)
needs_cap = pytest.mark.skipif(
    not (BENCH / "cap").exists(), reason=f"OR-Library cap instances not found in {BENCH}"
)
needs_mclp = pytest.mark.skipif(
    not (BENCH / "mclp").exists(), reason=f"Swain data not found in {BENCH}"
)


@needs_pmed
@pytest.mark.parametrize(
    ("name", "backend"),
    [
        ("pmed1", "cbc"),
        ("pmed2", "highs"),
        ("pmed6", "cbc"),  # n = 200, p = 5
        ("pmed11", "cbc"),  # n = 300, p = 5
        ("pmed21", "highs"),  # n = 500, p = 5
        pytest.param("pmed16", "cbc", marks=pytest.mark.slow),  # n = 400, p = 5: ~15 s
        pytest.param("pmed26", "cbc", marks=pytest.mark.slow),  # n = 600, p = 5: ~12 s
    ],
)
def test_or_library_p_median_published_optimum(name: str, backend: str) -> None:
    D, p = read_pmed(BENCH / "pmed" / f"{name}.txt")
    sol = solve_p_median(D, p, backend=backend)
    assert sol.status == "optimal", sol.status_line()
    assert sol.objective == published("pmed", name, "pmedopt.txt")
    assert sol.bound == sol.objective


@needs_cap
@pytest.mark.parametrize("name", ["cap41", "cap71", "cap101"])
def test_or_library_capacitated_published_optimum(name: str) -> None:
    cost, fixed, cap, demand = read_cap(BENCH / "cap" / f"{name}.txt")
    sol = solve_facility_location(cost, fixed, capacity=cap, demand=demand, backend="highs")
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(published("cap", name, "capopt.txt"), abs=1e-3)


@needs_mclp
def test_swain_max_coverage_and_set_cover() -> None:
    # computed (not published) values, cross-checked by two solver paths: PROVENANCE.txt
    pts = np.loadtxt(BENCH / "mclp" / "swain.txt", skiprows=1)
    xy, w = pts[:, 1:3], pts[:, 3]
    D = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    table = pd.read_csv(BENCH / "mclp" / "swain_mclp_results.csv")
    for s_, p_ in [(5, 3), (10, 2), (15, 4)]:
        want = table.query("S == @s_ and p == @p_")["covered_weight"].item()
        assert solve_max_coverage(D, float(s_), p_, weights=w).objective == want
    lscp = pd.read_csv(BENCH / "mclp" / "swain_lscp_results.csv")
    for s_ in (8, 12):
        want = lscp.query("S == @s_")["min_facilities_to_cover_all"].item()
        assert solve_set_cover(D, float(s_)).objective == want
