"""Plan model shaped like the default scenario, solved to proven optimality.

First the default scenario (models/zhejiang.toml; its layers, accessibility and scores
prepared once, not timed), then a synthetic, seeded instance: ``--candidates`` cities
(default 3,000) in 120 countries, 7 industries, scores, fits and access uniform in
[0, 1], costs 1-20 MUSD (5 % missing), distances to rail-line nodes and cooperation zones
exponential (mean 400 / 300 km), 20 % of cities in countries leading in science and
technology, political stability normal (0, 1). Each country lies round a random point
(lon -120..150, lat -40..60) with 1-4 metropolitan areas: half of its cities crowd round
one of them (sd 0.3 degrees, about 30 km), the others spread (sd 2 degrees). Constraints
are those of models/zhejiang.toml's [constraints] table, with its min_separation_km. For
each instance the conflict pairs (candidates closer than the separation) and the clique
rows that cover them are counted.

For each backend: ``solve_plan`` without and with the binding check, then the model built
once (``build_plan_model``) and re-solved in process for ``--resolves`` new seeded score
vectors (each started from the previous plan; "lp" counts the re-solves that the LP
relaxation proved), the last one checked against ``solve_plan`` on the same scores.

    python tests/bench/bench_plan.py
    python tests/bench/bench_plan.py --candidates 5000 --backends cbc highs cpsat scip
    python tests/bench/bench_plan.py --no-scenario
    python tests/bench/bench_plan.py --no-scenario --kinds

``--kinds`` gives the synthetic instance the two kinds of centre of models/zhejiang.toml
and its focused industries: a zone kind (2-3 centres, eligible within 150 km of a zone
the province sponsors; distance exponential, mean 1,500 km, so about 10 % qualify; 4 of
the 7 industries) and a sourcing kind (5-6 centres, countries leading in science and
technology), each with its own seeded uniform score; at most 2 industries per centre, 3
centres per industry, a repeat worth a quarter (``repeat_service_value = 0.25``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from planner.optimise import (
    CentreKind,
    PlanInputs,
    PlanModel,
    build_plan_model,
    conflict_pairs,
    plan_constraints_from_mapping,
    solve_plan,
)

DEFAULT_CONSTRAINTS = {
    "n_centres": 8,
    "max_per_country": 2,
    "min_on_rail_lines": 2,
    "rail_node_radius_km": 50.0,
    "min_near_coop_zones": 2,
    "coop_zone_radius_km": 100.0,
    "min_st_leading": 1,
    "max_industries_per_centre": 3,
    "every_industry_served": True,
    "min_political_stability": -1.0,
    "min_separation_km": 100.0,
}


def instance(n: int, seed: int, k: int = 7) -> PlanInputs:
    rng = np.random.default_rng(seed)
    country = rng.integers(0, 120, n)
    st_country = rng.random(120) < 0.2
    stability = rng.normal(0, 1, 120)
    home = np.column_stack([rng.uniform(-120, 150, 120), rng.uniform(-40, 60, 120)])
    metros = home[:, None, :] + rng.normal(0, 2.0, size=(120, 4, 2))
    n_metros = rng.integers(1, 5, 120)
    in_metro = rng.random(n) < 0.5
    metro = metros[country, rng.integers(0, 4, n) % n_metros[country]]
    where = np.where(
        in_metro[:, None],
        metro + rng.normal(0, 0.3, (n, 2)),
        home[country] + rng.normal(0, 2.0, (n, 2)),
    )
    cand = pd.DataFrame(
        {
            "city_id": np.arange(n) + 1_000_000,
            "name": [f"city{i}" for i in range(n)],
            "iso3": [f"Q{c // 26 % 26 + 65:c}{c % 26 + 65:c}" for c in country],
            "score_total": rng.random(n),
            "cost_musd": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(1, 20, n)),
            "dist_rail_node_km": rng.exponential(400, n),
            "dist_coop_zone_km": rng.exponential(300, n),
            "st_leading": st_country[country],
            "political_stability": stability[country],
            "access": rng.random(n),
            "lon": where[:, 0],
            "lat": np.clip(where[:, 1], -89, 89),
        }
    )
    industries = [f"industry{i}" for i in range(k)]
    fit = pd.DataFrame(rng.random((n, k)), index=cand["city_id"], columns=industries)
    weights = dict(zip(industries, rng.uniform(0.5, 2.0, k).tolist()))
    return PlanInputs(cand, fit, weights)


KINDS = (
    CentreKind("zone", min_centres=2, max_centres=3, home_zone_km=150.0,
               industries=("industry0", "industry1", "industry2", "industry3")),
    CentreKind("st", min_centres=5, max_centres=6, st_leading=True),
)  # fmt: skip
FOCUS = {"max_industries_per_centre": 2, "max_centres_per_industry": 3,
         "repeat_service_value": 0.25}  # fmt: skip


def with_kinds(inputs: PlanInputs, seed: int) -> PlanInputs:
    """The instance with a distance to the province's own zones and a score per kind."""
    rng = np.random.default_rng(seed + 2)
    n = len(inputs.candidates)
    cand = inputs.candidates.assign(
        dist_home_coop_zone_km=rng.exponential(1500, n),
        kind_score_zone=rng.random(n),
        kind_score_st=rng.random(n),
    )
    return PlanInputs(cand, inputs.fit, inputs.industry_weights)


