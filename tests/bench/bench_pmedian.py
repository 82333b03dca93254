"""p-median: planner.optimise.solve_p_median against spopt's PMedian on the same matrices.

Instances are shaped like OR-Library's pmed sets: a random connected sparse graph on n
nodes (a random spanning tree plus random extra edges up to max(2n, n^2/50) edges, as in
pmed1-40), integer edge lengths 1..100, all-pairs shortest-path distances; every node is
both a demand point (weight 1) and a candidate site. Seeded, so reruns see the same
matrices. Both sides use the same solver through PuLP (bundled CBC by default, or HiGHS).

    python tests/bench/bench_pmedian.py --quick
    python tests/bench/bench_pmedian.py --n 400 --p 5 --spopt-time-limit 1800
    python tests/bench/bench_pmedian.py                      # n = 100..900, p = 5, 10, n/10
    python tests/bench/bench_pmedian.py --pmed pmed16 pmed35  # OR-Library, published optima

spopt gets a time limit (``--spopt-time-limit``, seconds, given to CBC) and runs in a
child process of its own, stopped after the limit plus ``--spopt-grace`` seconds (for
PuLP's model building and file I/O, which CBC's limit does not cover). When it stops
without proof, its row says "no proof within N s" with its incumbent, and the speed-up
is a lower bound (">").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from planner.optimise import solve_p_median


def instance(n: int, seed: int) -> np.ndarray:
    """All-pairs shortest-path distances of a random connected sparse graph."""
    rng = np.random.default_rng(seed)
    n_edges = max(2 * n, n * n // 50)
    perm = rng.permutation(n)
    # random spanning tree: node perm[i] joins a random earlier node
    u = perm[1:]
    v = perm[(rng.random(n - 1) * np.arange(1, n)).astype(int)]
    extra = n_edges - (n - 1)
    a = rng.integers(0, n, 3 * extra)
    b = rng.integers(0, n, 3 * extra)
    keep = a != b
    u = np.r_[u, a[keep][:extra]]
    v = np.r_[v, b[keep][:extra]]
    w = rng.integers(1, 101, u.size).astype(float)
    # parallel edges: keep the shortest
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    G = sp.csr_matrix((w[first], (lo[first], hi[first])), shape=(n, n))
    return shortest_path(G, directed=False)


def pulp_solver(backend: str, time_limit_s: float | None):  # type: ignore[no-untyped-def]
    import pulp

    if backend == "cbc":
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=0.0, threads=1)
    return pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=0.0, threads=1)


def run_spopt(n: int, seed: int, p: int, backend: str, time_limit_s: float) -> dict[str, Any]:
    """spopt's PMedian on ``instance(n, seed)``, in this process (the child's side)."""
    import pulp
    from spopt.locate import PMedian

    D = instance(n, seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PMedian.from_cost_matrix(D, np.ones(D.shape[0]), p_facilities=p)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.solve(pulp_solver(backend, time_limit_s))
    except RuntimeError as exc:  # spopt raises unless PuLP says "Optimal" (e.g. time limit)
        if "not solved" not in str(exc).lower():
            raise
    solve = time.perf_counter() - t1
    prob = model.problem
    if prob.sol_status == pulp.LpSolutionOptimal and solve < time_limit_s * 0.98:
        status = "optimal"
    elif prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        status = "no proof"
    else:
        status = "no solution"
    value = prob.objective.value() if status != "no solution" else None
    return {"build": build, "solve": solve, "status": status, "objective": value}


def spopt_in_child(
    n: int, seed: int, p: int, backend: str, time_limit_s: float, grace_s: float
) -> dict[str, Any]:
    """Run :func:`run_spopt` in a child process group, killed after limit + grace seconds."""
    cmd = [sys.executable, __file__, "--spopt-child", str(n), str(seed), str(p)]
    cmd += ["--backend", backend, "--spopt-time-limit", str(time_limit_s)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=time_limit_s + grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its CBC process
        proc.communicate()
        wall = time.perf_counter() - t0
        return {"build": math.nan, "solve": wall, "status": "killed", "objective": None}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        wall = time.perf_counter() - t0
        return {"build": math.nan, "solve": wall, "status": "failed", "objective": None}
    return dict(json.loads(lines[-1]))


# ../shared beside the repository root (tests/bench/ -> the repository -> its parent)
PMED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "pmed"


def read_pmed(path: Path) -> tuple[np.ndarray, int]:
    """OR-Library pmed file -> all-pairs shortest paths (a repeated edge: the last one wins)."""
    tok = path.read_text().split()
    n, m, p = int(tok[0]), int(tok[1]), int(tok[2])
    edges = np.array(tok[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    W = np.full((n, n), np.inf)
    for i, j, c in edges.tolist():
        W[i - 1, j - 1] = W[j - 1, i - 1] = c
    np.fill_diagonal(W, 0.0)
    return shortest_path(W, directed=False), p


def run_pmed(names: list[str], backend: str) -> bool:
    """Ours on OR-Library instances, against the published optima (pmedopt.txt)."""
    if not PMED.exists():
        print(f"OR-Library pmed instances not found in {PMED}; skipped")
        return True
    optima = dict(
        (parts[0], float(parts[1]))
        for parts in (line.split() for line in (PMED / "pmedopt.txt").read_text().splitlines())
        if len(parts) == 2 and parts[0].startswith("pmed")
    )
    print(f"OR-Library p-median, PuLP {backend}")
    print(
        f"{'name':>7} {'n':>4} {'p':>3} | {'build s':>8} {'solve s':>8} {'status':>8}"
        f" {'objective':>9} {'sites':>7} | {'published':>9} equal"
    )
    ok = True
    for name in names:
        D, p = read_pmed(PMED / f"{name}.txt")
        sol = solve_p_median(D, p, backend=backend)
        equal = sol.status == "optimal" and sol.objective == optima[name]
        ok &= equal
        print(
            f"{name:>7} {D.shape[0]:>4} {p:>3} | {sol.build_time_s:>8.2f} {sol.solve_time_s:>8.2f}"
            f" {sol.status:>8} {sol.objective:>9.0f} {model_sites(sol.formulation):>7} |"
            f" {optima[name]:>9.0f} {'yes' if equal else 'NO'}",
            flush=True,
        )
    return ok


def model_sites(formulation: str) -> str:
    """How many sites the solved model kept ("LR" when the Lagrangian bound proved it)."""
    found = re.search(r"on (\d+) of (\d+) sites", formulation)
    return f"{found[1]}/{found[2]}" if found else "LR"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n = 100, 200 only")
    ap.add_argument("--n", type=int, nargs="*", help="sizes (default 100..900 step 100)")
    ap.add_argument(
        "--p", type=str, nargs="*", help="p values; 'n10' means n/10 (default 5 10 n10)"
    )
    ap.add_argument("--backend", choices=["cbc", "highs"], default="cbc")
    ap.add_argument("--spopt-time-limit", type=float, default=600.0)
    ap.add_argument("--spopt-grace", type=float, default=300.0)
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--pmed", nargs="+", help="OR-Library instances instead (e.g. pmed6 pmed35)")
    ap.add_argument("--spopt-child", type=int, nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.pmed:
        return 0 if run_pmed(args.pmed, args.backend) else 1
    if args.spopt_child:
        n, seed, p = args.spopt_child
        print(json.dumps(run_spopt(n, seed, p, args.backend, args.spopt_time_limit)))
        return 0
    sizes = args.n or ([100, 200] if args.quick else list(range(100, 1000, 100)))
    ps = args.p or ["5", "10", "n10"]
    limit = args.spopt_time_limit
    header = (
        f"{'n':>4} {'p':>3} | {'ours build s':>12} {'solve s':>8} {'status':>8} {'objective':>10}"
        f" {'sites':>7} | {'spopt build s':>13} {'solve s':>8} {'status':>22} {'objective':>10}"
        " | equal  speed-up"
    )
    spopt_txt = "spopt skipped" if args.skip_spopt else f"spopt limit {limit:g} s"
    print(f"backend: PuLP {args.backend} on both sides; seed {args.seed}; {spopt_txt}")
    print(header)
    print("-" * len(header))
    ok = True
    for n in sizes:
        D = instance(n, args.seed + n)
        for p in dict.fromkeys(n // 10 if p_txt == "n10" else int(p_txt) for p_txt in ps):
            sol = solve_p_median(D, p, backend=args.backend)
            ours_total = sol.build_time_s + sol.solve_time_s
            line = (
                f"{n:>4} {p:>3} | {sol.build_time_s:>12.3f} {sol.solve_time_s:>8.3f} "
                f"{sol.status:>8} {sol.objective:>10.0f} {model_sites(sol.formulation):>7}"
            )
            ok &= sol.status == "optimal"
            if args.skip_spopt:
                print(line + " | (spopt skipped)", flush=True)
                continue
            res = spopt_in_child(n, args.seed + n, p, args.backend, limit, args.spopt_grace)
            b, s, st = float(res["build"]), float(res["solve"]), str(res["status"])
            val = math.nan if res["objective"] is None else float(res["objective"])
            equal = abs(val - sol.objective) < 1e-6 if st == "optimal" else None
            total = s + (b if math.isfinite(b) else 0.0)
            ratio = total / ours_total
            speed = f"{ratio:.1f}x" if st == "optimal" else f">{ratio:.1f}x"
            eq_txt = {True: "yes", False: "NO", None: "n/a"}[equal]
            st_txt = st if st == "optimal" else f"{st} within {limit:g} s"
            ok &= equal is not False
            print(
                line + f" | {b:>13.2f} {s:>8.2f} {st_txt:>22} {val:>10.0f} | {eq_txt:>5}  {speed}",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
