"""Benchmark: the full origin x city travel-time matrix, against per-pair routing.

Five origins of the Zhejiang scenario (Yiwu rail hub, Ningbo-Zhoushan port, Hangzhou
Xiaoshan airport, Hangzhou, Wenzhou) to every city of at least 100,000 people outside
China (the default scenario's candidate countries), by rail and by sea (one Dijkstra
tree per origin and mode) and by air (each origin taken as an airport origin: one
Dijkstra tree over the OpenFlights 2014 route graph per origin, fewest flights then least
time):

- cold: the network built from the layers (cache folder empty), then the matrix;
- warm: the network read from the disk cache, then the matrix;
- per pair: scgraph's own ``GeoGraph.get_shortest_path`` on a seeded sample of 50
  origin-city pairs on the railway graph and 50 on the maritime graph, extrapolated to
  the same matrix.

Prints the figures and the peak resident memory (``resource.getrusage``). Run:

    python tests/bench/bench_accessibility.py
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import resource
import sys
import tempfile
import time

import numpy as np

ORIGINS = [
    ("Yiwu", "rail", 120.07676, 29.31506),
    ("Ningbo-Zhoushan", "port", 121.559404, 29.871877),
    ("Hangzhou Xiaoshan International Airport", "airport", 120.434, 30.2295),
    ("Hangzhou", "city", 120.16142, 30.29365),
    ("Wenzhou", "city", 120.66682, 27.99942),
]
SAMPLE = 50


def full_matrix(
    network, air, origins: np.ndarray, targets: np.ndarray
) -> tuple[dict[str, np.ndarray], float]:
    """Rail and sea trees for every origin, and air trips over the routes, for every city;
    and the seconds the air trips took."""
    from planner._air import air_trips
    from planner.network import shortest_paths

    out = {}
    for mode in ("rail", "sea"):
        res = shortest_paths(network, origins, targets, mode=mode)
        out[f"{mode}_time_h"] = res.time_h
        out[f"{mode}_dist_km"] = res.dist_km
    t0 = time.perf_counter()
    trips = [
        air_trips(air, (lon, lat), targets, network.params, origin_name=f"origin {i}")
        for i, (lon, lat) in enumerate(origins)
    ]
    out["air_time_h"] = np.vstack([t.time_h for t in trips])
    out["air_dist_km"] = np.vstack([t.dist_km for t in trips])
    return out, time.perf_counter() - t0


def per_pair_seconds(geograph, origins: np.ndarray, targets: np.ndarray, reached, seed: int):
    """Mean seconds of one scgraph ``get_shortest_path`` call over a seeded sample of
    pairs that the network connects (so that every call is a full search)."""
    rng = np.random.default_rng(seed)
    o_idx, t_idx = np.nonzero(reached)
    pick = rng.choice(len(o_idx), SAMPLE, replace=False)
    failed = 0
    start = time.perf_counter()
    for o, t in zip(o_idx[pick], t_idx[pick], strict=True):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                geograph.get_shortest_path(
                    origin_node={"latitude": origins[o, 1], "longitude": origins[o, 0]},
                    destination_node={"latitude": targets[t, 1], "longitude": targets[t, 0]},
                    length_only=True,
                )
        except Exception:  # scgraph raises when its own snapping finds no path
            failed += 1
    return (time.perf_counter() - start) / SAMPLE, failed


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    cache = tempfile.mkdtemp(prefix="planner-bench-cache-")
    os.environ["PLANNER_CACHE_DIR"] = cache
    from planner import network as nw
    from planner._air import air_network_from_layers
    from planner.layers import LayerSet, read_layer

    t0 = time.perf_counter()
    layers = LayerSet()
    for name in ("railways", "sea_lanes", "ports", "rail_lines", "countries", "airports"):
        layers[name]
    layers["air_routes"]
    cities = read_layer(
        "cities", min_population=100_000, exclude_countries=["CHN", "HKG", "MAC", "TWN"]
    )
    t_layers = time.perf_counter() - t0
    origins = np.array([[lon, lat] for _, _, lon, lat in ORIGINS])
    targets = cities[["lon", "lat"]].to_numpy(float)
    n_pairs = len(origins) * len(targets)
    print(f"{len(ORIGINS)} origins x {len(targets):,} cities = {n_pairs:,} pairs per mode")
    print(
        f"layers loaded (graphs, ports, rail lines, countries, airports, air routes, cities): "
        f"{t_layers:.2f} s"
    )
    t0 = time.perf_counter()
    air, _ = air_network_from_layers(layers)
    print(
        f"air network (OpenFlights 2014): {air.n_airports:,} airports, {len(air.src):,} routes, "
        f"built in {time.perf_counter() - t0:.3f} s"
    )

    t0 = time.perf_counter()
    network = nw.network_from_layers(layers)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    cold, _ = full_matrix(network, air, origins, targets)
    t_cold_matrix = time.perf_counter() - t0
    t_cold = t_build + t_cold_matrix
    print(f"cold: network built {t_build:.2f} s + matrix {t_cold_matrix:.2f} s = {t_cold:.2f} s")

    t0 = time.perf_counter()
    network = nw.network_from_layers(layers)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm, t_air = full_matrix(network, air, origins, targets)
    t_warm_matrix = time.perf_counter() - t0
    t_warm = t_load + t_warm_matrix
    print(
        f"warm: network from cache {t_load:.2f} s + matrix {t_warm_matrix:.2f} s = {t_warm:.2f} s"
        f" (air trips {t_air:.2f} s of the matrix)"
    )
    for key in cold:
        np.testing.assert_array_equal(np.isnan(cold[key]), np.isnan(warm[key]))
    reach = {m: int(np.isfinite(warm[f"{m}_time_h"]).sum()) for m in ("rail", "sea", "air")}
    print(
        f"reached pairs: rail {reach['rail']:,}, sea {reach['sea']:,}, air {reach['air']:,} "
        f"of {n_pairs:,}"
    )

    from scgraph.geographs.marnet import marnet_geograph
    from scgraph_data.world_railways import world_railways_geograph

    rail_pp, rail_failed = per_pair_seconds(
        world_railways_geograph, origins, targets, np.isfinite(warm["rail_time_h"]), seed=1
    )
    sea_pp, sea_failed = per_pair_seconds(
        marnet_geograph, origins, targets, np.isfinite(warm["sea_time_h"]), seed=2
    )
    t_pairs = n_pairs * (rail_pp + sea_pp)
    print(
        f"per pair (scgraph get_shortest_path, {SAMPLE} sampled connected pairs each): "
        f"rail {rail_pp * 1000:.0f} ms ({rail_failed} raised), sea {sea_pp * 1000:.1f} ms "
        f"({sea_failed} raised) per pair"
    )
    print(f"per pair extrapolated to {n_pairs:,} pairs x 2 modes: {t_pairs:,.0f} s")
    print(f"speed-up, warm full matrix vs per pair: {t_pairs / t_warm:,.0f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