def separation_rows(model: PlanModel, inputs: PlanInputs, dist_km: float | None) -> str:
    """'pairs -> rows' of the separation family of a built model."""
    if not dist_km:
        return "-"
    c = inputs.candidates
    pairs = len(conflict_pairs(c["lon"].to_numpy(float), c["lat"].to_numpy(float), dist_km))
    block = model.linear.row_blocks.get("min_separation_km", slice(0, 0))
    return f"{pairs:,} pairs -> {block.stop - block.start:,} rows"


def default_scenario() -> tuple[PlanInputs, dict]:
    from planner.pipeline import plan_constraints, plan_inputs, prepare
    from planner.scenario import read_scenario

    scenario = read_scenario("zhejiang")
    prepared = prepare(scenario)
    return plan_inputs(prepared), plan_constraints(scenario)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--candidates", type=int, default=3000)
    ap.add_argument("--backends", nargs="*", default=["cbc", "highs", "cpsat", "scip"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--resolves", type=int, default=10)
    ap.add_argument("--no-scenario", action="store_true", help="skip the default scenario")
    ap.add_argument("--kinds", action="store_true", help="two kinds of centre, focused industries")
    args = ap.parse_args(argv)
    ok = True
    if not args.no_scenario:
        t0 = time.perf_counter()
        inputs, cons = default_scenario()
        model = build_plan_model(inputs, cons)
        print(
            f"default scenario: {len(inputs.candidates):,} candidates (prepared in "
            f"{time.perf_counter() - t0:.1f} s); min_separation_km = "
            f"{cons.min_separation_km}: {separation_rows(model, inputs, cons.min_separation_km)}"
        )
        print(
            f"{'backend':>8} {'status':>9} {'objective':>10} {'build s':>8} {'solve s':>8} "
            f"{'total s':>8} | {'with binding check s':>20} | centres"
        )
        for backend in args.backends:
            t = time.perf_counter()
            plan = solve_plan(inputs, cons, backend=backend, assess_binding=False)
            total = time.perf_counter() - t
            t = time.perf_counter()
            full = solve_plan(inputs, cons, backend=backend, assess_binding=True)
            total_full = time.perf_counter() - t
            ok &= plan.status == "optimal" and abs(full.objective - plan.objective) < 1e-6
            print(
                f"{backend:>8} {plan.status:>9} {plan.objective:>10.6f} "
                f"{plan.build_time_s:>8.2f} {plan.solve_time_s:>8.2f} {total:>8.2f} | "
                f"{total_full:>20.2f} | {', '.join(plan.centres['name'])}",
                flush=True,
            )
        print()
    t0 = time.perf_counter()
    inputs = instance(args.candidates, args.seed)
    cons = plan_constraints_from_mapping(DEFAULT_CONSTRAINTS)
    if args.kinds:
        inputs = with_kinds(inputs, args.seed)
        cons = replace(cons, n_centres=None, n_new=8, kinds=KINDS, **FOCUS)
        model = build_plan_model(inputs, cons)
        print(f"kinds: {model.linear.n_vars:,} variables, {model.linear.n_rows:,} rows")
    print(
        f"{args.candidates:,} candidates x 7 industries (built in {time.perf_counter() - t0:.2f} "
        f"s); min_separation_km = {cons.min_separation_km}: "
        f"{separation_rows(build_plan_model(inputs, cons), inputs, cons.min_separation_km)}"
    )
    print(
        f"{'backend':>8} {'status':>9} {'objective':>10} {'build s':>8} {'solve s':>8} "
        f"{'total s':>8} | {'with binding check s':>20} | {'re-solve ms':>11} {'lp':>4} "
        f"{'equal':>5}"
    )
    rng = np.random.default_rng(args.seed + 1)
    base = inputs.candidates["score_total"].to_numpy()
    draws = [np.clip(base + rng.normal(0, 0.05, base.size), 0, 1) for _ in range(args.resolves)]
    for backend in args.backends:
        t = time.perf_counter()
        plan = solve_plan(inputs, cons, backend=backend, assess_binding=False)
        total = time.perf_counter() - t
        t = time.perf_counter()
        full = solve_plan(inputs, cons, backend=backend, assess_binding=True)
        total_full = time.perf_counter() - t
        ok &= plan.status == "optimal" and abs(full.objective - plan.objective) < 1e-6
        model = build_plan_model(inputs, cons, backend=backend)
        previous = model.solve()
        t = time.perf_counter()
        solved = []
        for s in draws:
            previous = model.solve(s, start=previous)
            solved.append(previous)
        resolve_ms = (time.perf_counter() - t) / max(len(draws), 1) * 1000
        lp = sum(r.method == "lp" for r in solved)
        equal = True
        if draws:
            last = inputs.candidates.assign(score_total=draws[-1])
            ratio = np.divide(draws[-1], base, out=np.ones_like(base), where=base > 0)
            for kind in cons.kinds:  # as PlanModel.solve moves the kinds' scores
                col = f"kind_score_{kind.id}"
                last[col] = np.clip(inputs.candidates[col].to_numpy() * ratio, 0, 1)
            scored = PlanInputs(last, inputs.fit, inputs.industry_weights)
            ref = solve_plan(scored, cons, backend=backend, assess_binding=False)
            equal = abs(ref.objective - solved[-1].objective) < 1e-6
            ok &= equal and all(r.status == "optimal" for r in solved)
        print(
            f"{backend:>8} {plan.status:>9} {plan.objective:>10.6f} {plan.build_time_s:>8.2f} "
            f"{plan.solve_time_s:>8.2f} {total:>8.2f} | {total_full:>20.2f} | "
            f"{resolve_ms:>11.1f} {lp:>4} {'yes' if equal else 'NO':>5}",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
