"""Air travel for people over the OpenFlights 2014 routes (stage 2, air).

The air network has the airports of the ``airports`` layer as nodes and the directed
nonstop airport pairs of the ``air_routes`` layer as edges. By default both come from the
OpenFlights route database as of June 2014 ("OpenFlights 2014", ODbL 1.0): routes opened
since are missing and routes closed since are still there, so the network is a proxy of
connectivity, not a timetable.

A trip from the province's airport origin to a city:

1. by road from the origin to a departure airport: the airports within
   ``air_access_km`` of the origin (or its nearest airport when none is), each at
   ``road_detour`` times the great-circle km over ``air_ground_speed_kph``;
2. one or more flights over the routes, each taking its block time
   ``air_block_fixed_h + km / air_speed_kph`` for its great-circle km, with
   ``air_connection_h`` at each airport where the traveller changes planes;
3. by road from an arrival airport to the city: the airports within ``air_access_km``
   of the city, or its nearest airport when none is.

Of all such trips the planner takes one with the **fewest flights** and, among those, the
**least time**: a city is reached nonstop whenever an airport near it has a route from a
departure airport, with one connection when some airport has routes from a departure
airport and to an arrival airport, and so on. The time of the trip is::

    time_h = air_overhead_h + road out + sum of block times
             + (flights - 1) * air_connection_h + road in

One Dijkstra tree over the route graph from a source joined to the departure airports
answers every city at once; each flight weighs ``_FLIGHT_H`` hours more than its block
time, which makes the fewest flights the first criterion and the time the second.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from planner._errors import LayerError
from planner._graphs import EARTH_RADIUS_KM, great_circle_km
from planner.network import NetworkParams

__all__ = ["AirNetwork", "AirTrips", "air_network", "air_network_from_layers", "air_trips"]

logger = logging.getLogger(__name__)

# Weight of one flight in the search, hours: far above any trip's time, so that the
# Dijkstra distance is (flights, time) in lexicographic order.
_FLIGHT_H = 1.0e4
#: What the default air layers are, for reasons and legs.
AIR_DATA = "OpenFlights 2014"


@dataclass(frozen=True)
class AirNetwork:
    """Airports and the nonstop routes between them.

    ``iata``, ``name``, ``lon``, ``lat`` have one entry per airport; ``src`` and ``dst``
    one per route (indices into the airports); ``dropped`` counts the routes left out
    because one of their airports is not in the airports layer (or because they repeat a
    pair, or fly from an airport to itself).
    """

    iata: np.ndarray
    name: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    dropped: int = 0

    @property
    def n_airports(self) -> int:
        return len(self.iata)

    def label(self, i: int) -> str:
        """``"KIX Kansai International Airport"``."""
        return f"{self.iata[i]} {self.name[i]}".strip()


def _unit_xyz(lon: Any, lat: Any) -> np.ndarray:
    lo = np.radians(np.asarray(lon, dtype=float))
    la = np.radians(np.asarray(lat, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def air_network(airports: pd.DataFrame, routes: pd.DataFrame) -> AirNetwork:
    """The air network of an airports layer and an air_routes layer.

    Parameters
    ----------
    airports
        ``iata``, ``name``, ``lon``, ``lat`` (degrees).
    routes
        ``from_iata``, ``to_iata``: directed nonstop pairs.

    Raises
    ------
    LayerError
        When a column is missing.
    """
    for frame, what, cols in (
        (airports, "airports", ("iata", "lon", "lat")),
        (routes, "air_routes", ("from_iata", "to_iata")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            msg = f"The {what} layer lacks the column(s) {missing!r}; see `planner layers`."
            raise LayerError(msg)
    ports = airports.dropna(subset=["iata", "lon", "lat"]).drop_duplicates("iata")
    iata = ports["iata"].astype(str).to_numpy(dtype=object)
    index = pd.Index(iata)
    src = index.get_indexer(routes["from_iata"].astype(str))
    dst = index.get_indexer(routes["to_iata"].astype(str))
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    # one edge per pair (a sparse graph would add up the weights of repeated pairs)
    keep[keep] = ~pd.Series(src[keep] * len(iata) + dst[keep]).duplicated().to_numpy()
    names = ports["name"] if "name" in ports.columns else pd.Series("", index=ports.index)
    return AirNetwork(
        iata=iata,
        name=names.fillna("").astype(str).to_numpy(dtype=object),
        lon=ports["lon"].to_numpy(float),
        lat=ports["lat"].to_numpy(float),
        src=src[keep].astype(np.int64),
        dst=dst[keep].astype(np.int64),
        dropped=int((~keep).sum()),
    )


def air_network_from_layers(layers: Mapping[str, Any]) -> tuple[AirNetwork | None, str]:
    """The air network of the layer set, or ``None`` and the reason when a layer is absent."""
    names = set(iter(layers))
    absent = [n for n in ("airports", "air_routes") if n not in names]
    if absent:
        return None, f"the layer set has no {' or '.join(absent)} layer"
    return air_network(layers["airports"], layers["air_routes"]), ""


@dataclass(frozen=True)
class AirTrips:
    """The air trips from one origin to many cities (one entry per city).

    ``time_h``: door-to-door hours (NaN where no trip exists, with the reason in
    ``reason``); ``dist_km``: great-circle km flown, over every flight; ``flights``: the
    number of flights (1 = nonstop; NaN where unreachable); ``path``: the airports of
    the trip in order (indices into the network's airports), departure airport first;
    ``road_out_km`` and ``road_in_km``: great-circle km from the origin to the
    departure airport and from the arrival airport to the city.
    """

    time_h: np.ndarray
    dist_km: np.ndarray
    flights: np.ndarray
    path: tuple[tuple[int, ...], ...]
    road_out_km: np.ndarray
    road_in_km: np.ndarray
    reason: np.ndarray

    def route(self, air: AirNetwork, j: int) -> str:
        """The airports of trip ``j`` as IATA codes: ``"HGH-PEK-BUD"``; empty if none."""
        return "-".join(str(air.iata[i]) for i in self.path[j])


def _near(
    air: AirNetwork, tree: cKDTree, lon: np.ndarray, lat: np.ndarray, radius_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(place, airport, km) for the airports within ``radius_km`` of each place, or its
    nearest airport when none is; places without finite coordinates get none."""
    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if len(ok) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    xyz = _unit_xyz(lon[ok], lat[ok])
    chord = 2.0 * np.sin(min(radius_km, np.pi * EARTH_RADIUS_KM) / (2.0 * EARTH_RADIUS_KM))
    within = tree.query_ball_point(xyz, chord)
    _, nearest = tree.query(xyz)
    place = np.concatenate(
        [np.full(max(len(w), 1), ok[i], dtype=np.int64) for i, w in enumerate(within)]
    )
    airport = np.concatenate(
        [np.asarray(w if w else [nearest[i]], dtype=np.int64) for i, w in enumerate(within)]
    )
    km = great_circle_km(lon[place], lat[place], air.lon[airport], air.lat[airport])
    return place, airport, np.atleast_1d(km)


def air_trips(
    air: AirNetwork,
    origin_lonlat: tuple[float, float],
    targets_lonlat: np.ndarray,
    params: NetworkParams,
    *,
    origin_name: str,
) -> AirTrips:
    """The trip with the fewest flights, then the least time, to every target.

    Parameters
    ----------
    air
        The air network.
    origin_lonlat
        The province's airport origin: longitude, latitude in degrees.
    targets_lonlat
        Array of shape (n, 2): the cities, longitude and latitude in degrees.
    params
        ``air_*`` and ``road_detour`` are used (see :class:`planner.network.NetworkParams`).
    origin_name
        For the reasons given when a city cannot be reached.
    """
    p = params
    targets = np.asarray(targets_lonlat, dtype=float).reshape(-1, 2)
    n_t = len(targets)
    time_h = np.full(n_t, np.nan)
    dist_km = np.full(n_t, np.nan)
    flights = np.full(n_t, np.nan)
    road_out = np.full(n_t, np.nan)
    road_in = np.full(n_t, np.nan)
    paths: list[tuple[int, ...]] = [()] * n_t
    reason = np.full(n_t, "", dtype=object)

    def done() -> AirTrips:
        return AirTrips(time_h, dist_km, flights, tuple(paths), road_out, road_in, reason)

    if air.n_airports == 0 or len(air.src) == 0:
        reason[:] = "the air network has no routes"
        return done()
    if n_t == 0:
        return done()
    n = air.n_airports
    tree = cKDTree(_unit_xyz(air.lon, air.lat))

    def road_h(km: np.ndarray) -> np.ndarray:
        return p.road_detour * km / p.air_ground_speed_kph

    if not (np.isfinite(origin_lonlat[0]) and np.isfinite(origin_lonlat[1])):
        reason[:] = f"the origin {origin_name} has no coordinates"
        return done()
    # departure airports, joined to a source node (index n) by road
    _, dep, dep_km = _near(
        air, tree, np.array([origin_lonlat[0]]), np.array([origin_lonlat[1]]), p.air_access_km
    )
    leg_km = great_circle_km(air.lon[air.src], air.lat[air.src], air.lon[air.dst], air.lat[air.dst])
    block = p.air_block_fixed_h + leg_km / p.air_speed_kph
    u = np.concatenate([air.src, np.full(len(dep), n)])
    v = np.concatenate([air.dst, dep])
    w = np.concatenate([_FLIGHT_H + block, np.maximum(road_h(dep_km), 1e-9)])
    graph = csr_matrix((w, (u, v)), shape=(n + 1, n + 1))
    dist, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True)
    n_flights = np.floor(dist / _FLIGHT_H)
    out_km = np.zeros(n + 1)
    out_km[dep] = dep_km

    # arrival: the best of each city's airports, a trip of at least one flight
    place, arr, arr_km = _near(air, tree, targets[:, 0], targets[:, 1], p.air_access_km)
    key = dist[arr] + road_h(arr_km)
    key[n_flights[arr] < 1] = np.inf
    order = np.lexsort((key, place))
    first = order[np.r_[True, place[order][1:] != place[order][:-1]]]
    best = first[np.isfinite(key[first])]
    city = place[best]
    a = arr[best]
    k = n_flights[a]
    # walk the tree back to the source: the airports of each trip
    nodes = [a]
    km = np.zeros(len(a))
    cur = a.copy()
    for _ in range(int(k.max()) if len(k) else 0):
        prev = pred[cur]
        step = prev != n
        prev_safe = np.where(step, prev, cur)
        km += great_circle_km(air.lon[prev_safe], air.lat[prev_safe], air.lon[cur], air.lat[cur])
        cur = prev_safe
        nodes.append(np.where(step, prev, -1))
    trail = np.column_stack(nodes[::-1])
    for row, c in enumerate(city):
        paths[c] = tuple(int(i) for i in trail[row] if i >= 0)
    block_h = k * p.air_block_fixed_h + km / p.air_speed_kph
    time_h[city] = (
        p.air_overhead_h
        + road_h(out_km[cur])
        + block_h
        + (k - 1) * p.air_connection_h
        + road_h(arr_km[best])
    )
    dist_km[city] = km
    flights[city] = k
    road_out[city] = out_km[cur]  # the walk ends at each trip's departure airport
    road_in[city] = arr_km[best]

    unreached = np.isnan(time_h)
    no_place = ~(np.isfinite(targets[:, 0]) & np.isfinite(targets[:, 1]))
    reason[no_place] = "the city has no coordinates"
    unreached &= ~no_place
    if unreached.any():
        routed = np.isin(dep, air.src)
        codes = ", ".join(str(c) for c in air.iata[dep][:5])
        if not routed.any():
            why = (
                f"no airport near {origin_name} ({codes}) has a route in the air_routes "
                f"layer ({AIR_DATA} by default)"
            )
            reason[unreached] = why
        else:
            sel = unreached[place]
            near = pd.Series(air.iata[arr[sel]]).groupby(place[sel]).agg(
                lambda s: ", ".join(s[:5])
            )
            home = pd.Series(np.isin(arr[sel], dep)).groupby(place[sel]).all()
            for c in np.flatnonzero(unreached):
                reason[c] = (
                    f"the city's airports ({near.get(c, '')}) are {origin_name}'s own: "
                    "no flight"
                    if home.get(c, False)
                    else f"no route of the air_routes layer ({AIR_DATA} by default) reaches "
                    f"the airports of the city ({near.get(c, '')}) from {origin_name}'s ({codes})"
                )
    logger.debug(
        "air: %s airports, %s routes (%s left out), %s cities reached",
        f"{n:,}",
        f"{len(air.src):,}",
        f"{air.dropped:,}",
        f"{int(np.isfinite(time_h).sum()):,}",
    )
    return done()


