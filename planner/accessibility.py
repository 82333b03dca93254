"""Stage 3: how far, and how many hours, each candidate city is from the home province.

For every candidate city (one row per ``city_id``):

- **rail freight** from the province's rail hub (the origin with role ``"rail"``): truck
  to the railway, the fastest route over the railway graph and the curated rail links
  (gauge changes included), truck to the city (:mod:`planner.network`);
- **sea freight** from the province's port (role ``"port"``): port call, sea lanes, port
  call at the best port for the city, truck inland;
- **air travel** for people from the province's airport (role ``"airport"``) over the
  real nonstop routes of the ``air_routes`` layer (OpenFlights 2014 by default): the
  trip with the fewest flights, then the least time, with block time per flight, a
  fixed overhead, road to and from the airports, and the connections it needs
  (:mod:`planner._air`);
- the best freight mode (the faster of rail and sea) and its time;
- distances to the nearest Belt and Road corridor, international rail-line node city (of
  a segment open to regular service),
  overseas cooperation zone (and whether that zone is sponsored by the home province;
  also the distance to the nearest zone the home province sponsors) and port; the
  arrival airport of the air trip and its distance.

A mode that cannot reach a city leaves NaN in its ``*_time_h`` and ``*_dist_km`` columns
and says why in ``*_reason``; never 0. All origins are routed at once: one Dijkstra tree
per origin over the whole network, and all candidates snapped in one KD-tree query.

The CLI command ``planner access`` uses :func:`accessibility_from_layers` and, with
``--to``, :func:`route_legs` and :func:`format_legs`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner._air import AIR_DATA, air_network_from_layers, air_trips, trip_legs
from planner._errors import LayerError, ScenarioError
from planner._graphs import EARTH_RADIUS_KM, great_circle_km
from planner.network import (
    Network,
    NetworkParams,
    network_from_layers,
    network_params_from_mapping,
    open_rail_nodes,
    optional_layer,
    path_legs,
    shortest_paths,
)

__all__ = [
    "ACCESSIBILITY_COLUMNS",
    "accessibility_from_layers",
    "add_accessibility",
    "format_accessibility",
    "format_legs",
    "nearest_km",
    "route_legs",
]

logger = logging.getLogger(__name__)

#: The columns of the accessibility frame, after ``city_id`` (data contract).
ACCESSIBILITY_COLUMNS: tuple[str, ...] = (
    "rail_time_h",
    "rail_dist_km",
    "rail_reason",
    "sea_time_h",
    "sea_dist_km",
    "sea_reason",
    "air_time_h",
    "air_dist_km",
    "air_reason",
    "air_flights",
    "air_route",
    "best_freight_mode",
    "best_freight_time_h",
    "dist_corridor_km",
    "nearest_corridor",
    "dist_rail_node_km",
    "nearest_rail_node",
    "dist_coop_zone_km",
    "nearest_coop_zone",
    "coop_zone_home",
    "dist_home_coop_zone_km",
    "dist_arrival_airport_km",
    "arrival_airport",
    "dist_port_km",
    "nearest_port",
)

_CORRIDOR_STEP_KM = 5.0  # corridor lines are sampled every 5 km for the distance


class OriginLike(Protocol):
    """An origin of the scenario: ``name``, ``role``, ``lon``, ``lat``."""

    name: str
    role: str
    lon: float
    lat: float


def _unit_xyz(lon: Any, lat: Any) -> np.ndarray:
    lo = np.radians(np.asarray(lon, dtype=float))
    la = np.radians(np.asarray(lat, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def nearest_km(lon: Any, lat: Any, to_lon: Any, to_lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle km from each point to the nearest of the ``to`` points, and its index.

    One KD-tree query on unit-sphere coordinates for all points; km are exact great-circle
    distances. With no ``to`` points, every distance is NaN and every index -1.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    to_lon = np.asarray(to_lon, dtype=float)
    to_lat = np.asarray(to_lat, dtype=float)
    if len(to_lon) == 0 or len(lon) == 0:
        return np.full(len(lon), np.nan), np.full(len(lon), -1, dtype=np.int64)
    chord, idx = cKDTree(_unit_xyz(to_lon, to_lat)).query(_unit_xyz(lon, lat))
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    return km, idx.astype(np.int64)


def _line_samples(lines: pd.DataFrame, step_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step_km`` along each line (great-circle interpolation), with the
    row index of the line they belong to."""
    import shapely

    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    for row, geom in enumerate(np.asarray(lines.geometry.values)):
        if geom is None or shapely.is_empty(geom):
            continue
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            if len(xy) == 1:
                lons.append(xy[:, 0])
                lats.append(xy[:, 1])
                owner.append(np.full(1, row))
                continue
            a, b = _unit_xyz(xy[:-1, 0], xy[:-1, 1]), _unit_xyz(xy[1:, 0], xy[1:, 1])
            seg_km = great_circle_km(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
            for i in range(len(seg_km)):
                n = max(int(np.ceil(seg_km[i] / step_km)), 1)
                f = np.linspace(0.0, 1.0, n + 1)[:, None]
                pts = a[i] * (1 - f) + b[i] * f
                pts /= np.linalg.norm(pts, axis=1, keepdims=True)
                lons.append(np.degrees(np.arctan2(pts[:, 1], pts[:, 0])))
                lats.append(np.degrees(np.arcsin(np.clip(pts[:, 2], -1, 1))))
                owner.append(np.full(len(pts), row))
    if not lons:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(lons), np.concatenate(lats), np.concatenate(owner)


def _origin(origins: Sequence[OriginLike], role: str) -> OriginLike | None:
    for origin in origins:
        if origin.role == role:
            return origin
    return None


def _params(params: NetworkParams | Mapping[str, Any] | None) -> NetworkParams:
    if params is None:
        return NetworkParams()
    if isinstance(params, NetworkParams):
        return params
    return network_params_from_mapping(params)


def _check_candidates(candidates: pd.DataFrame) -> None:
    missing = [c for c in ("city_id", "name", "lon", "lat") if c not in candidates.columns]
    if missing:
        msg = (
            f"candidates lacks the column(s) {missing!r}; pass the cities layer "
            "(city_id, name, lon, lat, ...)."
        )
        raise LayerError(msg)


def _check_origins(origins: Sequence[OriginLike]) -> None:
    for origin in origins:
        role = getattr(origin, "role", None)
        if role not in ("rail", "port", "airport", "city"):
            msg = (
                f"origin {getattr(origin, 'name', origin)!r} has role {role!r}; "
                "allowed roles: rail, port, airport, city."
            )
            raise ScenarioError(msg)


def _zone_sponsored(sponsors: pd.Series, province: str) -> np.ndarray:
    wanted = province.strip().casefold()
    return (
        sponsors.fillna("")
        .astype(str)
        .map(
            lambda text: any(
                p.strip().casefold() == wanted for p in text.replace(",", ";").split(";")
            )
        )
        .to_numpy(bool)
    )


def add_accessibility(
    candidates: pd.DataFrame,
    network: Network,
    layers: Mapping[str, Any],
    *,
    origins: Sequence[OriginLike],
    province: str,
    home_country: str | None = None,
) -> pd.DataFrame:
    """The accessibility frame of ``candidates`` over a built ``network``.

    See :func:`accessibility_from_layers`, which builds (or loads) the network first.
    """
    _check_candidates(candidates)
    _check_origins(origins)
    p = network.params
    cand = candidates.reset_index(drop=True)
    lon = cand["lon"].to_numpy(float)
    lat = cand["lat"].to_numpy(float)
    n = len(cand)
    out = pd.DataFrame({"city_id": cand["city_id"].to_numpy()})
    targets = np.column_stack([lon, lat])

    # -- freight: rail from the rail hub, sea from the port --------------------------
    for mode, role in (("rail", "rail"), ("sea", "port")):
        origin = _origin(origins, role)
        if origin is None:
            out[f"{mode}_time_h"] = np.nan
            out[f"{mode}_dist_km"] = np.nan
            out[f"{mode}_reason"] = f"the scenario has no origin with role {role!r}"
            continue
        res = shortest_paths(
            network,
            np.array([[origin.lon, origin.lat]]),
            targets,
            mode=mode,  # type: ignore[arg-type]
            origin_names=[origin.name],
        )
        out[f"{mode}_time_h"] = res.time_h[0]
        out[f"{mode}_dist_km"] = res.dist_km[0]
        out[f"{mode}_reason"] = res.reason[0].astype(str)

    # -- air, for people, over the routes of the air_routes layer ----------------------
    air, no_air = air_network_from_layers(layers)
    airport = _origin(origins, "airport")
    arrival_km = np.full(n, np.nan)
    arrival = np.full(n, "", dtype=object)
    if airport is None or air is None:
        out["air_time_h"] = np.nan
        out["air_dist_km"] = np.nan
        out["air_reason"] = (
            "the scenario has no origin with role 'airport'" if airport is None else no_air
        )
        out["air_flights"] = np.nan
        out["air_route"] = ""
    else:
        trips = air_trips(air, (airport.lon, airport.lat), targets, p, origin_name=airport.name)
        out["air_time_h"] = trips.time_h
        out["air_dist_km"] = trips.dist_km
        out["air_reason"] = trips.reason.astype(str)
        out["air_flights"] = trips.flights
        out["air_route"] = [trips.route(air, j) for j in range(n)]
        arrival_km = trips.road_in_km
        arrival = np.array(
            [air.label(path[-1]) if path else "" for path in trips.path], dtype=object
        )

    # -- best freight mode --------------------------------------------------------------
    rail_h = out["rail_time_h"].to_numpy(float)
    sea_h = out["sea_time_h"].to_numpy(float)
    best = np.fmin(rail_h, sea_h)
    out["best_freight_mode"] = np.where(
        np.isnan(best), "", np.where(np.isnan(sea_h) | (rail_h <= sea_h), "rail", "sea")
    )
    out["best_freight_time_h"] = best

    # -- proximity ----------------------------------------------------------------------
    corridors = optional_layer(layers, "corridors")
    if corridors is not None and len(corridors):
        s_lon, s_lat, owner = _line_samples(corridors, _CORRIDOR_STEP_KM)
        km, idx = nearest_km(lon, lat, s_lon, s_lat)
        out["dist_corridor_km"] = km
        names = corridors["name"].astype(str).to_numpy()
        out["nearest_corridor"] = np.where(idx >= 0, names[owner[np.maximum(idx, 0)]], "")
    else:
        out["dist_corridor_km"] = np.nan
        out["nearest_corridor"] = ""

    rail_nodes = optional_layer(layers, "rail_nodes")
    if rail_nodes is not None and len(rail_nodes):
        # only node cities of segments open to regular service count
        rail_nodes = open_rail_nodes(rail_nodes, optional_layer(layers, "rail_lines"))
    if rail_nodes is not None and len(rail_nodes) and home_country:
        # a line's node cities in the home country (Yiwu, Xi'an, Suzhou, ...) are where
        # it starts, not places abroad "on" it: an overseas city 900 km from Suzhou is not
        # near an international train line
        rail_nodes = rail_nodes[rail_nodes["iso3"].astype(str) != home_country]
    if rail_nodes is not None and len(rail_nodes):
        nodes = rail_nodes.drop_duplicates(["city", "iso3"])
        km, idx = nearest_km(lon, lat, nodes["lon"], nodes["lat"])
        out["dist_rail_node_km"] = km
        out["nearest_rail_node"] = (
            nodes["city"].astype(str) + " (" + nodes["iso3"].astype(str) + ")"
        ).to_numpy()[idx]
    else:
        out["dist_rail_node_km"] = np.nan
        out["nearest_rail_node"] = ""

    zones = optional_layer(layers, "cooperation_zones")
    if zones is not None and len(zones):
        km, idx = nearest_km(lon, lat, zones["lon"], zones["lat"])
        home = _zone_sponsored(zones["sponsor_province"], province)
        out["dist_coop_zone_km"] = km
        out["nearest_coop_zone"] = zones["name"].astype(str).to_numpy()[idx]
        out["coop_zone_home"] = home[idx]
        home_zones = zones[home]
        out["dist_home_coop_zone_km"] = nearest_km(lon, lat, home_zones["lon"], home_zones["lat"])[
            0
        ]
    else:
        out["dist_coop_zone_km"] = np.nan
        out["nearest_coop_zone"] = ""
        out["coop_zone_home"] = False
        out["dist_home_coop_zone_km"] = np.nan

    out["dist_arrival_airport_km"] = arrival_km
    out["arrival_airport"] = arrival

    ports = optional_layer(layers, "ports")
    if ports is not None and len(ports):
        km, idx = nearest_km(lon, lat, ports["lon"], ports["lat"])
        out["dist_port_km"] = km
        out["nearest_port"] = (
            ports["name"].astype(str) + " (" + ports["port_id"].astype(str) + ")"
        ).to_numpy()[idx]
    else:
        out["dist_port_km"] = np.nan
        out["nearest_port"] = ""

    out = out[["city_id", *ACCESSIBILITY_COLUMNS]]
    out["coop_zone_home"] = out["coop_zone_home"].astype(bool)
    logger.info(
        "measured the accessibility of %s candidate cities: rail reaches %s, sea %s, "
        "air %s (%s nonstop, %s); best freight by rail for %s, by sea for %s",
        f"{n:,}",
        f"{int(np.isfinite(rail_h).sum()):,}",
        f"{int(np.isfinite(sea_h).sum()):,}",
        f"{int(np.isfinite(out['air_time_h']).sum()):,}",
        f"{int((out['air_flights'] == 1).sum()):,}",
        AIR_DATA,
        f"{int((out['best_freight_mode'] == 'rail').sum()):,}",
        f"{int((out['best_freight_mode'] == 'sea').sum()):,}",
    )
    return out


def accessibility_from_layers(
    candidates: pd.DataFrame,
    layers: Mapping[str, Any],
    *,
    origins: Sequence[OriginLike],
    province: str,
    home_country: str | None = None,
    params: NetworkParams | Mapping[str, Any] | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Travel times and distances from the home province to every candidate city.

    Parameters
    ----------
    candidates
        The candidate cities: ``city_id``, ``name``, ``lon``, ``lat`` (degrees).
    layers
        Layer name -> frame (a :class:`planner.layers.LayerSet`). The network uses
        ``railways``, ``sea_lanes``, ``ports``, ``rail_lines`` and ``countries``; air
        travel ``airports`` and ``air_routes``; the proximity columns ``corridors``,
        ``rail_nodes``, ``cooperation_zones`` and ``ports``. A missing optional layer
        leaves its columns empty.
    origins
        Objects with ``name``, ``role`` (``"rail"``, ``"port"``, ``"airport"`` or
        ``"city"``), ``lon``, ``lat``; the first of each role is used.
    province
        The home province, matched against ``sponsor_province`` of the cooperation zones.
    home_country
        ISO3 code of the home country: its rail-line node cities do not count as node
        cities abroad (``dist_rail_node_km``). ``None``: every node counts.
    params
        :class:`planner.network.NetworkParams`, or the scenario's ``[network]`` table.
    cache
        Use the on-disk network cache.

    Returns
    -------
    DataFrame
        ``city_id`` and :data:`ACCESSIBILITY_COLUMNS`, in the order of ``candidates``:
        times in hours, distances in km; NaN and a reason where a mode cannot reach.
        ``air_dist_km`` is the great-circle km flown, over every flight; ``air_flights``
        the number of flights (1 = nonstop); ``air_route`` the airports of the trip as
        IATA codes (``"HGH-AMS-BUD"``); ``arrival_airport`` and
        ``dist_arrival_airport_km`` the airport the trip lands at and its great-circle km
        to the city.
    """
    network = network_from_layers(layers, params=_params(params), cache=cache)
    return add_accessibility(
        candidates, network, layers, origins=origins, province=province,
        home_country=home_country,
    )


# ---------------------------------------------------------------------------------------
# Routes, for `planner access --to CITY`


def _find_cities(candidates: pd.DataFrame, names: Sequence[str]) -> list[int]:
    rows = []
    folded_name = candidates["name"].astype(str).str.casefold()
    folded_ascii = (
        candidates["asciiname"].astype(str).str.casefold()
        if "asciiname" in candidates.columns
        else folded_name
    )
    for name in names:
        key = str(name).strip().casefold()
        match = candidates[(folded_name == key) | (folded_ascii == key)]
        if match.empty:
            close = candidates[folded_name.str.startswith(key[:4])]["name"].head(5).tolist()
            hint = f" Close names: {', '.join(close)}." if close else ""
            msg = (
                f"--to {name!r} is not one of the candidate cities; give a candidate's "
                f"name as the cities layer spells it.{hint}"
            )
            raise LayerError(msg)
        if "population" in match.columns:
            match = match.sort_values("population", ascending=False)
        rows.append(int(match.index[0]))
    return rows


def route_legs(
    candidates: pd.DataFrame,
    layers: Mapping[str, Any],
    *,
    to: Sequence[str],
    origins: Sequence[OriginLike],
    params: NetworkParams | Mapping[str, Any] | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """The legs of the rail, sea and air routes from the home province to some cities.

    Parameters
    ----------
    candidates
        The candidate cities (``city_id``, ``name``, ``lon``, ``lat``; ``asciiname`` and
        ``population`` help to match names).
    layers, origins, params, cache
        As for :func:`accessibility_from_layers`.
    to
        City names (case-insensitive; the most populous candidate of a name is taken).

    Returns
    -------
    DataFrame
        One row per leg: ``city``, ``route`` (``"rail"``, ``"sea"``, ``"air"``), ``leg``
        (1, 2, ...), ``mode``, ``from``, ``to``, ``dist_km``, ``time_h``. A route that
        cannot reach the city has one row with mode ``"unreachable"``, NaN km and
        hours, and the reason in ``to``. The air route lists the fixed time at the
        airports (mode ``"airport"``), the road to the departure airport, each flight
        (mode ``"flight"``, airport to airport, great-circle km) with a ``"connection"``
        row at each airport where the traveller changes planes, and the road from the
        arrival airport (road km are ``road_detour`` times the great circle).
    """
    _check_candidates(candidates)
    _check_origins(origins)
    cand = candidates.reset_index(drop=True)
    picks = _find_cities(cand, to)
    network = network_from_layers(layers, params=_params(params), cache=cache)
    p = network.params
    chosen = cand.loc[picks]
    targets = chosen[["lon", "lat"]].to_numpy(float)
    names = chosen["name"].astype(str).tolist()
    rows: list[dict[str, Any]] = []

    def unreachable(city: str, route: str, reason: str) -> None:
        rows.append(
            {
                "city": city,
                "route": route,
                "leg": 1,
                "mode": "unreachable",
                "from": "",
                "to": reason,
                "dist_km": np.nan,
                "time_h": np.nan,
            }
        )

    for route, role in (("rail", "rail"), ("sea", "port")):
        origin = _origin(origins, role)
        if origin is None:
            for city in names:
                unreachable(city, route, f"the scenario has no origin with role {role!r}")
            continue
        res = shortest_paths(
            network,
            np.array([[origin.lon, origin.lat]]),
            targets,
            mode=route,  # type: ignore[arg-type]
            origin_names=[origin.name],
            keep_predecessors=True,
        )
        for j, city in enumerate(names):
            legs = path_legs(network, res, 0, j, origin_name=origin.name, target_name=city)
            if not legs:
                unreachable(city, route, str(res.reason[0, j]))
            for i, leg in enumerate(legs, start=1):
                rows.append({"city": city, "route": route, "leg": i, **leg})

    airport = _origin(origins, "airport")
    air, no_air = air_network_from_layers(layers)
    if airport is None or air is None:
        why = "the scenario has no origin with role 'airport'" if airport is None else no_air
        for city in names:
            unreachable(city, "air", why)
    else:
        trips = air_trips(air, (airport.lon, airport.lat), targets, p, origin_name=airport.name)
        for j, city in enumerate(names):
            legs = trip_legs(air, trips, j, p, origin_name=airport.name, target_name=city)
            if not legs:
                unreachable(city, "air", str(trips.reason[j]))
            for i, leg in enumerate(legs, start=1):
                rows.append({"city": city, "route": "air", "leg": i, **leg})
    frame = pd.DataFrame(
        rows, columns=["city", "route", "leg", "mode", "from", "to", "dist_km", "time_h"]
    )
    order = {name: i for i, name in enumerate(names)}
    frame = frame.sort_values(
        ["city", "route", "leg"], key=lambda s: s.map(order) if s.name == "city" else s
    )
    return frame.reset_index(drop=True)


def _table(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for col in shown.columns:
        if col.endswith("_km"):
            shown[col] = shown[col].map(lambda x: "" if pd.isna(x) else f"{x:,.0f}")
        elif col.endswith("_h"):
            shown[col] = shown[col].map(lambda x: "" if pd.isna(x) else f"{x:,.1f}")
    return shown.to_string(index=False)


def format_legs(legs: pd.DataFrame, *, fmt: Literal["table", "csv"] = "table") -> str:
    """Text of :func:`route_legs`: an aligned table (km rounded, hours to 0.1, a total
    per route) or CSV."""
    if fmt == "csv":
        return legs.to_csv(index=False)
    if fmt != "table":
        msg = f"fmt must be 'table' or 'csv', not {fmt!r}."
        raise ValueError(msg)
    blocks = []
    for (city, route), group in legs.groupby(["city", "route"], sort=False):
        total_km = group["dist_km"].sum(min_count=1)
        total_h = group["time_h"].sum(min_count=1)
        head = f"{city} by {route}"
        flights = int((group["mode"] == "flight").sum())
        if route == "air" and flights:
            stops = "nonstop" if flights == 1 else f"{flights - 1} connection" + (
                "s" if flights > 2 else ""
            )
            head += f" ({stops}, {AIR_DATA} routes)"
        head += ": "
        head += (
            "unreachable"
            if pd.isna(total_h)
            else f"{total_km:,.0f} km, {total_h:,.1f} h ({total_h / 24:,.1f} days)"
        )
        body = _table(group[["leg", "mode", "from", "to", "dist_km", "time_h"]])
        blocks.append(head + "\n" + body)
    return "\n\n".join(blocks) + "\n"


def format_accessibility(
    frame: pd.DataFrame,
    *,
    fmt: Literal["table", "csv", "geojson"] = "table",
    candidates: pd.DataFrame | None = None,
) -> str:
    """Text of an accessibility frame: a table, CSV, or GeoJSON points.

    ``candidates`` (with ``city_id``, ``name``, ``iso3``, ``lon``, ``lat``) adds the
    city names to the table and CSV and is required for GeoJSON.
    """
    merged = frame
    if candidates is not None:
        keep = [c for c in ("city_id", "name", "iso3", "lon", "lat") if c in candidates]
        merged = candidates[keep].merge(frame, on="city_id", how="right")
    if fmt == "csv":
        return merged.to_csv(index=False)
    if fmt == "table":
        cols = [
            c
            for c in (
                "name",
                "iso3",
                "rail_time_h",
                "sea_time_h",
                "air_time_h",
                "air_route",
                "best_freight_mode",
                "dist_rail_node_km",
                "dist_coop_zone_km",
                "nearest_coop_zone",
            )
            if c in merged.columns
        ]
        return _table(merged[cols]) + "\n"
    if fmt == "geojson":
        if candidates is None or not {"lon", "lat"} <= set(merged.columns):
            msg = "GeoJSON output needs the candidates (with lon and lat) to place the cities."
            raise ValueError(msg)
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(
            merged.drop(columns=["geometry"], errors="ignore"),
            geometry=gpd.points_from_xy(merged["lon"], merged["lat"]),
            crs="EPSG:4326",
        )
        return gdf.to_json(na="null", drop_id=True)
    msg = f"fmt must be 'table', 'csv' or 'geojson', not {fmt!r}."
    raise ValueError(msg)
