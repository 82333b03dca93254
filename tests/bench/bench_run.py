"""Benchmark: `planner run` on the default Zhejiang scenario, end to end, cold and warm.

Cold: a new process with an empty network cache (`PLANNER_CACHE_DIR` set to a fresh
folder), so the multimodal network is built. Warm: the same again with the cache in
place. Each run is a separate `planner run` process writing a fresh run folder, with its
default weight-sensitivity sweep (200 draws: the "analysis" column); the stage timings
come from its run.json.

    python tests/bench/bench_run.py
    python tests/bench/bench_run.py --draws 0    # without the sweep, to compare

Targets (issue 7): cold under 60 s, warm under 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(out: Path, cache: Path, draws: int | None) -> tuple[float, dict[str, float]]:
    env = dict(os.environ, PLANNER_CACHE_DIR=str(cache))
    extra = [] if draws is None else ["--draws", str(draws)]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "planner.cli", "-q", "run", "--out", str(out), *extra],
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    return wall, json.loads((out / "run.json").read_text())["timings_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, help="planner run --draws N (default: its own)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    try:
        cache = work / "cache"
        rows = []
        for label in ("cold", "warm", "warm"):
            wall, stages = one_run(work / f"run-{len(rows)}", cache, args.draws)
            rows.append((label, wall, stages))
        names = list(rows[0][2])
        print(f"{'run':<6}{'wall s':>8}" + "".join(f"{n:>15}" for n in names))
        for label, wall, stages in rows:
            print(f"{label:<6}{wall:>8.1f}" + "".join(f"{stages.get(n, 0):>15.2f}" for n in names))
        print("targets: cold < 60 s, warm < 20 s (wall, including Python start-up)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
