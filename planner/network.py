"""Stage 2: one multimodal freight network, with travel times in hours.

The network is a directed graph held as a scipy sparse matrix. Its infrastructure part
is built once and cached on disk:

- **rail**: the OpenStreetMap railway graph (:func:`planner._graphs.load_railways`);
  each edge takes ``dist_km / rail_speed_kph`` hours, plus ``gauge_change_h`` where it
  crosses from one track gauge to another (for example China (1,435 mm) to Kazakhstan or
  Mongolia (1,520 mm) at Alashankou/Khorgos or Erenhot, Belarus (1,520 mm) to Poland
  (1,435 mm) at Brest-Małaszewicze, France to Spain (1,668 mm) at Irún/Hendaye);
- **rail_link**: the curated rail-line segments that the OpenStreetMap graph lacks
  (rows of ``rail_lines`` with ``routed == False`` whose two ends lie in different
  components of the railway graph, such as Vang Vieng-Vientiane on the China-Laos
  railway), with a short link from each end city to the nearest railway node; only
  segments open to regular service (``opened`` given) count;
- **sea**: searoute's maritime network; each edge takes ``dist_km / sea speed`` hours;
  lanes through the passages in ``sea_avoid`` are left out;
- **port**: each port of the ``ports`` layer is linked to the nearest sea-lane node; the
  link takes ``port_time_h`` (the ship's time in port) plus its sailing time.

Places (the province's origins and the candidate cities) join the network at query
time through **road** connectors: a truck leg of ``road_detour`` times the great-circle
distance to each of the ``access_k`` nearest railway nodes (for rail) or ports (for sea)
within ``rail_access_km`` or ``port_access_km``. Connectors only leave an origin and
only enter a city, so no route passes through a city to jump between two networks by
road. :func:`shortest_paths` then runs one Dijkstra tree per origin over the whole graph
(``scipy.sparse.csgraph.dijkstra``), never a routing call per pair.

Gauge groups are assigned per country (ISO3), the node's country coming from the
``countries`` layer: 1,520 mm (and the compatible Finnish 1,524 mm) in the former
Soviet railways, Mongolia and Finland; 1,668 mm in Spain and Portugal; 1,435 mm
elsewhere. Metre and Cape gauges (South-East Asia, Africa) are not modelled: their
borders carry no dwell.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from planner._errors import NetworkError, ScenarioError
from planner._graphs import EARTH_RADIUS_KM, GraphLayer, great_circle_km

__all__ = [
    "FREIGHT_MODES",
    "PASSAGES",
    "Network",
    "NetworkParams",
    "PathResult",
    "build_network",
    "network_cache_dir",
    "network_from_layers",
    "network_params_from_mapping",
    "open_rail_nodes",
    "open_rail_segments",
    "optional_layer",
    "path_legs",
    "shortest_paths",
    "truck_time_h",
]

logger = logging.getLogger(__name__)

FreightMode = Literal["rail", "sea"]
FREIGHT_MODES: tuple[str, ...] = ("rail", "sea")

#: Named passages of searoute's maritime network that ``sea_avoid`` may list.
PASSAGES: tuple[str, ...] = (
    "babalmandab",
    "bering",
    "bosporus",
    "chili",
    "dardanelles",
    "gibraltar",
    "malacca",
    "northwest",
    "ormuz",
    "panama",
    "south_africa",
    "suez",
    "sunda",
)

#: Countries of the 1,520 mm gauge (OSJD members' "1520 space") and Finland (1,524 mm,
#: run through without a gauge change from Russia).
GAUGE_1520: frozenset[str] = frozenset(
    {
        "RUS", "BLR", "UKR", "MDA", "KAZ", "UZB", "KGZ", "TJK", "TKM",
        "MNG", "GEO", "ARM", "AZE", "EST", "LVA", "LTU", "FIN",
    }
)  # fmt: skip
#: Countries of the Iberian gauge (1,668 mm).
GAUGE_1668: frozenset[str] = frozenset({"ESP", "PRT"})

_KNOT_KPH = 1.852  # one knot is one nautical mile (1,852 m) per hour, by definition
_CACHE_FORMAT = 1
_CACHE_KEEP = 4  # network files kept in the cache folder

# Node kinds and edge modes, stored as small integer codes.
NODE_KINDS: tuple[str, ...] = ("rail", "rail_link", "sea", "port", "place")
EDGE_MODES: tuple[str, ...] = ("rail", "rail_link", "sea", "port", "road")
_MODE_EDGES = {"rail": ("rail", "rail_link"), "sea": ("sea", "port")}
_MODE_ACCESS = {"rail": ("rail", "rail_link"), "sea": ("port",)}


@dataclass(frozen=True)
class NetworkParams:
    """Speeds, dwell times and access rules of the network; every one a ``[network]`` key.

    Parameters
    ----------
    rail_speed_kph
        Average speed of a China-Europe container train between gauge changes, km/h.
        Default 38.8: the Chongqing-Duisburg train runs 11,179 km in 16 days on
        average (China Daily, 13 September 2013, "Rail route to Europe improves freight
        transport"); less the two gauge changes on that route (Alashankou, Brest) at
        ``gauge_change_h`` each, that is 11,179 km / (384 h - 96 h) = 38.8 km/h.
    gauge_change_h
        Dwell where a train crosses between track gauges (containers moved between
        wagons), hours. Default 48: trains wait two to three days at the
        Małaszewicze-Brest crossing in a regular trip (DHL Freight and InterRail Poland
        at the Silk Road Summit, reported by RailTech, 29 March 2018); the lower end is
        taken and used at every gauge change (Alashankou/Khorgos, Erenhot, Brest, Irún),
        for want of published figures for the others.
    sea_speed_knots
        Container ship speed, knots. Default 14: the average operating speed of
        container ships was 13.72 knots in February 2023 (Clarksons Research, reported
        by TradeWinds, 6 March 2023), rounded.
    port_time_h
        Time a container ship spends in port per call, added at the port of loading and
        at the port of discharge, hours. Default 16.8: the median time in port of
        container ships in 2018 was 0.7 days (UNCTAD port call statistics from
        MarineTraffic AIS data, 2019).
    sea_avoid
        Named passages whose lanes are left out (see :data:`PASSAGES`). Default
        ``("northwest",)``, as in searoute itself: the Northwest Passage is not a
        container route.
    truck_speed_kph
        Average truck speed on the road connectors, km/h. Default 60: two thirds of the
        90 km/h that the speed limiters of heavy goods vehicles allow in the EU (Council
        Directive 92/6/EEC as amended by 2002/85/EC), for mixed urban and rural roads;
        an assumption.
    truck_daily_driving_h
        Driving hours per day; beyond them a truck stops for the rest of the day (24 h
        less the driving hours). Default 9: the daily driving limit of Regulation (EC)
        No 561/2006, article 6(1).
    road_detour
        Road distance over great-circle distance on the connectors. Default 1.3: the
        national road circuity factor of South Korea is 1.26 and those of Japan and
        the EU are higher (Kim, Shin, Lee and Suh, Journal of the Korean Society of
        Agricultural Engineers 57(4), 2015), rounded up.
    rail_access_km
        Longest truck leg to or from a railway node, km (great circle). Default 150; an
        assumption (a day's drayage to a rail freight terminal).
    port_access_km
        Longest truck leg to or from a port, km (great circle). Default 1,500; an
        assumption (about three days' trucking under the daily driving limit).
    rail_link_snap_km
        Longest link from the end city of a curated rail-line segment to the railway
        graph, km. Default 25; an assumption (a city's rail yard).
    port_snap_km
        Longest link from a port to the sea-lane network, km. Default 300: long enough
        for river ports such as Hamburg; an assumption.
    access_k
        Nearest railway nodes (or ports) a place is connected to. Default 4.
    air_speed_kph
        Cruise speed of a passenger jet, km/h. Default 828: Mach 0.78 (the usual cruise
        Mach number of the Airbus A320 and Boeing 737 families, manufacturers' data)
        at 11 km altitude, where sound travels at 295.07 m/s (ICAO standard atmosphere).
    air_block_fixed_h
        Time of each flight beyond its great-circle distance at cruise speed (taxiing out
        and in, climb, descent, approach), hours: a flight's block time is
        ``air_block_fixed_h + km / air_speed_kph``. Default 0.5; an assumption (a linear
        block-time model, not fitted to published timetables).
    air_overhead_h
        Fixed time of a trip by air, hours. Default 4: airlines ask passengers to be at
        the airport 3 hours before an international departure; one hour on arrival for
        immigration and baggage is an assumption.
    air_connection_h
        Time at the airport for each connection a trip needs (between landing and the
        next departure), hours. Default 2; an assumption (a minimum connecting time with
        some slack).
    air_access_km
        The airports that serve a place (the province's airport origin, or a city): those
        within this great-circle distance, km, or the nearest airport when none is.
        Default 100; an assumption (about 1.5 hours by road).
    air_ground_speed_kph
        Average speed by road between a place and its airport, km/h, over
        ``road_detour`` times the great-circle distance. Default 60; an assumption (the
        truck speed of the connectors, for mixed urban and rural roads).
    """

    rail_speed_kph: float = 38.8
    gauge_change_h: float = 48.0
    sea_speed_knots: float = 14.0
    port_time_h: float = 16.8
    sea_avoid: tuple[str, ...] = ("northwest",)
    truck_speed_kph: float = 60.0
    truck_daily_driving_h: float = 9.0
    road_detour: float = 1.3
    rail_access_km: float = 150.0
    port_access_km: float = 1500.0
    rail_link_snap_km: float = 25.0
    port_snap_km: float = 300.0
    access_k: int = 4
    air_speed_kph: float = 828.0
    air_block_fixed_h: float = 0.5
    air_overhead_h: float = 4.0
    air_connection_h: float = 2.0
    air_access_km: float = 100.0
    air_ground_speed_kph: float = 60.0

    @property
    def sea_speed_kph(self) -> float:
        """Ship speed in km/h."""
        return self.sea_speed_knots * _KNOT_KPH

    def graph_items(self) -> dict[str, Any]:
        """The parameters the cached infrastructure graph depends on."""
        return {name: getattr(self, name) for name in _GRAPH_PARAMS}


_GRAPH_PARAMS = (
    "rail_speed_kph",
    "gauge_change_h",
    "sea_speed_knots",
    "port_time_h",
    "sea_avoid",
    "rail_link_snap_km",
    "port_snap_km",
)
_POSITIVE = {
    "rail_speed_kph",
    "sea_speed_knots",
    "truck_speed_kph",
    "truck_daily_driving_h",
    "air_speed_kph",
    "air_ground_speed_kph",
    "rail_access_km",
    "port_access_km",
    "rail_link_snap_km",
    "port_snap_km",
}


def network_params_from_mapping(mapping: Mapping[str, Any] | None) -> NetworkParams:
    """Read the scenario's ``[network]`` table into :class:`NetworkParams`.

    Parameters
    ----------
    mapping
        Key -> value; every key a field of :class:`NetworkParams`. Missing keys keep
        their defaults.

    Raises
    ------
    ScenarioError
        Naming the key, the value and what is allowed, for an unknown key, a value of
        the wrong type, a speed or distance that is not positive, a time or factor out of
        range, or an unknown passage.
    """
    if mapping is None:
        return NetworkParams()
    if not isinstance(mapping, Mapping):
        msg = f"The [network] table must be a table of key = value, not {mapping!r}."
        raise ScenarioError(msg)
    fields = {f.name: f for f in dataclasses.fields(NetworkParams)}
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        if key not in fields:
            allowed = ", ".join(fields)
            msg = (
                f"[network] has an unknown key {key!r} (value {value!r}); allowed keys: {allowed}."
            )
            raise ScenarioError(msg)
        values[key] = _check_param(key, value)
    return NetworkParams(**values)


def _check_param(key: str, value: Any) -> Any:
    if key == "sea_avoid":
        if isinstance(value, str) or not isinstance(value, Sequence):
            msg = (
                f"[network] sea_avoid must be a list of passage names, not {value!r}; "
                f"allowed passages: {', '.join(PASSAGES)}."
            )
            raise ScenarioError(msg)
        bad = [p for p in value if p not in PASSAGES]
        if bad:
            msg = (
                f"[network] sea_avoid lists an unknown passage {bad[0]!r} (value {value!r}); "
                f"allowed passages: {', '.join(PASSAGES)}."
            )
            raise ScenarioError(msg)
        return tuple(dict.fromkeys(str(p) for p in value))
    if key == "access_k":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32:
            msg = f"[network] access_k must be a whole number from 1 to 32, not {value!r}."
            raise ScenarioError(msg)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        msg = f"[network] {key} must be a number, not {value!r}."
        raise ScenarioError(msg)
    value = float(value)
    if key in _POSITIVE and value <= 0:
        msg = f"[network] {key} must be greater than 0, not {value!r}."
        raise ScenarioError(msg)
    if value < 0:
        msg = f"[network] {key} must be 0 or more, not {value!r}."
        raise ScenarioError(msg)
    if key == "truck_daily_driving_h" and value > 24:
        msg = f"[network] truck_daily_driving_h must be at most 24 hours, not {value!r}."
        raise ScenarioError(msg)
    if key == "road_detour" and value < 1:
        msg = f"[network] road_detour must be 1 or more (a road is never shorter), not {value!r}."
        raise ScenarioError(msg)
    return value


def truck_time_h(road_km: Any, params: NetworkParams) -> np.ndarray:
    """Hours a truck needs for ``road_km`` of road, rests under the daily limit included.

    Driving time is ``road_km / truck_speed_kph``; every hour driven beyond the daily
    limit adds ``(24 - limit) / limit`` hours of rest, so that two full days of driving
    take 24 h + the day's driving hours.
    """
    drive = np.asarray(road_km, dtype=float) / params.truck_speed_kph
    limit = params.truck_daily_driving_h
    rest = np.maximum(drive - limit, 0.0) * (24.0 - limit) / limit
    return drive + rest


def gauge_of(iso3: Any) -> np.ndarray:
    """Track gauge group (mm) of each ISO3 code: 1520, 1668 or 1435."""
    codes = pd.Series(np.asarray(iso3, dtype=object)).fillna("")
    out = np.full(len(codes), 1435, dtype=np.int16)
    out[codes.isin(GAUGE_1520).to_numpy()] = 1520
    out[codes.isin(GAUGE_1668).to_numpy()] = 1668
    return out


def _unit_xyz(lon: Any, lat: Any) -> np.ndarray:
    lo = np.radians(np.asarray(lon, dtype=float))
    la = np.radians(np.asarray(lat, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _km_to_chord(km: float) -> float:
    return float(2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0))


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


# ---------------------------------------------------------------------------------------
# The infrastructure network


@dataclass(frozen=True)
class Network:
    """The infrastructure part of the multimodal network.

    Parameters
    ----------
    nodes
        ``node_id`` (row position), ``kind`` (``"rail"``, ``"rail_link"``, ``"sea"``,
        ``"port"``), ``lon``, ``lat``, ``name`` (ports and curated end cities; empty
        otherwise), ``iso3`` (railway nodes and ports; may be empty).
    edges
        Undirected edges, each once: ``u``, ``v``, ``mode`` (``"rail"``,
        ``"rail_link"``, ``"sea"``, ``"port"``), ``dist_km``, ``time_h``,
        ``gauge_change`` (bool).
    params
        The parameters the network was built with.
    key
        Hash of the inputs and graph parameters; names the cache file.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    params: NetworkParams
    key: str

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def _arrays(self, mode: FreightMode) -> tuple[np.ndarray, ...]:
        cache = self.__dict__.setdefault("_mode_arrays", {})
        if mode not in cache:
            wanted = [EDGE_MODES.index(m) for m in _MODE_EDGES[mode]]
            codes = self.edges["mode"].map(EDGE_MODES.index).to_numpy()
            sel = np.isin(codes, wanted)
            e = self.edges[sel]
            u = e["u"].to_numpy(np.int64)
            v = e["v"].to_numpy(np.int64)
            both_u = np.concatenate([u, v])
            both_v = np.concatenate([v, u])
            cache[mode] = (
                both_u,
                both_v,
                np.tile(e["time_h"].to_numpy(float), 2),
                np.tile(e["dist_km"].to_numpy(float), 2),
                np.tile(codes[sel].astype(np.int8), 2),
                np.tile(e["gauge_change"].to_numpy(bool), 2),
            )
        return cache[mode]

    def _access_tree(self, mode: FreightMode) -> tuple[cKDTree, np.ndarray]:
        cache = self.__dict__.setdefault("_access_trees", {})
        if mode not in cache:
            ids = np.flatnonzero(self.nodes["kind"].isin(_MODE_ACCESS[mode]).to_numpy())
            if mode == "sea":  # only ports linked to the sea lanes (not inland river ports)
                linked = self.edges.loc[self.edges["mode"] == "port", ["u", "v"]].to_numpy()
                ids = np.intersect1d(ids, linked.ravel())
            xyz = _unit_xyz(self.nodes["lon"].to_numpy()[ids], self.nodes["lat"].to_numpy()[ids])
            cache[mode] = (cKDTree(xyz), ids)
        return cache[mode]

    def access(
        self, lon: Any, lat: Any, *, mode: FreightMode
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Road connectors from places to the network of ``mode``, all places at once.

        Returns
        -------
        place, node, road_km
            Parallel arrays: place index, network node id, road km (great circle times
            ``road_detour``), for the ``access_k`` nearest access nodes within
            ``rail_access_km`` (rail) or ``port_access_km`` (sea).
        """
        p = self.params
        tree, ids = self._access_tree(mode)
        limit = p.rail_access_km if mode == "rail" else p.port_access_km
        k = min(p.access_k, len(ids))
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if k == 0 or len(lon) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        chord, idx = tree.query(_unit_xyz(lon, lat), k=k, distance_upper_bound=_km_to_chord(limit))
        chord = chord.reshape(len(lon), k)
        idx = idx.reshape(len(lon), k)
        ok = np.isfinite(chord)
        place = np.repeat(np.arange(len(lon)), k).reshape(len(lon), k)[ok]
        node = ids[idx[ok]]
        return place, node, _chord_to_km(chord[ok]) * p.road_detour


def _hash_frame(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    present = [c for c in columns if c in frame.columns]
    hashed = pd.util.hash_pandas_object(
        pd.DataFrame(frame[present]).astype(str), index=False
    ).to_numpy()
    return hashlib.blake2b(hashed.tobytes(), digest_size=16).hexdigest()


def _countries_hash(countries: pd.DataFrame | None) -> str:
    if countries is None:
        return "none"
    import shapely

    digest = hashlib.blake2b(digest_size=16)
    digest.update("\x1f".join(countries["iso3"].astype(str)).encode())
    for wkb in shapely.to_wkb(np.asarray(countries.geometry.values)):
        digest.update(wkb)
    return digest.hexdigest()


def open_rail_segments(rail_lines: pd.DataFrame) -> pd.DataFrame:
    """The segments of ``rail_lines`` open to regular service.

    A segment with an empty ``opened`` is not open (built, under construction or only
    test-run) and does not count: it links no gap of the railway graph and makes no
    rail-line node city. A layer without an ``opened`` column is taken as all open.
    """
    if "opened" not in rail_lines.columns:
        return rail_lines
    return rail_lines[pd.to_numeric(rail_lines["opened"], errors="coerce").notna()]


def open_rail_nodes(rail_nodes: pd.DataFrame, rail_lines: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of ``rail_nodes`` that end at least one open segment of their line.

    Node ``seq`` k of a line ends its segments k - 1 and k, so a node city reached only
    through segments that are not open (Budapest while the Hungarian section of
    Budapest-Belgrade is not open) is left out. Without ``rail_lines`` (or its
    ``line_id`` and ``seq`` columns) every node counts.
    """
    if rail_lines is None or not {"line_id", "seq"} <= set(rail_lines.columns):
        return rail_nodes
    if not {"line_id", "seq"} <= set(rail_nodes.columns):
        return rail_nodes
    seg = open_rail_segments(rail_lines)
    seq_num = pd.to_numeric(seg["seq"], errors="coerce")
    seg, seq_num = seg[seq_num.notna()], seq_num[seq_num.notna()]  # unordered rows end nothing
    line = seg["line_id"].astype(str).tolist()
    seq = seq_num.astype(int).tolist()
    ends = set(zip(line, seq, strict=True)) | {(i, k + 1) for i, k in zip(line, seq, strict=True)}
    keys = zip(
        rail_nodes["line_id"].astype(str),
        pd.to_numeric(rail_nodes["seq"], errors="coerce"),
        strict=True,
    )
    return rail_nodes[[(i, k) in ends for i, k in keys]]


def _gap_rows(rail_lines: pd.DataFrame | None) -> pd.DataFrame:
    """Curated segments open to service but not routed over the railway graph, with end
    coordinates."""
    cols = ["line_id", "seq", "from_city", "from_iso3", "to_city", "to_iso3", "length_km"]
    if rail_lines is None or len(rail_lines) == 0:
        return pd.DataFrame(columns=[*cols, "lon0", "lat0", "lon1", "lat1"])
    rail_lines = open_rail_segments(rail_lines)
    routed = rail_lines["routed"].astype("boolean").fillna(False).to_numpy(bool)
    gaps = rail_lines[~routed]
    import shapely

    geoms = np.asarray(gaps.geometry.values)
    first = shapely.get_point(geoms, 0)
    last = shapely.get_point(geoms, -1)
    out = pd.DataFrame({c: gaps[c].to_numpy() for c in cols if c in gaps.columns})
    out["lon0"], out["lat0"] = shapely.get_x(first), shapely.get_y(first)
    out["lon1"], out["lat1"] = shapely.get_x(last), shapely.get_y(last)
    return out.reset_index(drop=True)


def network_key(
    railways: GraphLayer,
    sea_lanes: GraphLayer,
    ports: pd.DataFrame,
    rail_lines: pd.DataFrame | None,
    countries: pd.DataFrame | None,
    params: NetworkParams,
) -> str:
    """Hash of every input of :func:`build_network` and of the graph parameters."""
    parts = {
        "format": _CACHE_FORMAT,
        "railways": railways.fingerprint,
        "sea_lanes": sea_lanes.fingerprint,
        "ports": _hash_frame(ports, ["port_id", "name", "iso3", "lon", "lat"]),
        "gaps": _hash_frame(
            _gap_rows(rail_lines),
            [
                "line_id",
                "seq",
                "from_city",
                "from_iso3",
                "to_city",
                "to_iso3",
                "length_km",
                "lon0",
                "lat0",
                "lon1",
                "lat1",
            ],
        ),
        "countries": _countries_hash(countries),
        "params": params.graph_items(),
    }
    text = json.dumps(parts, sort_keys=True, default=list)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _node_countries(lon: np.ndarray, lat: np.ndarray, countries: pd.DataFrame | None) -> np.ndarray:
    """ISO3 of the country each point lies in; points in no polygon take their nearest
    classified neighbour's (coastal nodes just outside the generalised coastline)."""
    out = np.full(len(lon), "", dtype=object)
    if countries is None or len(countries) == 0 or len(lon) == 0:
        return out
    import shapely

    geoms = np.asarray(countries.geometry.values)
    iso3 = countries["iso3"].astype(str).to_numpy()
    parts, owner = shapely.get_parts(geoms, return_index=True)
    bounds = shapely.bounds(parts)
    found = np.zeros(len(lon), dtype=bool)
    area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    for k in np.argsort(-area):
        b = bounds[k]
        cand = (~found) & (lon >= b[0]) & (lon <= b[2]) & (lat >= b[1]) & (lat <= b[3])
        if not cand.any():
            continue
        where = np.flatnonzero(cand)
        shapely.prepare(parts[k])
        inside = where[shapely.contains_xy(parts[k], lon[where], lat[where])]
        out[inside] = iso3[owner[k]]
        found[inside] = True
    if found.any() and not found.all():
        tree = cKDTree(_unit_xyz(lon[found], lat[found]))
        _, nearest = tree.query(_unit_xyz(lon[~found], lat[~found]))
        out[~found] = out[found][nearest]
    return out


def build_network(
    railways: GraphLayer,
    sea_lanes: GraphLayer,
    ports: pd.DataFrame,
    *,
    rail_lines: pd.DataFrame | None = None,
    countries: pd.DataFrame | None = None,
    params: NetworkParams | None = None,
) -> Network:
    """Build the infrastructure network (no cache; see :func:`network_from_layers`).

    Parameters
    ----------
    railways, sea_lanes
        Graph layers (:mod:`planner._graphs`).
    ports
        ``port_id``, ``name``, ``iso3``, ``lon``, ``lat``.
    rail_lines
        Curated rail-line segments (``routed``, ``from_city``, ``from_iso3``,
        ``to_city``, ``to_iso3``, ``length_km``, LineString geometry); the segments with
        ``routed == False`` fill gaps of the railway graph. ``None``: no curated links.
    countries
        ``iso3`` and polygon geometry, for the gauge groups. ``None``: no gauge changes.
    params
        Speeds and dwell times; defaults if ``None``.
    """
    params = params or NetworkParams()
    key = network_key(railways, sea_lanes, ports, rail_lines, countries, params)

    # -- railways ------------------------------------------------------------------
    r_lon = railways.nodes["lon"].to_numpy(float)
    r_lat = railways.nodes["lat"].to_numpy(float)
    r_iso3 = _node_countries(r_lon, r_lat, countries)
    n_rail = len(r_lon)
    re = railways.edges
    ru = re["u"].to_numpy(np.int64)
    rv = re["v"].to_numpy(np.int64)
    rkm = re["dist_km"].to_numpy(float)
    gauge = gauge_of(r_iso3)
    r_gauge = (gauge[ru] != gauge[rv]) if countries is not None else np.zeros(len(ru), bool)
    rtime = rkm / params.rail_speed_kph + np.where(r_gauge, params.gauge_change_h, 0.0)

    # -- curated links over the gaps ------------------------------------------------
    gaps = _gap_rows(rail_lines)
    link_nodes: dict[tuple[str, str], int] = {}
    l_lon: list[float] = []
    l_lat: list[float] = []
    l_name: list[str] = []
    l_iso3: list[str] = []
    eu: list[int] = []
    ev: list[int] = []
    ekm: list[float] = []
    etime: list[float] = []
    egauge: list[bool] = []
    added = 0
    if len(gaps):
        _n_comp, comp = connected_components(
            csr_matrix((np.ones(len(ru)), (ru, rv)), shape=(n_rail, n_rail)), directed=False
        )
        tree = cKDTree(_unit_xyz(r_lon, r_lat))
        snap_chord = _km_to_chord(params.rail_link_snap_km)
        for row in gaps.itertuples(index=False):
            ends = []
            for city, iso3, lon, lat in (
                (row.from_city, row.from_iso3, row.lon0, row.lat0),
                (row.to_city, row.to_iso3, row.lon1, row.lat1),
            ):
                chord, near = tree.query(_unit_xyz([lon], [lat])[0])
                snapped = int(near) if chord <= snap_chord else -1
                ends.append((str(city), str(iso3), float(lon), float(lat), snapped))
            (_c0, i0, x0, y0, s0), (_c1, i1, x1, y1, s1) = ends
            if s0 >= 0 and s1 >= 0 and comp[s0] == comp[s1]:
                continue  # the railway graph already joins the two ends
            ids = []
            for city, iso3, lon, lat, snapped in ends:
                node_key = (city, iso3)
                if node_key not in link_nodes:
                    nid = n_rail + len(l_lon)
                    link_nodes[node_key] = nid
                    l_lon.append(lon)
                    l_lat.append(lat)
                    l_name.append(city)
                    l_iso3.append(iso3)
                    if snapped >= 0:
                        km = float(great_circle_km(lon, lat, r_lon[snapped], r_lat[snapped]))
                        eu.append(nid)
                        ev.append(snapped)
                        ekm.append(km)
                        etime.append(km / params.rail_speed_kph)
                        egauge.append(False)
                ids.append(link_nodes[node_key])
            length = row.length_km
            if length is None or not np.isfinite(length) or length <= 0:
                length = float(great_circle_km(x0, y0, x1, y1))
            change = bool(countries is not None and gauge_of([i0])[0] != gauge_of([i1])[0])
            eu.append(ids[0])
            ev.append(ids[1])
            ekm.append(float(length))
            etime.append(
                float(length) / params.rail_speed_kph + (params.gauge_change_h if change else 0.0)
            )
            egauge.append(change)
            added += 1
    n_link = len(l_lon)

    # -- sea lanes and ports --------------------------------------------------------
    offset_sea = n_rail + n_link
    se = sea_lanes.edges
    if "passage" in se.columns and params.sea_avoid:
        se = se[~se["passage"].isin(params.sea_avoid)]
    s_lon = sea_lanes.nodes["lon"].to_numpy(float)
    s_lat = sea_lanes.nodes["lat"].to_numpy(float)
    su = se["u"].to_numpy(np.int64) + offset_sea
    sv = se["v"].to_numpy(np.int64) + offset_sea
    skm = se["dist_km"].to_numpy(float)
    stime = skm / params.sea_speed_kph
    offset_port = offset_sea + len(s_lon)
    p_lon = ports["lon"].to_numpy(float)
    p_lat = ports["lat"].to_numpy(float)
    sea_tree = cKDTree(_unit_xyz(s_lon, s_lat))
    chord, near = sea_tree.query(_unit_xyz(p_lon, p_lat))
    ok = chord <= _km_to_chord(params.port_snap_km)
    pkm = _chord_to_km(chord[ok])
    pu = np.flatnonzero(ok) + offset_port
    pv = near[ok] + offset_sea
    ptime = params.port_time_h + pkm / params.sea_speed_kph

    nodes = pd.DataFrame(
        {
            "kind": np.concatenate(
                [
                    np.repeat("rail", n_rail),
                    np.repeat("rail_link", n_link),
                    np.repeat("sea", len(s_lon)),
                    np.repeat("port", len(p_lon)),
                ]
            ).astype(object),
            "lon": np.concatenate([r_lon, np.asarray(l_lon, float), s_lon, p_lon]),
            "lat": np.concatenate([r_lat, np.asarray(l_lat, float), s_lat, p_lat]),
            "name": np.concatenate(
                [
                    np.repeat("", n_rail),
                    np.asarray(l_name, dtype=object),
                    np.repeat("", len(s_lon)),
                    ports["name"].astype(str).to_numpy(),
                ]
            ).astype(object),
            "iso3": np.concatenate(
                [
                    r_iso3,
                    np.asarray(l_iso3, dtype=object),
                    np.repeat("", len(s_lon)),
                    ports["iso3"].fillna("").astype(str).to_numpy()
                    if "iso3" in ports.columns
                    else np.repeat("", len(p_lon)),
                ]
            ).astype(object),
        }
    )
    nodes.insert(0, "node_id", np.arange(len(nodes), dtype=np.int64))

    def block(u, v, km, time, mode, gauge_flags):
        return pd.DataFrame(
            {
                "u": np.asarray(u, dtype=np.int64),
                "v": np.asarray(v, dtype=np.int64),
                "mode": mode,
                "dist_km": np.asarray(km, dtype=float),
                "time_h": np.asarray(time, dtype=float),
                "gauge_change": np.asarray(gauge_flags, dtype=bool),
            }
        )

    edges = pd.concat(
        [
            block(ru, rv, rkm, rtime, "rail", r_gauge),
            block(eu, ev, ekm, etime, "rail_link", egauge),
            block(su, sv, skm, stime, "sea", np.zeros(len(su), bool)),
            block(pu, pv, pkm, ptime, "port", np.zeros(len(pu), bool)),
        ],
        ignore_index=True,
    )
    lo = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
    hi = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
    edges["u"], edges["v"] = lo, hi
    edges = edges[edges["u"] != edges["v"]]
    edges = edges.sort_values(["u", "v", "time_h"], kind="stable")
    edges = edges.drop_duplicates(["u", "v"], keep="first").reset_index(drop=True)
    logger.info(
        "built the multimodal network: %s railway nodes, %d curated rail links "
        "(%d end cities), %s sea-lane nodes, %s ports linked of %s; %s edges",
        f"{n_rail:,}",
        added,
        n_link,
        f"{len(s_lon):,}",
        f"{int(ok.sum()):,}",
        f"{len(p_lon):,}",
        f"{len(edges):,}",
    )
    return Network(nodes=nodes, edges=edges, params=params, key=key)


# ---------------------------------------------------------------------------------------
# The disk cache


def network_cache_dir() -> Path:
    """Folder of cached networks: ``$PLANNER_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("PLANNER_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("planner"))


def _save_network(network: Network, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    n, e = network.nodes, network.edges
    arrays = {
        "kind": n["kind"].map(NODE_KINDS.index).to_numpy(np.int8),
        "lon": n["lon"].to_numpy(float),
        "lat": n["lat"].to_numpy(float),
        "name": n["name"].astype(str).to_numpy().astype("U"),
        "iso3": n["iso3"].astype(str).to_numpy().astype("U3"),
        "u": e["u"].to_numpy(np.int64),
        "v": e["v"].to_numpy(np.int64),
        "mode": e["mode"].map(EDGE_MODES.index).to_numpy(np.int8),
        "dist_km": e["dist_km"].to_numpy(float),
        "time_h": e["time_h"].to_numpy(float),
        "gauge_change": e["gauge_change"].to_numpy(bool),
        "key": np.asarray(network.key),
    }
    fd, tmp = tempfile.mkstemp(prefix=".network-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    old = sorted(path.parent.glob("network-*.npz"), key=lambda p: p.stat().st_mtime)
    for stale in old[:-_CACHE_KEEP]:
        stale.unlink(missing_ok=True)


def _load_network(path: Path, key: str, params: NetworkParams) -> Network | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            kinds = np.asarray(NODE_KINDS, dtype=object)
            modes = np.asarray(EDGE_MODES, dtype=object)
            nodes = pd.DataFrame(
                {
                    "node_id": np.arange(len(data["lon"]), dtype=np.int64),
                    "kind": kinds[data["kind"]],
                    "lon": data["lon"],
                    "lat": data["lat"],
                    "name": data["name"].astype(object),
                    "iso3": data["iso3"].astype(object),
                }
            )
            edges = pd.DataFrame(
                {
                    "u": data["u"],
                    "v": data["v"],
                    "mode": modes[data["mode"]],
                    "dist_km": data["dist_km"],
                    "time_h": data["time_h"],
                    "gauge_change": data["gauge_change"],
                }
            )
    except (OSError, KeyError, ValueError) as exc:
        logger.warning("ignoring the unreadable network cache %s (%s)", path, exc)
        return None
    return Network(nodes=nodes, edges=edges, params=params, key=key)


def optional_layer(layers: Mapping[str, Any], name: str) -> Any:
    """``layers[name]``, or ``None`` (with a warning in the log) if the set lacks it."""
    if name not in set(iter(layers)):
        logger.warning("layer %r is not available; going on without it", name)
        return None
    return layers[name]


def network_from_layers(
    layers: Mapping[str, Any],
    *,
    params: NetworkParams | None = None,
    cache: bool = True,
) -> Network:
    """The network of the layers, from the disk cache when its inputs have not changed.

    Parameters
    ----------
    layers
        Layer name -> frame (a :class:`planner.layers.LayerSet`): ``railways``,
        ``sea_lanes``, ``ports``, and if present ``rail_lines`` and ``countries``.
    params
        Network parameters; defaults if ``None``.
    cache
        Read and write the cache (``network-<key>.npz`` in :func:`network_cache_dir`).
        The key hashes the layer data and the graph parameters, so a changed layer or
        speed builds a new network.
    """
    params = params or NetworkParams()
    try:
        railways = layers["railways"]
        sea_lanes = layers["sea_lanes"]
        ports = layers["ports"]
    except KeyError as exc:
        msg = f"The network needs the layer {exc.args[0]!r}, which the layer set lacks."
        raise NetworkError(msg) from exc
    rail_lines = optional_layer(layers, "rail_lines")
    countries = optional_layer(layers, "countries")
    key = network_key(railways, sea_lanes, ports, rail_lines, countries, params)
    path = network_cache_dir() / f"network-{key}.npz"
    if cache and path.exists():
        network = _load_network(path, key, params)
        if network is not None:
            logger.info("loaded the multimodal network from the cache %s", path)
            return network
    network = build_network(
        railways, sea_lanes, ports, rail_lines=rail_lines, countries=countries, params=params
    )
    if cache:
        try:
            _save_network(network, path)
        except OSError as exc:
            logger.warning("could not write the network cache %s (%s)", path, exc)
    return network


# ---------------------------------------------------------------------------------------
# Shortest paths


@dataclass(frozen=True)
class PathResult:
    """Shortest freight paths from origins to places over one mode's network.

    ``time_h`` and ``dist_km`` have one row per origin and one column per target; NaN
    where the target cannot be reached, with the reason in ``reason`` (empty where it
    can). ``predecessors`` (only when asked for) is the Dijkstra tree of each origin over
    the extended graph (network nodes, then origins, then targets), for :func:`path_legs`.
    """

    mode: str
    time_h: np.ndarray
    dist_km: np.ndarray
    reason: np.ndarray
    predecessors: np.ndarray | None = None
    edge_keys: np.ndarray | None = None
    edge_time_h: np.ndarray | None = None
    edge_km: np.ndarray | None = None
    edge_mode: np.ndarray | None = None
    edge_gauge: np.ndarray | None = None
    n_nodes: int = 0
    n_origins: int = 0


def shortest_paths(
    network: Network,
    origins_lonlat: np.ndarray,
    targets_lonlat: np.ndarray,
    *,
    mode: FreightMode,
    origin_names: Sequence[str] | None = None,
    keep_predecessors: bool = False,
) -> PathResult:
    """Fastest routes by ``mode`` from every origin to every target, one tree per origin.

    Parameters
    ----------
    network
        The infrastructure network.
    origins_lonlat, targets_lonlat
        Arrays of shape (n, 2): longitude, latitude in degrees.
    mode
        ``"rail"`` (railways and curated links) or ``"sea"`` (ports and sea lanes); both
        with road connectors at the two ends.
    origin_names
        For the reasons given when a target cannot be reached.
    keep_predecessors
        Keep the shortest-path trees, to list the legs of routes (:func:`path_legs`).
    """
    if mode not in _MODE_EDGES:
        msg = f"mode must be one of {', '.join(_MODE_EDGES)}, not {mode!r}."
        raise NetworkError(msg)
    p = network.params
    origins = np.asarray(origins_lonlat, dtype=float).reshape(-1, 2)
    targets = np.asarray(targets_lonlat, dtype=float).reshape(-1, 2)
    n_o, n_t = len(origins), len(targets)
    names = list(origin_names) if origin_names is not None else [f"origin {i}" for i in range(n_o)]
    base_u, base_v, base_t, base_km, base_mode, base_gauge = network._arrays(mode)
    n = network.n_nodes
    total = n + n_o + n_t

    op, on, okm = network.access(origins[:, 0], origins[:, 1], mode=mode)
    tp, tn, tkm = network.access(targets[:, 0], targets[:, 1], mode=mode)
    road = EDGE_MODES.index("road")
    u = np.concatenate([base_u, n + op, tn])
    v = np.concatenate([base_v, on, n + n_o + tp])
    t = np.concatenate([base_t, truck_time_h(okm, p), truck_time_h(tkm, p)])
    km = np.concatenate([base_km, okm, tkm])
    emode = np.concatenate([base_mode, np.full(len(op) + len(tp), road, np.int8)])
    egauge = np.concatenate([base_gauge, np.zeros(len(op) + len(tp), bool)])
    keys = u * total + v
    order = np.argsort(keys, kind="stable")
    keys, u, v, t, km, emode, egauge = (a[order] for a in (keys, u, v, t, km, emode, egauge))
    # scipy drops explicit zeros from sparse graphs: give zero-time edges a tiny weight
    graph = csr_matrix((np.maximum(t, 1e-9), (u, v)), shape=(total, total))
    sources = n + np.arange(n_o)
    times = np.full((n_o, n_t), np.nan)
    dists = np.full((n_o, n_t), np.nan)
    preds_all = np.full((n_o, total), -9999, dtype=np.int32) if keep_predecessors else None
    has_o = np.zeros(n_o, bool)
    has_o[op] = True
    has_t = np.zeros(n_t, bool)
    has_t[tp] = True
    if has_o.any() and n_t:
        run = sources[has_o]
        dist, preds = dijkstra(graph, directed=True, indices=run, return_predecessors=True)
        target_ids = n + n_o + np.arange(n_t)
        for row, o in enumerate(np.flatnonzero(has_o)):
            tt = dist[row, target_ids]
            reach = np.isfinite(tt)
            times[o, reach] = tt[reach]
            along = _path_sums(preds[row], keys, km, total)
            dists[o, reach] = along[target_ids[reach]]
            if preds_all is not None:
                preds_all[o] = preds[row]
    reason = np.full((n_o, n_t), "", dtype=object)
    what = "railway node" if mode == "rail" else "port"
    limit = p.rail_access_km if mode == "rail" else p.port_access_km
    for o in range(n_o):
        if not has_o[o]:
            reason[o, :] = f"the origin {names[o]} has no {what} within {limit:,.0f} km"
            continue
        no_t = ~has_t
        reason[o, no_t] = f"no {what} within {limit:,.0f} km of the city"
        unreached = has_t & np.isnan(times[o])
        reason[o, unreached] = (
            f"the railways within {limit:,.0f} km of the city are not connected to "
            f"{names[o]}'s railway network"
            if mode == "rail"
            else f"no sea route from {names[o]} to the ports within {limit:,.0f} km of the "
            f"city (passages avoided: {', '.join(p.sea_avoid) or 'none'})"
        )
    return PathResult(
        mode=mode,
        time_h=times,
        dist_km=dists,
        reason=reason,
        predecessors=preds_all,
        edge_keys=keys if keep_predecessors else None,
        edge_time_h=t if keep_predecessors else None,
        edge_km=km if keep_predecessors else None,
        edge_mode=emode if keep_predecessors else None,
        edge_gauge=egauge if keep_predecessors else None,
        n_nodes=total,
        n_origins=n_o,
    )


def _path_sums(pred: np.ndarray, keys: np.ndarray, km: np.ndarray, total: int) -> np.ndarray:
    """Km from the tree's root to every node, by pointer jumping over the predecessors."""
    has = pred >= 0
    val = np.zeros(len(pred))
    nodes = np.flatnonzero(has)
    pos = np.searchsorted(keys, pred[nodes].astype(np.int64) * total + nodes)
    val[nodes] = km[pos]
    jump = np.where(has, pred, -1).astype(np.int64)
    while True:
        live = np.flatnonzero(jump >= 0)
        if len(live) == 0:
            break
        parent = jump[live]
        val[live] = val[live] + val[parent]
        jump[live] = jump[parent]
    return val


def _node_label(network: Network, node: int) -> str:
    row = network.nodes.iloc[node]
    kind = row["kind"]
    if kind in ("port", "rail_link") and row["name"]:
        where = f" ({row['iso3']})" if row["iso3"] else ""
        return f"{row['name']}{where}" + (" port" if kind == "port" else " railway")
    place = f"{abs(row['lat']):.2f}{'N' if row['lat'] >= 0 else 'S'} " + (
        f"{abs(row['lon']):.2f}{'E' if row['lon'] >= 0 else 'W'}"
    )
    if kind == "rail":
        return f"railway, {row['iso3'] or 'unknown country'} ({place})"
    return f"sea lane ({place})"


def path_legs(
    network: Network,
    result: PathResult,
    origin: int,
    target: int,
    *,
    origin_name: str,
    target_name: str,
) -> list[dict[str, Any]]:
    """The legs of the fastest route from origin ``origin`` to target ``target``.

    Consecutive edges of one mode make one leg; a crossing between track gauges is a
    leg of its own (mode ``"gauge change"``). Modes: ``"road"``, ``"rail"``,
    ``"rail_link"`` (a curated line over a gap of the railway graph), ``"port"`` (port
    call and the approach to the sea lanes), ``"sea"``, ``"gauge change"``.

    Returns
    -------
    list of dict
        ``mode``, ``from``, ``to``, ``dist_km``, ``time_h``; empty if the target cannot
        be reached. Requires ``shortest_paths(..., keep_predecessors=True)``.
    """
    if result.predecessors is None or result.edge_keys is None:
        msg = "path_legs needs the trees: call shortest_paths(..., keep_predecessors=True)."
        raise NetworkError(msg)
    if not np.isfinite(result.time_h[origin, target]):
        return []
    n = network.n_nodes
    total = result.n_nodes
    src = n + origin
    dst = n + result.n_origins + target
    pred = result.predecessors[origin]
    path = [dst]
    while path[-1] != src:
        prev = int(pred[path[-1]])
        if prev < 0:
            msg = f"broken shortest-path tree at node {path[-1]}"
            raise NetworkError(msg)
        path.append(prev)
    path.reverse()
    nodes = np.asarray(path, dtype=np.int64)
    pos = np.searchsorted(result.edge_keys, nodes[:-1] * total + nodes[1:])
    assert result.edge_mode is not None and result.edge_gauge is not None
    assert result.edge_km is not None and result.edge_time_h is not None
    modes = [EDGE_MODES[c] for c in result.edge_mode[pos]]
    modes = ["gauge change" if g else m for m, g in zip(modes, result.edge_gauge[pos], strict=True)]

    def label(node: int) -> str:
        if node == src:
            return origin_name
        if node == dst:
            return target_name
        return _node_label(network, node)

    legs: list[dict[str, Any]] = []
    start = 0
    for i in range(1, len(modes) + 1):
        if i == len(modes) or modes[i] != modes[start]:
            legs.append(
                {
                    "mode": modes[start],
                    "from": label(int(nodes[start])),
                    "to": label(int(nodes[i])),
                    "dist_km": float(result.edge_km[pos[start:i]].sum()),
                    "time_h": float(result.edge_time_h[pos[start:i]].sum()),
                }
            )
            start = i
    return legs
