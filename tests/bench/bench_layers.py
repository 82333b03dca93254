"""Benchmark: load every layer cold.

Prints the seconds each layer takes to load in a fresh Python process of its own
(imports included), then the figure the target is about: every layer loaded cold in one
fresh process, as `planner layers` does (target: under 10 s).

    python tests/bench/bench_layers.py
"""

from __future__ import annotations

import subprocess
import sys
import time

from planner.layers import list_layers

TARGET_S = 10.0


def main() -> None:
    total = 0.0
    print(f"{'layer':<22}{'rows':>10}{'cold load s':>14}")
    for spec in list_layers():
        code = (
            "import time; t=time.perf_counter(); from planner.layers import read_layer, _rows_of; "
            f"n=_rows_of(read_layer({spec.name!r})); print(n, time.perf_counter()-t)"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        wall = time.perf_counter() - start
        total += float(out[1])
        print(f"{spec.name:<22}{int(out[0]):>10,}{float(out[1]):>14.2f}   (process {wall:.2f} s)")
    print(f"{'sum of the above':<22}{'':>10}{total:>14.2f}   (each pays the imports again)")
    code = (
        "import time; t=time.perf_counter(); from planner.layers import LayerSet, list_layers; "
        "ls=LayerSet(); [ls[s.name] for s in list_layers()]; print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    one = float(out.stdout.split()[0])
    print(f"{'all layers, one process':<22}{'':>10}{one:>14.2f}   target < {TARGET_S:.0f} s")


if __name__ == "__main__":
    main()
