"""Benchmark: re-plan latency of ``planner serve`` on the default scenario, at the client.

Starts ``python -m planner.cli serve`` on 127.0.0.1 and a free port in a subprocess,
waits (at most 120 s) until it answers, then posts random criterion weight vectors
(Dirichlet around the scenario's weights, seeded) to ``/api/plan``:

1. one client, ``--requests`` vectors in a row: p50, p95 and max latency;
2. ``--clients`` clients at once, the same vectors split between them: p50, p95 and the
   throughput.

It then checks every response against :func:`planner.optimise.solve_plan` on the same
inputs (the same re-scored totals and constraints, solved from scratch with the
scenario's backend): same status, same objective (relative 1e-7), same centres. Any
error or mismatch is printed and the exit code is 1.

Usage::

    python tests/bench/bench_serve.py                  # 200 vectors, 8 clients
    python tests/bench/bench_serve.py --requests 50 --clients 4
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, payload: dict) -> tuple[int, dict, float]:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, data = exc.code, exc.read()
    return status, json.loads(data), (time.perf_counter() - t0) * 1000.0


def _pct(ms: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(ms), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concentration", type=float, default=20.0)
    args = parser.parse_args()

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    server = subprocess.Popen(
        [sys.executable, "-m", "planner.cli", "-q", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        scenario = None
        while time.perf_counter() - t0 < 120 and server.poll() is None:
            try:
                with urllib.request.urlopen(base + "/api/scenario", timeout=5) as r:
                    scenario = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.25)
        if scenario is None:
            err = server.stderr.read().decode() if server.poll() is not None else ""
            print(f"the server did not start within 120 s {err}")
            return 1
        print(f"server ready in {time.perf_counter() - t0:.1f} s (prepare included)")
        ids = [c["id"] for c in scenario["criteria"]]
        w0 = np.array([c["weight"] for c in scenario["criteria"]])
        rng = np.random.default_rng(args.seed)
        vectors = [
            dict(zip(ids, (float(x) for x in rng.dirichlet(args.concentration * w0 * len(w0)))))
            for _ in range(args.requests)
        ]
        url = base + "/api/plan"
        _post(url, {})  # the first solve after start-up, not counted

        serial = []
        lat = []
        t0 = time.perf_counter()
        for v in vectors:
            status, data, ms = _post(url, {"weights": v})
            serial.append((status, data))
            lat.append(ms)
        wall = time.perf_counter() - t0
        print(f"\n1 client, {len(vectors)} weight vectors in {wall:.1f} s")
        print(f"  latency ms: p50 {_pct(lat, 50):.1f}, p95 {_pct(lat, 95):.1f}, "
              f"max {max(lat):.1f}; server solve_ms p50 "
              f"{_pct([d['solve_ms'] for s, d in serial if s == 200], 50):.1f}")  # fmt: skip
        methods: dict[str, int] = {}
        for _s, d in serial:
            methods[d.get("method", "?")] = methods.get(d.get("method", "?"), 0) + 1
        print(f"  proved by: {methods}")

        conc: list = [None] * len(vectors)
        clat: list = [None] * len(vectors)

        def work(k: int) -> None:
            for i in range(k, len(vectors), args.clients):
                status, data, ms = _post(url, {"weights": vectors[i]})
                conc[i] = (status, data)
                clat[i] = ms

        threads = [threading.Thread(target=work, args=(k,)) for k in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        wall = time.perf_counter() - t0
        done = [x for x in clat if x is not None]
        print(f"\n{args.clients} clients at once, {len(vectors)} vectors in {wall:.1f} s: "
              f"{len(done) / wall:.1f} re-plans/s")  # fmt: skip
        print(f"  latency ms: p50 {_pct(done, 50):.1f}, p95 {_pct(done, 95):.1f}, "
              f"max {max(done):.1f}")  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    # the same inputs solved from scratch by solve_plan, in this process
    sys.path.insert(0, str(ROOT))
    from planner.optimise import solve_plan
    from planner.scenario import read_scenario
    from planner.session import PlanningSession

    session = PlanningSession.prepare(read_scenario())
    cons = session.constraints_from(session.resolve_constraints({}))  # kinds of centre included
    problems = []
    for i, v in enumerate(vectors):
        ref = solve_plan(
            session.plan_inputs(session.resolve_weights(v), cons), cons,
            backend=session.backend, assess_binding=False, diagnose=False,
        )  # fmt: skip
        ref_ids = sorted(int(c) for c in ref.centres["city_id"])
        for label, got in (("serial", serial[i]), ("concurrent", conc[i])):
            if got is None or got[0] != 200:
                problems.append(f"vector {i} {label}: {got!r}")
                continue
            data = got[1]
            same = (
                data["status"] == ref.status
                and math.isclose(data["objective"], ref.objective, rel_tol=1e-7)
                and sorted(c["city_id"] for c in data["centres"]) == ref_ids
            )
            if not same:
                problems.append(
                    f"vector {i} {label}: {data['status']} {data['objective']} "
                    f"vs solve_plan {ref.status} {ref.objective}"
                )
    print(f"\nchecked {2 * len(vectors)} responses against solve_plan: "
          f"{len(problems)} errors or mismatches")  # fmt: skip
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
