"""Tests of planner.accessibility: the accessibility frame, air distances against pyproj,
unreachable modes, proximity columns and route legs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import accessibility as acc
from planner import network as nw
from planner._errors import LayerError

# GeoNames coordinates (geonameid, name, ISO3, lon, lat)
CITIES = pd.DataFrame(
    [
        (3117735, "Madrid", "ESP", -3.70256, 40.4165),
        (2911298, "Hamburg", "DEU", 9.99302, 53.55073),
        (1651944, "Vientiane", "LAO", 102.6, 17.96667),
        (292223, "Dubai", "ARE", 55.30472, 25.25817),
        (184745, "Nairobi", "KEN", 36.81667, -1.28333),
        (1850147, "Tokyo", "JPN", 139.69171, 35.6895),
        (1526384, "Almaty", "KAZ", 76.92861, 43.25667),
        (3054643, "Budapest", "HUN", 19.04045, 47.49835),
        (1853909, "Osaka", "JPN", 135.50218, 34.69374),
        (1835848, "Seoul", "KOR", 126.9784, 37.566),
    ],
    columns=["city_id", "name", "iso3", "lon", "lat"],
)


@dataclass(frozen=True)
class Origin:
    name: str
    role: str
    lon: float
    lat: float


ORIGINS = (
    Origin("Yiwu", "rail", 120.07676, 29.31506),
    Origin("Ningbo-Zhoushan", "port", 121.559404, 29.871877),
    Origin("Hangzhou Xiaoshan International Airport", "airport", 120.434, 30.2295),
    Origin("Hangzhou", "city", 120.16142, 30.29365),
)


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
def frame(layers) -> pd.DataFrame:
    out = acc.accessibility_from_layers(CITIES, layers, origins=ORIGINS, province="Zhejiang")
    return out.set_index(CITIES["name"].to_numpy())


def test_columns_follow_the_contract(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["city_id", *acc.ACCESSIBILITY_COLUMNS]
    assert frame["city_id"].tolist() == CITIES["city_id"].tolist()
    assert frame["coop_zone_home"].dtype == bool


def test_unreachable_is_nan_with_a_reason_never_zero(frame: pd.DataFrame) -> None:
    for mode in ("rail", "sea", "air"):
        t, d, why = frame[f"{mode}_time_h"], frame[f"{mode}_dist_km"], frame[f"{mode}_reason"]
        assert (t.dropna() > 0).all() and (d.dropna() > 0).all()
        assert (t.isna() == d.isna()).all()
        assert (t.isna() == (why != "")).all()
    # no railway joins China to Kenya or Japan; Almaty is far from the sea
    assert np.isnan(frame.loc["Nairobi", "rail_time_h"])
    assert "not connected" in frame.loc["Nairobi", "rail_reason"]
    assert np.isnan(frame.loc["Tokyo", "rail_time_h"])
    assert np.isnan(frame.loc["Almaty", "sea_time_h"])
    assert frame.loc["Almaty", "sea_reason"]


def test_published_distances(frame: pd.DataFrame) -> None:
    assert 12_000 <= frame.loc["Madrid", "rail_dist_km"] <= 14_000
    assert 19_000 <= frame.loc["Hamburg", "sea_dist_km"] <= 21_500
    assert np.isfinite(frame.loc["Vientiane", "rail_time_h"])
    # the Danube ports nearest Budapest are not on the sea lanes: a sea port serves it
    assert np.isfinite(frame.loc["Budapest", "sea_time_h"])
    assert frame.loc["Budapest", "sea_dist_km"] > 15_000


def test_air_distance_is_the_flown_great_circle(frame: pd.DataFrame, layers) -> None:
    from pyproj import Geod

    airports = layers["airports"].set_index("iata")
    for city in ("Dubai", "Budapest"):
        codes = frame.loc[city, "air_route"].split("-")
        lon, lat = airports.loc[codes, "lon"].to_numpy(), airports.loc[codes, "lat"].to_numpy()
        _, _, metres = Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        assert frame.loc[city, "air_dist_km"] == pytest.approx(metres.sum() / 1000, rel=0.006)


def test_osaka_and_seoul_are_nonstop_budapest_needs_one_connection(
    frame: pd.DataFrame, layers
) -> None:
    p = nw.NetworkParams()
    routes = layers["air_routes"]
    pairs = set(zip(routes["from_iata"], routes["to_iata"], strict=True))
    osaka = frame.loc["Osaka"]
    assert osaka["air_flights"] == 1 and osaka["air_route"] == "HGH-KIX"
    assert osaka["arrival_airport"].startswith("KIX")
    # door to door: airport overhead, one block time, the road from Kansai to the city
    road_h = p.road_detour * osaka["dist_arrival_airport_km"] / p.air_ground_speed_kph
    block_h = p.air_block_fixed_h + osaka["air_dist_km"] / p.air_speed_kph
    assert osaka["air_time_h"] == pytest.approx(p.air_overhead_h + block_h + road_h)
    assert 2.0 <= block_h <= 2.6  # a 1,466 km flight
    assert osaka["air_time_h"] < 8.8  # the ten-hub rule added a connection at ICN
    assert frame.loc["Seoul", "air_flights"] == 1
    assert frame.loc["Seoul", "air_route"] in {"HGH-ICN", "HGH-GMP"}
    budapest = frame.loc["Budapest"]
    assert budapest["air_flights"] == 2
    first, via, last = budapest["air_route"].split("-")
    assert first == "HGH" and last == "BUD"
    assert (first, via) in pairs and (via, last) in pairs and (first, last) not in pairs
    # one connection, counted once, on top of two block times
    assert budapest["air_time_h"] == pytest.approx(
        p.air_overhead_h
        + 2 * p.air_block_fixed_h
        + budapest["air_dist_km"] / p.air_speed_kph
        + p.air_connection_h
        + p.road_detour * budapest["dist_arrival_airport_km"] / p.air_ground_speed_kph
    )


def test_air_flights_and_route_agree(frame: pd.DataFrame) -> None:
    assert frame["air_time_h"].notna().all()
    hops = frame["air_route"].str.count("-")
    assert (hops == frame["air_flights"]).all()
    assert frame["air_route"].str.startswith("HGH").all()
    assert (frame["dist_arrival_airport_km"] >= 0).all()


def test_air_without_the_route_layers_gives_a_reason(layers) -> None:
    only = {name: layers[name] for name in ("railways", "sea_lanes", "ports", "airports")}
    out = acc.accessibility_from_layers(
        CITIES.head(2), only, origins=ORIGINS, province="Zhejiang"
    )
    assert out["air_time_h"].isna().all() and out["air_flights"].isna().all()
    assert (out["air_reason"] == "the layer set has no air_routes layer").all()


def test_best_freight_mode(frame: pd.DataFrame) -> None:
    for _, row in frame.iterrows():
        times = {m: row[f"{m}_time_h"] for m in ("rail", "sea") if np.isfinite(row[f"{m}_time_h"])}
        if not times:
            assert row["best_freight_mode"] == "" and np.isnan(row["best_freight_time_h"])
            continue
        best = min(times, key=times.get)
        assert row["best_freight_time_h"] == times[best]
        assert row["best_freight_mode"] == best
    assert frame.loc["Almaty", "best_freight_mode"] == "rail"
    assert frame.loc["Tokyo", "best_freight_mode"] == "sea"


def test_proximity_columns(frame: pd.DataFrame, layers) -> None:
    assert frame.loc["Madrid", "dist_rail_node_km"] < 20
    assert frame.loc["Madrid", "nearest_rail_node"].startswith("Madrid")
    assert frame.loc["Dubai", "arrival_airport"].startswith("DXB")
    assert frame.loc["Hamburg", "dist_port_km"] < 30
    assert (frame["dist_corridor_km"] >= 0).all()
    assert (frame["nearest_corridor"] != "").all()
    zones = layers["cooperation_zones"]
    assert set(frame["nearest_coop_zone"]) <= set(zones["name"])


def test_budapest_is_no_rail_line_city_while_the_hungarian_section_is_not_open(
    frame: pd.DataFrame, layers
) -> None:
    rail = layers["rail_lines"]
    bb = rail[rail["line_id"] == "budapest_belgrade"].sort_values("seq")
    # Budapest ends only the Subotica-Budapest segment, which has no opening date
    assert bb["to_city"].iloc[-1] == "Budapest" and pd.isna(bb["opened"].iloc[-1])
    assert (layers["rail_nodes"]["city"] == "Budapest").sum() == 1
    assert not frame.loc["Budapest", "nearest_rail_node"].startswith("Budapest")
    # the nearest open node is Subotica, the end of the open Serbian section
    assert frame.loc["Budapest", "nearest_rail_node"] == "Subotica (SRB)"
    assert frame.loc["Budapest", "dist_rail_node_km"] > 150


def test_only_open_segments_make_rail_line_cities(layers) -> None:
    rail = layers["rail_lines"]
    nodes = layers["rail_nodes"]
    now = nw.open_rail_nodes(nodes, rail)
    assert "Budapest" not in set(now["city"]) and "Subotica" in set(now["city"])
    assert len(nw.open_rail_segments(rail)) == len(rail) - 1
    # once the Hungarian section opens, Budapest counts again
    opened = rail.copy()
    opened["opened"] = opened["opened"].fillna(2026)
    assert "Budapest" in set(nw.open_rail_nodes(nodes, opened)["city"])
    # a line none of whose segments is open makes no node city at all
    closed = rail.copy()
    closed.loc[closed["line_id"] == "jakarta_bandung", "opened"] = pd.NA
    assert not {"Jakarta", "Bandung"} & set(nw.open_rail_nodes(nodes, closed)["city"])
    # without the lines layer every node counts
    assert len(nw.open_rail_nodes(nodes, None)) == len(nodes)


def test_cooperation_zone_of_the_home_province(layers) -> None:
    zones = layers["cooperation_zones"]
    home = zones[zones["sponsor_province"].str.contains("Zhejiang", na=False)].iloc[0]
    other = zones[~zones["sponsor_province"].str.contains("Zhejiang", na=False)].iloc[0]
    at = pd.DataFrame(
        {
            "city_id": [1, 2],
            "name": ["at home zone", "at other zone"],
            "lon": [home["lon"], other["lon"]],
            "lat": [home["lat"], other["lat"]],
        }
    )
    out = acc.accessibility_from_layers(at, layers, origins=ORIGINS, province="zhejiang")
    assert out["coop_zone_home"].tolist() == [True, False]
    assert out["dist_coop_zone_km"].tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert out.loc[0, "dist_home_coop_zone_km"] == pytest.approx(0.0, abs=1e-6)
    assert out.loc[1, "dist_home_coop_zone_km"] > 0
    # a province that sponsors no zone: never home, no distance
    none = acc.accessibility_from_layers(at, layers, origins=ORIGINS, province="Atlantis")
    assert not none["coop_zone_home"].any()
    assert none["dist_home_coop_zone_km"].isna().all()


def test_missing_origin_roles_give_reasons(layers) -> None:
    only_rail = [ORIGINS[0]]
    out = acc.accessibility_from_layers(
        CITIES.head(2), layers, origins=only_rail, province="Zhejiang"
    )
    assert out["sea_time_h"].isna().all() and out["air_time_h"].isna().all()
    assert (out["sea_reason"] == "the scenario has no origin with role 'port'").all()
    assert (out["air_reason"] == "the scenario has no origin with role 'airport'").all()
    assert out["rail_time_h"].notna().all()


def test_nearest_km_matches_pyproj() -> None:
    from pyproj import Geod

    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-180, 180, 200), rng.uniform(-70, 70, 200)
    to_lon, to_lat = rng.uniform(-180, 180, 50), rng.uniform(-70, 70, 50)
    km, idx = acc.nearest_km(lon, lat, to_lon, to_lat)
    _, _, metres = Geod(ellps="WGS84").inv(lon, lat, to_lon[idx], to_lat[idx])
    np.testing.assert_allclose(km, metres / 1000, rtol=0.006)
    # the nearest is the nearest: brute force over all pairs
    every = nw.great_circle_km(lon[:, None], lat[:, None], to_lon[None, :], to_lat[None, :])
    np.testing.assert_allclose(km, every.min(axis=1), rtol=1e-9)
    empty_km, empty_idx = acc.nearest_km(lon, lat, [], [])
    assert np.isnan(empty_km).all() and (empty_idx == -1).all()


def test_route_legs_add_up_to_the_frame(frame: pd.DataFrame, layers) -> None:
    legs = acc.route_legs(CITIES, layers, to=["madrid", "Nairobi"], origins=ORIGINS)
    assert list(legs.columns) == ["city", "route", "leg", "mode", "from", "to", "dist_km", "time_h"]
    rail = legs[(legs["city"] == "Madrid") & (legs["route"] == "rail")]
    assert rail["time_h"].sum() == pytest.approx(frame.loc["Madrid", "rail_time_h"])
    assert rail["dist_km"].sum() == pytest.approx(frame.loc["Madrid", "rail_dist_km"])
    assert rail["from"].iloc[0] == "Yiwu" and rail["to"].iloc[-1] == "Madrid"
    assert (rail["mode"] == "gauge change").sum() == 3
    sea = legs[(legs["city"] == "Madrid") & (legs["route"] == "sea")]
    assert sea["time_h"].sum() == pytest.approx(frame.loc["Madrid", "sea_time_h"])
    assert (sea["mode"] == "port").sum() == 2
    air = legs[(legs["city"] == "Nairobi") & (legs["route"] == "air")]
    assert air["time_h"].sum() == pytest.approx(frame.loc["Nairobi", "air_time_h"])
    flights = air[air["mode"] == "flight"]
    assert flights["dist_km"].sum() == pytest.approx(frame.loc["Nairobi", "air_dist_km"])
    codes = frame.loc["Nairobi", "air_route"].split("-")
    assert [f.split()[0] for f in flights["from"]] == codes[:-1]
    assert [t.split()[0] for t in flights["to"]] == codes[1:]
    assert (air["mode"] == "connection").sum() == len(codes) - 2
    assert air["to"].iloc[-1] == "Nairobi"
    blocked = legs[(legs["city"] == "Nairobi") & (legs["route"] == "rail")]
    assert blocked["mode"].tolist() == ["unreachable"]
    assert blocked["to"].iloc[0] == frame.loc["Nairobi", "rail_reason"]

    text = acc.format_legs(legs)
    assert "Madrid by rail: 12," in text and "Nairobi by rail: unreachable" in text
    assert "Nairobi by air (" in text and "OpenFlights 2014 routes)" in text
    assert acc.format_legs(legs, fmt="csv").startswith("city,route,leg,mode")


def test_route_legs_unknown_city(layers) -> None:
    with pytest.raises(LayerError, match="'Atlantis' is not one of the candidate cities"):
        acc.route_legs(CITIES, layers, to=["Atlantis"], origins=ORIGINS)


def test_format_accessibility(frame: pd.DataFrame) -> None:
    plain = frame.reset_index(drop=True)
    table = acc.format_accessibility(plain, candidates=CITIES)
    assert "Madrid" in table and "rail_time_h" in table
    assert acc.format_accessibility(plain, fmt="csv").startswith("city_id,rail_time_h")
    geo = json.loads(acc.format_accessibility(plain, fmt="geojson", candidates=CITIES))
    assert len(geo["features"]) == len(CITIES)
    madrid = next(f for f in geo["features"] if f["properties"]["name"] == "Madrid")
    assert madrid["geometry"]["coordinates"] == pytest.approx([-3.70256, 40.4165])
    nairobi = next(f for f in geo["features"] if f["properties"]["name"] == "Nairobi")
    assert nairobi["properties"]["rail_time_h"] is None
    with pytest.raises(ValueError, match="needs the candidates"):
        acc.format_accessibility(plain, fmt="geojson")


def test_logs_one_summary_line(layers, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="planner.accessibility"):
        acc.accessibility_from_layers(CITIES, layers, origins=ORIGINS, province="Zhejiang")
    lines = [r.getMessage() for r in caplog.records if r.name == "planner.accessibility"]
    assert len(lines) == 1
    assert lines[0].startswith("measured the accessibility of 10 candidate cities")
    assert "nonstop, OpenFlights 2014" in lines[0]


def test_air_trip_text_for_the_map_and_the_brief(frame: pd.DataFrame) -> None:
    from planner import _format as fmt

    osaka = frame.loc["Osaka"]
    assert fmt.air_trip(osaka) == f"{fmt.hours(osaka['air_time_h'])}, nonstop HGH-KIX"
    budapest = fmt.air_trip(frame.loc["Budapest"])
    assert ", 1 connection HGH-" in budapest and budapest.endswith("-BUD")
    assert fmt.air_trip({"air_time_h": float("nan"), "air_route": ""}) == "not reachable"
    assert fmt.air_trip({"air_time_h": 5.0}) == "5.0 h"  # a run without air_route


def test_home_country_nodes_are_not_node_cities_abroad(layers) -> None:
    # Seoul's nearest node city of any line is in China (Suzhou, ~900 km): with the home
    # country given, its nearest node is one abroad, farther away, and never Chinese
    seoul = CITIES[CITIES["name"] == "Seoul"]
    every = acc.accessibility_from_layers(seoul, layers, origins=ORIGINS, province="Zhejiang")
    abroad = acc.accessibility_from_layers(
        seoul, layers, origins=ORIGINS, province="Zhejiang", home_country="CHN"
    )
    assert every.loc[0, "nearest_rail_node"].endswith("(CHN)")
    assert not abroad.loc[0, "nearest_rail_node"].endswith("(CHN)")
    assert abroad.loc[0, "dist_rail_node_km"] > every.loc[0, "dist_rail_node_km"]
    # a node city abroad stays one
    almaty = CITIES[CITIES["name"] == "Almaty"]
    out = acc.accessibility_from_layers(
        almaty, layers, origins=ORIGINS, province="Zhejiang", home_country="CHN"
    )
    assert out.loc[0, "dist_rail_node_km"] < 5.0  # the GeoNames points of one city
