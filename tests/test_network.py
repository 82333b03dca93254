"""Tests of planner.network and planner._graphs: parameters, graph layers, the built
network against published distances, monotonicity, curated gap links and the cache."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import network as nw
from planner._errors import LayerError, ScenarioError
from planner._graphs import (
    GRAPH_SPECS,
    GraphLayer,
    graph_layer_from_frames,
    great_circle_km,
    load_sea_lanes,
)

YIWU = (120.07676, 29.31506)
NINGBO_PORT = (121.559404, 29.871877)
MADRID = (-3.70256, 40.4165)
HAMBURG = (9.99302, 53.55073)
VIENTIANE = (102.6, 17.96667)
SUEZ_CANAL = (32.55, 30.5)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.getbasetemp() / "planner-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANNER_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def layers(cache_dir: Path):
    from planner.layers import LayerSet

    return LayerSet()


@pytest.fixture(scope="session")
def network(layers) -> nw.Network:
    return nw.network_from_layers(layers)


# ---------------------------------------------------------------------------------------
# Parameters


def test_params_defaults_and_overrides() -> None:
    params = nw.network_params_from_mapping(
        {"rail_speed_kph": 45, "sea_avoid": ["northwest", "suez"], "access_k": 2}
    )
    assert params.rail_speed_kph == 45.0
    assert params.sea_avoid == ("northwest", "suez")
    assert params.access_k == 2
    assert params.port_time_h == nw.NetworkParams().port_time_h
    assert nw.network_params_from_mapping(None) == nw.NetworkParams()
    assert nw.NetworkParams().sea_speed_kph == pytest.approx(14 * 1.852)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"rail_sped_kph": 40}, ["rail_sped_kph", "40", "rail_speed_kph"]),
        ({"rail_speed_kph": "fast"}, ["rail_speed_kph", "'fast'", "number"]),
        ({"sea_speed_knots": 0}, ["sea_speed_knots", "greater than 0"]),
        ({"gauge_change_h": -1}, ["gauge_change_h", "-1"]),
        ({"sea_avoid": ["suez", "kiel"]}, ["sea_avoid", "'kiel'", "panama"]),
        ({"sea_avoid": "suez"}, ["sea_avoid", "list"]),
        ({"road_detour": 0.8}, ["road_detour", "0.8"]),
        ({"access_k": 0}, ["access_k", "0"]),
        ({"truck_daily_driving_h": 30}, ["truck_daily_driving_h", "24"]),
        ({"port_time_h": True}, ["port_time_h", "True"]),
        ({"air_ground_speed_kph": 0}, ["air_ground_speed_kph", "greater than 0"]),
        ({"air_connection_h": -2}, ["air_connection_h", "-2"]),
        ({"air_hub_radius_km": 300}, ["air_hub_radius_km", "air_access_km"]),
    ],
)
def test_params_errors_name_key_value_and_allowed(table: dict, words: list[str]) -> None:
    with pytest.raises(ScenarioError) as info:
        nw.network_params_from_mapping(table)
    for word in words:
        assert word in str(info.value)


def test_truck_time_rests_after_the_daily_limit() -> None:
    params = nw.NetworkParams(truck_speed_kph=60, truck_daily_driving_h=9)
    hours = nw.truck_time_h(np.array([60.0, 540.0, 1080.0]), params)
    # 1 h; 9 h (one full day's driving, no rest yet); 18 h of driving + one 15 h rest
    np.testing.assert_allclose(hours, [1.0, 9.0, 33.0])


def test_gauge_groups() -> None:
    assert list(nw.gauge_of(["CHN", "KAZ", "MNG", "BLR", "POL", "ESP", "", None])) == [
        1435, 1520, 1520, 1520, 1435, 1668, 1435, 1435,
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------
# Graph layers


def test_graph_specs_describe_three_package_graphs() -> None:
    assert [s.name for s in GRAPH_SPECS] == ["railways", "roads", "sea_lanes"]
    for spec in GRAPH_SPECS:
        assert spec.kind == "graph"
        assert not spec.user_file
        assert spec.source and spec.licence and spec.year
        assert {"node_id", "lon", "lat", "u", "v", "dist_km"} <= set(spec.column_names)


def test_sea_lanes_are_undirected_and_named() -> None:
    sea = load_sea_lanes()
    e = sea.edges
    assert (e["u"] < e["v"]).all()
    assert not e.duplicated(["u", "v"]).any()
    assert sea.nodes["lon"].between(-180, 180).all()
    assert {"suez", "panama", "malacca", "northwest"} <= set(e["passage"])
    # lengths are great-circle km between the node coordinates
    n = sea.nodes
    gc = great_circle_km(n.lon[e.u], n.lat[e.u], n.lon[e.v], n.lat[e.v])
    np.testing.assert_allclose(e["dist_km"], gc)


def test_graph_layer_from_frames_dedupes_and_validates() -> None:
    nodes = pd.DataFrame({"lon": [0.0, 1.0, 2.0], "lat": [0.0, 0.0, 0.0]})
    edges = pd.DataFrame({"u": [1, 0, 2, 1], "v": [0, 1, 2, 2], "dist_km": [5.0, 3.0, 0.0, 7.0]})
    g = graph_layer_from_frames("toy", nodes, edges)
    assert g.edges[["u", "v", "dist_km"]].values.tolist() == [[0, 1, 3.0], [1, 2, 7.0]]
    with pytest.raises(LayerError, match="outside 0..2"):
        GraphLayer("bad", g.nodes, pd.DataFrame({"u": [0], "v": [9], "dist_km": [1.0]}))
    with pytest.raises(LayerError, match="lacks column"):
        GraphLayer("bad", g.nodes.drop(columns="lat"), g.edges)


# ---------------------------------------------------------------------------------------
# Small synthetic networks


def _toy_layers(rng: np.random.Generator, n: int = 30) -> dict:
    lon = rng.uniform(10, 20, n)
    lat = rng.uniform(40, 50, n)
    pairs = {(i, int(rng.integers(0, i))) for i in range(1, n)}  # a spanning tree
    pairs |= {tuple(sorted(map(int, rng.integers(0, n, 2)))) for _ in range(n // 2)}
    u = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    km = great_circle_km(lon[u], lat[u], lon[v], lat[v]) * rng.uniform(1.0, 1.6, len(u))
    rail = graph_layer_from_frames(
        "railways",
        pd.DataFrame({"lon": lon, "lat": lat}),
        pd.DataFrame({"u": u, "v": v, "dist_km": km}),
    )
    sea = graph_layer_from_frames(
        "sea_lanes",
        pd.DataFrame({"lon": [0.0, 1.0], "lat": [0.0, 1.0]}),
        pd.DataFrame({"u": [0], "v": [1], "dist_km": [157.0], "passage": [""]}),
    )
    ports = pd.DataFrame(
        {"port_id": ["XXAAA"], "name": ["Toy"], "iso3": [""], "lon": [0.1], "lat": [0.1]}
    )
    return {"railways": rail, "sea_lanes": sea, "ports": ports}


@pytest.mark.parametrize("seed", range(25))
def test_adding_an_edge_never_makes_a_time_longer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = _toy_layers(rng)
    rail = base["railways"]
    a, b = (int(x) for x in rng.choice(len(rail.nodes), 2, replace=False))
    lon, lat = rail.nodes["lon"].to_numpy(), rail.nodes["lat"].to_numpy()
    extra = pd.DataFrame(
        {"u": [a], "v": [b], "dist_km": [great_circle_km(lon[a], lat[a], lon[b], lat[b])]}
    )
    more = dict(
        base,
        railways=graph_layer_from_frames(
            "railways", rail.nodes, pd.concat([rail.edges, extra], ignore_index=True)
        ),
    )
    params = nw.NetworkParams(rail_access_km=2000)
    places = np.column_stack([rng.uniform(10, 20, 12), rng.uniform(40, 50, 12)])
    before = nw.shortest_paths(
        nw.build_network(**base, params=params), places[:3], places[3:], mode="rail"
    )
    after = nw.shortest_paths(
        nw.build_network(**more, params=params), places[:3], places[3:], mode="rail"
    )
    assert np.isfinite(before.time_h).all()
    assert (after.time_h <= before.time_h + 1e-9).all()


def test_unreachable_targets_are_nan_with_a_reason() -> None:
    toy = _toy_layers(np.random.default_rng(1))
    net = nw.build_network(**toy, params=nw.NetworkParams(rail_access_km=50))
    res = nw.shortest_paths(
        net,
        np.array([[15.0, 45.0], [-60.0, -30.0]]),
        np.array([[-60.0, -30.0]]),
        mode="rail",
        origin_names=["Here", "Nowhere"],
    )
    assert np.isnan(res.time_h).all()
    assert np.isnan(res.dist_km).all()
    assert "no railway node within 50 km of the city" in res.reason[0, 0]
    assert "Nowhere has no railway node within 50 km" in res.reason[1, 0]


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = nw.build_network

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(nw, "build_network", counting)
    return calls


def test_cache_is_used_when_nothing_changed_and_rebuilt_on_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path))
    calls = _count_builds(monkeypatch)
    toy = _toy_layers(np.random.default_rng(7))
    first = nw.network_from_layers(toy)
    files = sorted(tmp_path.glob("network-*.npz"))
    assert len(calls) == 1 and len(files) == 1
    assert not list(tmp_path.glob(".network-*"))  # no temp file left behind

    again = nw.network_from_layers(toy)
    assert len(calls) == 1  # from the cache
    pd.testing.assert_frame_equal(again.edges, first.edges)
    pd.testing.assert_frame_equal(again.nodes, first.nodes)

    moved = dict(toy, ports=toy["ports"].assign(lon=[0.2]))
    nw.network_from_layers(moved)
    assert len(calls) == 2  # a layer changed

    faster = nw.NetworkParams(rail_speed_kph=50.0)
    rebuilt = nw.network_from_layers(toy, params=faster)
    assert len(calls) == 3  # a speed changed
    rail = rebuilt.edges["mode"] == "rail"
    np.testing.assert_allclose(
        rebuilt.edges.loc[rail, "time_h"], rebuilt.edges.loc[rail, "dist_km"] / 50.0
    )
    nw.network_from_layers(toy, params=dataclasses.replace(faster, air_speed_kph=900.0))
    assert len(calls) == 3  # an air speed does not change the graph
    assert len(list(tmp_path.glob("network-*.npz"))) == 3


def test_cache_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path))
    assert nw.network_cache_dir() == tmp_path
    monkeypatch.delenv("PLANNER_CACHE_DIR")
    assert "planner" in str(nw.network_cache_dir())


# ---------------------------------------------------------------------------------------
# The full network, against published facts


def _route(network: nw.Network, origin, target, mode: str) -> nw.PathResult:
    return nw.shortest_paths(
        network, np.array([origin]), np.array([target]), mode=mode, keep_predecessors=True
    )


def test_yiwu_to_madrid_by_rail(network: nw.Network) -> None:
    res = _route(network, YIWU, MADRID, "rail")
    # Xinhua: 13,052 km for the first Yiwu-Madrid train (2014)
    assert 12_000 <= res.dist_km[0, 0] <= 14_000
    legs = nw.path_legs(network, res, 0, 0, origin_name="Yiwu", target_name="Madrid")
    assert sum(leg["dist_km"] for leg in legs) == pytest.approx(res.dist_km[0, 0])
    assert sum(leg["time_h"] for leg in legs) == pytest.approx(res.time_h[0, 0])
    # gauge changes: China-Kazakhstan, into Poland from the 1,520 mm network, France-Spain
    changes = [leg for leg in legs if leg["mode"] == "gauge change"]
    assert len(changes) == 3
    assert "CHN" in changes[0]["from"] and "KAZ" in changes[0]["to"]
    assert "ESP" in changes[-1]["to"]
    # published transit times of the Yiwu-Madrid train: 16 to 21 days
    assert 14 * 24 <= res.time_h[0, 0] <= 23 * 24


def test_ningbo_to_hamburg_by_sea_via_suez(network: nw.Network) -> None:
    res = _route(network, NINGBO_PORT, HAMBURG, "sea")
    assert 19_000 <= res.dist_km[0, 0] <= 21_500
    # walk the tree: the route passes the Suez Canal
    n_all, src = res.n_nodes, network.n_nodes
    node = n_all - 1
    lon, lat = network.nodes["lon"].to_numpy(), network.nodes["lat"].to_numpy()
    near_suez = False
    while node != src:
        node = int(res.predecessors[0, node])
        if node < network.n_nodes:
            near_suez |= bool(great_circle_km(lon[node], lat[node], *SUEZ_CANAL) < 150)
    assert near_suez


def test_vientiane_needs_the_curated_china_laos_link(layers, network: nw.Network) -> None:
    with_link = _route(network, YIWU, VIENTIANE, "rail")
    assert np.isfinite(with_link.time_h[0, 0])
    legs = nw.path_legs(network, with_link, 0, 0, origin_name="Yiwu", target_name="Vientiane")
    assert "rail_link" in [leg["mode"] for leg in legs]

    lines = layers["rail_lines"]
    without = dict(
        railways=layers["railways"],
        sea_lanes=layers["sea_lanes"],
        ports=layers["ports"],
        countries=layers["countries"],
        rail_lines=lines[lines["line_id"] != "china_laos"],
    )
    cut = nw.network_from_layers(without)
    assert cut.key != network.key
    res = _route(cut, YIWU, VIENTIANE, "rail")
    assert np.isnan(res.time_h[0, 0]) and np.isnan(res.dist_km[0, 0])
    assert "not connected to" in res.reason[0, 0]

    restored = nw.network_from_layers(dict(without, rail_lines=lines))
    assert restored.key == network.key
    assert np.isfinite(_route(restored, YIWU, VIENTIANE, "rail").time_h[0, 0])


def test_build_logs_one_summary_line(caplog: pytest.LogCaptureFixture) -> None:
    toy = _toy_layers(np.random.default_rng(3))
    with caplog.at_level(logging.INFO, logger="planner.network"):
        nw.build_network(**toy)
    lines = [r.getMessage() for r in caplog.records if r.name == "planner.network"]
    assert len(lines) == 1 and "built the multimodal network" in lines[0]


def test_session_cache_dir_is_the_tmp_one(cache_dir: Path, network: nw.Network) -> None:
    assert os.environ["PLANNER_CACHE_DIR"] == str(cache_dir)
    assert (cache_dir / f"network-{network.key}.npz").exists()


# ---------------------------------------------------------------------------------------
# Air: trips over a route graph (planner._air)

# Toy airports on the equator, 1 degree of longitude = 111.2 km apart.
_AIRPORTS = pd.DataFrame(
    {
        "iata": ["ORG", "NXT", "HUB", "FAR", "END", "ISL"],
        "name": ["Origin", "Next door", "Hub", "Far", "End", "Island"],
        "lon": [0.0, 0.5, 10.0, 40.0, 20.0, 60.0],
        "lat": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    }
)
# ORG flies to HUB and FAR; HUB to END; NXT (56 km from ORG) flies to END nonstop.
_ROUTES = pd.DataFrame(
    {
        "from_iata": ["ORG", "ORG", "HUB", "NXT", "FAR", "END", "XXX"],
        "to_iata": ["HUB", "FAR", "END", "END", "ISL", "HUB", "ORG"],
    }
)


def _air(routes: pd.DataFrame = _ROUTES):
    from planner._air import air_network

    return air_network(_AIRPORTS, routes)


def test_air_network_drops_routes_to_unknown_airports() -> None:
    air = _air()
    assert air.n_airports == 6 and len(air.src) == 6 and air.dropped == 1


def test_air_trip_takes_the_fewest_flights_then_the_least_time() -> None:
    from planner._air import air_trips, trip_legs

    p = nw.NetworkParams()
    air = _air()
    # END (20E): nonstop from NXT (a road leg of 56 km at the start) beats ORG-HUB-END
    targets = np.array([[20.0, 0.0], [40.0, 0.3], [60.0, 0.0]])
    trips = air_trips(air, (0.0, 0.0), targets, p, origin_name="Home")
    assert trips.flights.tolist() == [1.0, 1.0, 2.0]
    assert [trips.route(air, j) for j in range(3)] == ["NXT-END", "ORG-FAR", "ORG-FAR-ISL"]
    road = float(great_circle_km(0.0, 0.0, 0.5, 0.0))
    flight = float(great_circle_km(0.5, 0.0, 20.0, 0.0))
    expected = (
        p.air_overhead_h
        + p.road_detour * road / p.air_ground_speed_kph
        + p.air_block_fixed_h
        + flight / p.air_speed_kph
    )
    assert trips.time_h[0] == pytest.approx(expected)
    assert trips.dist_km[0] == pytest.approx(flight)
    # one connection: two block times and one connection time, no road at either end
    legs_km = float(great_circle_km(0.0, 0.0, 40.0, 0.0) + great_circle_km(40.0, 0.0, 60.0, 0.0))
    assert trips.time_h[2] == pytest.approx(
        p.air_overhead_h + 2 * p.air_block_fixed_h + legs_km / p.air_speed_kph + p.air_connection_h
    )
    legs = trip_legs(air, trips, 2, p, origin_name="Home", target_name="Isle")
    assert [leg["mode"] for leg in legs] == ["airport", "flight", "connection", "flight"]
    assert legs[2]["from"] == "FAR Far"
    assert sum(leg["time_h"] for leg in legs) == pytest.approx(trips.time_h[2])


def test_air_connection_time_is_counted_per_connection() -> None:
    from planner._air import air_trips

    air = _air(_ROUTES[_ROUTES["from_iata"] != "NXT"])  # END now needs ORG-HUB-END
    p = nw.NetworkParams()
    slow = dataclasses.replace(p, air_connection_h=p.air_connection_h + 3.0)
    end = np.array([[20.0, 0.0]])
    base = air_trips(air, (0.0, 0.0), end, p, origin_name="H")
    more = air_trips(air, (0.0, 0.0), end, slow, origin_name="H")
    assert base.route(air, 0) == "ORG-HUB-END"
    assert more.time_h[0] - base.time_h[0] == pytest.approx(3.0)


def test_air_city_without_a_near_airport_uses_its_nearest() -> None:
    from planner._air import air_trips

    p = nw.NetworkParams()
    # 3 degrees (334 km) north of END: beyond air_access_km, so END serves it by road
    trips = air_trips(_air(), (0.0, 0.0), np.array([[20.0, 3.0]]), p, origin_name="H")
    assert trips.route(_air(), 0) == "NXT-END"
    assert trips.road_in_km[0] == pytest.approx(float(great_circle_km(20.0, 0.0, 20.0, 3.0)))


def test_air_unreachable_cities_get_a_reason() -> None:
    from planner._air import air_trips

    air = _air()
    # HUB -> ORG does not exist: from HUB nothing reaches ORG's neighbourhood
    two = np.array([[0.0, 0.0], [10.0, 0.2]])
    trips = air_trips(air, (10.0, 0.0), two, nw.NetworkParams(), origin_name="Hubtown")
    assert np.isnan(trips.time_h).all() and np.isnan(trips.flights).all()
    assert "no route of the air_routes layer" in trips.reason[0]
    assert "Hubtown's own: no flight" in trips.reason[1]
    one = np.array([[0.0, 0.0]])
    isolated = air_trips(air, (60.0, 0.0), one, nw.NetworkParams(), origin_name="Isle")
    assert "no airport near Isle (ISL) has a route" in isolated.reason[0]


def test_air_repeated_routes_count_once_and_cities_without_coordinates_say_so() -> None:
    from planner._air import air_trips

    twice = pd.concat([_ROUTES, _ROUTES.head(2)], ignore_index=True)
    air = _air(twice)
    assert len(air.src) == 6 and air.dropped == 3
    p = nw.NetworkParams()
    targets = np.array([[40.0, 0.0], [np.nan, 0.0]])
    once = air_trips(_air(), (0.0, 0.0), targets, p, origin_name="H")
    again = air_trips(air, (0.0, 0.0), targets, p, origin_name="H")
    assert again.time_h[0] == pytest.approx(once.time_h[0])
    assert np.isnan(again.time_h[1]) and again.reason[1] == "the city has no coordinates"