def trip_legs(
    air: AirNetwork,
    trips: AirTrips,
    j: int,
    params: NetworkParams,
    *,
    origin_name: str,
    target_name: str,
) -> list[dict[str, Any]]:
    """The legs of trip ``j``: ``mode`` (``"airport"`` for the fixed time at the
    airports, ``"road"``, ``"flight"``, ``"connection"``), ``from``, ``to``,
    ``dist_km``, ``time_h``; they add up to ``trips.time_h[j]``. A road leg of 0 km
    (the origin is the airport) is left out. Empty if unreachable."""
    if not np.isfinite(trips.time_h[j]):
        return []
    p = params
    path = trips.path[j]
    legs: list[dict[str, Any]] = [
        {
            "mode": "airport",
            "from": "check-in before departure and formalities on arrival",
            "to": "",
            "dist_km": 0.0,
            "time_h": p.air_overhead_h,
        }
    ]

    def road(frm: str, to: str, km: float) -> None:
        if km <= 0:
            return
        legs.append(
            {
                "mode": "road",
                "from": frm,
                "to": to,
                "dist_km": p.road_detour * km,
                "time_h": p.road_detour * km / p.air_ground_speed_kph,
            }
        )

    road(origin_name, air.label(path[0]), float(trips.road_out_km[j]))
    for i, (a, b) in enumerate(pairwise(path)):
        if i:
            legs.append(
                {
                    "mode": "connection",
                    "from": air.label(a),
                    "to": "",
                    "dist_km": 0.0,
                    "time_h": p.air_connection_h,
                }
            )
        km = float(great_circle_km(air.lon[a], air.lat[a], air.lon[b], air.lat[b]))
        legs.append(
            {
                "mode": "flight",
                "from": air.label(a),
                "to": air.label(b),
                "dist_km": km,
                "time_h": p.air_block_fixed_h + km / p.air_speed_kph,
            }
        )
    road(air.label(path[-1]), target_name, float(trips.road_in_km[j]))
    return legs
