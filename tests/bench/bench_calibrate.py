"""Benchmark: `planner calibrate` on the default scenario's real criteria.

Prepares the embedded Zhejiang scenario once (its ~1,300 scored candidates and normalised
criteria), then

1. times :func:`planner.analysis.calibrate` with 30 choices (leave-one-out included, and
   without it), the choices drawn from the conditional logit with known weights;
2. reports how well known weights are recovered over the real criteria (Spearman rank
   correlation between the true and calibrated criterion weights, and between the true
   and estimated attribute coefficients after pooling), for 30, 100 and 300 choices,
   over several seeds;
3. the same recovery on synthetic independent attributes (6 criteria, 400 candidates)
   with 30 and 200 choices, the check of the tests.

    python tests/bench/bench_calibrate.py [--repeat 3] [--seeds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from scipy import stats

from planner.analysis import calibrate, simulate_choices
from planner.pipeline import prepare
from planner.scenario import read_scenario

SCALE = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    prepared = prepare(read_scenario(None))
    crit = [c.id for c in prepared.scores.criteria]
    groups = {c.id: c.group for c in prepared.scores.criteria}
    scores = prepared.scores.frame[[f"score_{c}" for c in crit]].reset_index(drop=True)
    scores.columns = crit
    own = prepared.scores.weights
    x = scores.to_numpy(float)
    print(f"candidates: {len(scores):,}; criteria: {len(crit)}")

    # 1. time, 30 choices from the scenario's own weights
    chosen = simulate_choices(x, SCALE * own.to_numpy(), 30, seed=0)
    for loo in (True, False):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            calibrate(scores, chosen, groups=groups, scenario_weights=dict(own), loo=loo)
            times.append(time.perf_counter() - start)
        print(
            f"calibrate, 30 choices, leave-one-out {'on ' if loo else 'off'}: median "
            f"{statistics.median(times):.3f} s over {args.repeat} runs"
        )

    # 2. recovery over the real criteria
    rng = np.random.default_rng(1)
    true = pd.Series(rng.dirichlet(np.ones(len(crit))), index=crit)
    for m in (30, 100, 300):
        rho_w, rho_attr, levels = [], [], set()
        for seed in range(args.seeds):
            chosen = simulate_choices(x, SCALE * true.to_numpy(), m, seed=seed)
            res = calibrate(scores, chosen, groups=groups, scenario_weights=dict(own), loo=False)
            levels.add(res.identification.level)
            rho_w.append(stats.spearmanr(res.weights.to_numpy(), true.to_numpy()).statistic)
            # the true weight of each fitted attribute: the sum over the criteria it pools
            attr_true = [true[list(c.split("; "))].sum() for c in res.coefficients["criteria"]]
            rho_attr.append(stats.spearmanr(res.coefficients["coef"], attr_true).statistic)
        print(
            f"real criteria, {m} choices ({', '.join(sorted(levels))} level): Spearman of "
            f"criterion weights {np.mean(rho_w):.2f} (min {np.min(rho_w):.2f}), of "
            f"attribute coefficients {np.mean(rho_attr):.2f} (min {np.min(rho_attr):.2f}), "
            f"over {args.seeds} seeds"
        )

    # 3. synthetic independent attributes
    w = np.array([0.35, 0.25, 0.17, 0.11, 0.07, 0.05])
    for m in (30, 200):
        rhos = []
        for seed in range(args.seeds):
            r = np.random.default_rng(seed)
            names = [f"c{j}" for j in range(w.size)]
            xs = pd.DataFrame(r.uniform(0, 1, size=(400, w.size)), columns=names)
            chosen = simulate_choices(xs.to_numpy(), SCALE * w, m, seed=seed + 1)
            res = calibrate(xs, chosen, groups={c: c for c in xs.columns}, scenario_weights={},
                            level="criteria", loo=False)  # fmt: skip
            rhos.append(stats.spearmanr(res.weights.to_numpy(), w).statistic)
        print(
            f"synthetic, {m} choices: Spearman {np.mean(rhos):.2f} (min {np.min(rhos):.2f}) "
            f"over {args.seeds} seeds"
        )


if __name__ == "__main__":
    main()
