"""Time the outputs of a run: the Folium map and the strategy brief.

Usage: ``python tests/bench/bench_outputs.py [--candidates N] [--repeat R]``

The run is the hand-made one of the output tests (``tests/_run_example.py``: four
centres, synthetic scores) with the real countries, ports, corridors and rail lines
layers, and ``N`` synthetic candidate cities. Prints the best of ``R`` warm repeats of
each step, in seconds, and the size of what it wrote.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _run_example import example_run_view

from planner.briefs import save_brief
from planner.layers import read_layer
from planner.maps import save_map


def _best(repeat: int, step):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = step()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    layers = {n: read_layer(n) for n in ("countries", "ports", "corridors", "rail_lines")}
    print(f"read context layers: {time.perf_counter() - t:.2f} s (cold, not an output step)")
    view = example_run_view(n_candidates=args.candidates, evil_name="Dubai")
    view = dataclasses.replace(view, layers={**view.layers, **layers})
    rows = {n: len(f) for n, f in layers.items()}
    print(f"candidates: {len(view.candidates):,}; layers: {rows}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for top_n in (200, 0):
            s, path = _best(
                args.repeat, lambda n=top_n: save_map(view, folder / f"m{n}.html", top_n=n)
            )
            label = "all, clustered" if top_n == 0 else f"top {top_n}"
            print(f"save_map ({label}): {s:.2f} s, {path.stat().st_size / 1e6:.1f} MB")
        for pdf in (False, True):
            s, files = _best(args.repeat, lambda p=pdf: save_brief(view, folder / f"b{p}", pdf=p))
            sizes = ", ".join(f"{f.name} {f.stat().st_size / 1e3:.0f} kB" for f in files)
            print(f"save_brief (pdf={pdf}): {s:.2f} s; {sizes}")


if __name__ == "__main__":
    main()
