"""Benchmark: weight sensitivity of the default scenario's plan.

Prepares the default (Zhejiang) scenario once (layers, accessibility, scores; not part of
the timed figures), then runs :func:`planner.analysis.sensitivity` with the given draws on
1 and on 2 local worker processes, and prints the wall time, the split between drawing
and re-scoring, optimising and summarising, the time per draw, how each draw's plan was
proved (``lp``: the LP relaxation's optimum was integral; else the backend's MIP), and
what the draws found.

Usage::

    python tests/bench/bench_sensitivity.py                   # 1,000 draws, 1 and 2 workers
    python tests/bench/bench_sensitivity.py --draws 200 --workers 2 --backend scip
    python tests/bench/bench_sensitivity.py --draws 200 --workers 1 --backend highs --no-lp
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from dataclasses import replace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--backend", default=None, help="solver backend (scenario's by default)")
    parser.add_argument("--concentration", type=float, default=None)
    parser.add_argument("--spread", type=float, default=None)
    parser.add_argument("--pool", type=int, default=0)
    parser.add_argument(
        "--no-lp",
        action="store_true",
        help="always solve each draw's MIP (skip the LP relaxation's proof)",
    )
    args = parser.parse_args()

    from planner.analysis import plan_reoptimiser, sensitivity
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    t0 = time.perf_counter()
    prepared = prepare(read_scenario(None))
    print(f"prepare (not timed below): {time.perf_counter() - t0:.1f} s")

    def reoptimiser():  # type: ignore[no-untyped-def]
        # a new one for each run, so that each run builds its own plan model
        reopt = plan_reoptimiser(prepared, backend=args.backend, pool=args.pool)
        return replace(reopt, relaxation_first=False) if args.no_lp else reopt

    reopt = reoptimiser()
    s = prepared.scores.frame["score_total"].to_numpy()
    kept = int(reopt._undominated(s).sum())
    print(
        f"{len(s):,} candidates, {len(reopt.industries)} industries; "
        f"dominance keeps {kept:,} for the scenario's own scores; backend {reopt.backend}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    def cpu_s() -> float:
        # this process and its finished children (the pool's workers end with the run)
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    results = {}
    for workers in args.workers:
        t = time.perf_counter()
        c = cpu_s()
        res = sensitivity(
            prepared,
            draws=args.draws,
            seed=args.seed,
            concentration=args.concentration,
            spread=args.spread,
            backend=args.backend,
            workers=workers,
            pool=args.pool,
            reoptimiser=reoptimiser(),
        )
        wall = time.perf_counter() - t
        cpu = cpu_s() - c
        results[workers] = (res, wall)
        split = ", ".join(f"{k} {v:.2f} s" for k, v in res.timings_s.items())
        print(
            f"workers={workers}: {args.draws:,} draws in {wall:.1f} s "
            f"({wall / args.draws * 1000:.0f} ms a draw; {split}); CPU {cpu:.1f} s "
            f"(worker start-up included); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    first, *rest = results.values()
    for other, _ in rest:
        same = first[0].candidates.equals(other.candidates) and first[0].plans.equals(other.plans)
        print(f"results identical across worker counts: {same}")
    res = first[0]
    shares = res.candidates
    print(
        f"draws with a plan: {res.n_with_plan:,}; the scenario's own centres came back in "
        f"{res.base_share:.1%}; {int((shares['chosen_share'] > 0).sum())} cities chosen at "
        f"least once; statuses {dict(res.statuses)}; solved by "
        f"{dict(res.plans['method'].value_counts())}"
    )
    top = shares.head(12)
    for r in top.itertuples(index=False):
        print(
            f"  {r.name:<20} {r.iso3}  in plan {'yes' if r.base_chosen else 'no ':<3}  "
            f"chosen {r.chosen_share:6.1%}  rank {r.base_rank:>4} ({r.rank_low}-{r.rank_high})"
        )
    if len(results) == 2:
        (w1, (_, t1)), (w2, (_, t2)) = results.items()
        print(f"speed-up {w1} -> {w2} workers: {t1 / t2:.2f}x")


if __name__ == "__main__":
    main()
