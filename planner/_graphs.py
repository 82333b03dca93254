"""Graph layers: the railway, road and sea-lane networks, as node and edge tables.

Three graphs come from PyPI packages rather than from files:

- ``railways``: the OpenStreetMap world railway graph packaged in scgraph_data 2.0.0;
- ``roads``: the OpenStreetMap world highway graph packaged in scgraph_data 2.0.0;
- ``sea_lanes``: searoute's maritime network (``marnet``), derived from Eurostat's
  SeaRoute network.

Each loads into a :class:`GraphLayer`: a ``nodes`` frame (``node_id``, ``lon``, ``lat``)
and an ``edges`` frame (``u``, ``v``, ``dist_km``) of undirected edges, each stored once
with ``u < v`` and without self-loops. ``node_id`` is the row position of the node, so
arrays indexed by node id line up with the frame. Distances are great-circle lengths in
km, as the packages publish them (scgraph_data) or as computed here from the node
coordinates (searoute, whose antimeridian links have zero length).

This module does not import :mod:`planner.layers` (the registry imports it).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import LayerError
from planner._schema import Column, LayerSpec

__all__ = [
    "EARTH_RADIUS_KM",
    "GRAPH_SPECS",
    "GraphLayer",
    "graph_layer_from_frames",
    "great_circle_km",
    "load_railways",
    "load_roads",
    "load_sea_lanes",
]

#: Mean Earth radius (IUGG), km: the radius of the sphere great-circle distances use.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle (haversine) distance in km between points given in degrees."""
    lo1, la1, lo2, la2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class GraphLayer:
    """An undirected geographic graph.

    Parameters
    ----------
    name
        Layer name (``"railways"``, ``"roads"``, ``"sea_lanes"``, or a user's name).
    nodes
        ``node_id`` (int, equal to the row position), ``lon``, ``lat`` (degrees, EPSG:4326).
    edges
        ``u``, ``v`` (node ids, ``u < v``), ``dist_km`` (km). Sea lanes add ``passage``:
        the named strait or canal an edge belongs to (``"suez"``, ``"panama"``, ...) or
        an empty string.
    """

    name: str
    nodes: pd.DataFrame
    edges: pd.DataFrame

    def __post_init__(self) -> None:
        problems = []
        for frame, what, cols in (
            (self.nodes, "nodes", ("node_id", "lon", "lat")),
            (self.edges, "edges", ("u", "v", "dist_km")),
        ):
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                problems.append(f"its {what} frame lacks column(s) {missing!r}")
        if not problems:
            n = len(self.nodes)
            if not np.array_equal(self.nodes["node_id"].to_numpy(), np.arange(n)):
                problems.append("node_id must equal the row position 0..n-1")
            u = self.edges["u"].to_numpy()
            v = self.edges["v"].to_numpy()
            if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
                problems.append(f"edges refer to node ids outside 0..{n - 1}")
            if (self.edges["dist_km"].to_numpy() < 0).any():
                problems.append("dist_km has negative values")
        if problems:
            msg = f"Graph layer {self.name!r} is invalid: " + "; ".join(problems) + "."
            raise LayerError(msg)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the node coordinates and edges (and passages), for cache keys."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.name.encode())
        for col in ("lon", "lat"):
            digest.update(np.ascontiguousarray(self.nodes[col].to_numpy(float)).tobytes())
        for col in ("u", "v"):
            digest.update(np.ascontiguousarray(self.edges[col].to_numpy(np.int64)).tobytes())
        digest.update(np.ascontiguousarray(self.edges["dist_km"].to_numpy(float)).tobytes())
        if "passage" in self.edges.columns:
            digest.update("\x1f".join(self.edges["passage"].astype(str)).encode())
        return digest.hexdigest()

    def __len__(self) -> int:
        return len(self.nodes)


def graph_layer_from_frames(name: str, nodes: pd.DataFrame, edges: pd.DataFrame) -> GraphLayer:
    """Normalise node and edge frames into a :class:`GraphLayer`.

    Renumbers nothing: ``nodes`` must already be numbered 0..n-1 in ``node_id`` (or
    carry no ``node_id``, which is then taken from the row position). Edges are made
    undirected (``u < v``), self-loops dropped and parallel edges reduced to the
    shortest.
    """
    nodes = nodes.reset_index(drop=True)
    if "node_id" not in nodes.columns:
        nodes = nodes.assign(node_id=np.arange(len(nodes), dtype=np.int64))
    nodes = nodes[["node_id", "lon", "lat"]].astype(
        {"node_id": "int64", "lon": "float64", "lat": "float64"}
    )
    extra = [c for c in edges.columns if c not in ("u", "v", "dist_km")]
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    out = pd.DataFrame({"u": lo, "v": hi, "dist_km": edges["dist_km"].to_numpy(float)})
    for col in extra:
        out[col] = edges[col].to_numpy()
    out = out[out["u"] != out["v"]]
    out = out.sort_values(["u", "v", "dist_km"], kind="stable")
    out = out.drop_duplicates(["u", "v"], keep="first").reset_index(drop=True)
    return GraphLayer(name=name, nodes=nodes, edges=out)


def _from_geograph(name: str, geograph: Any) -> GraphLayer:
    """Convert an scgraph GeoGraph (adjacency list of dicts, nodes as [lat, lon])."""
    adjacency = geograph.graph
    degree = np.fromiter((len(d) for d in adjacency), dtype=np.int64, count=len(adjacency))
    total = int(degree.sum())
    v = np.fromiter((k for d in adjacency for k in d), dtype=np.int64, count=total)
    w = np.fromiter((x for d in adjacency for x in d.values()), dtype=np.float64, count=total)
    u = np.repeat(np.arange(len(adjacency), dtype=np.int64), degree)
    latlon = np.asarray(geograph.nodes, dtype=float)
    nodes = pd.DataFrame({"lon": latlon[:, 1], "lat": latlon[:, 0]})
    edges = pd.DataFrame({"u": u, "v": v, "dist_km": w})
    return graph_layer_from_frames(name, nodes, edges)


@functools.lru_cache(maxsize=1)
def load_railways() -> GraphLayer:
    """The OpenStreetMap world railway graph of scgraph_data 2.0.0 (about 275,000 nodes).

    The frames are shared between calls: copy them before changing them.
    """
    from scgraph_data.world_railways import world_railways_geograph

    return _from_geograph("railways", world_railways_geograph)


@functools.lru_cache(maxsize=1)
def load_roads() -> GraphLayer:
    """The OpenStreetMap world highway graph of scgraph_data 2.0.0 (about 560,000 nodes).

    The frames are shared between calls: copy them before changing them.
    """
    from scgraph_data.world_highways import world_highways_geograph

    return _from_geograph("roads", world_highways_geograph)


@functools.lru_cache(maxsize=1)
def load_sea_lanes() -> GraphLayer:
    """searoute's maritime network (about 9,700 nodes), with each edge's ``passage``.

    Longitudes beyond 180 degrees (searoute continues some lanes across the
    antimeridian) are wrapped into [-180, 180]; lengths are great-circle km.
    The frames are shared between calls: copy them before changing them.
    """
    from searoute.data.marnet_dict import edge_list, node_list

    index: dict[tuple[float, float], int] = {}
    for key in node_list:
        index.setdefault(key, len(index))
    us: list[int] = []
    vs: list[int] = []
    passages: list[str] = []
    for a, neighbours in edge_list.items():
        ia = index.setdefault(a, len(index))
        for b, attrs in neighbours.items():
            us.append(ia)
            vs.append(index.setdefault(b, len(index)))
            passages.append(str(attrs.get("passage") or ""))
    coords = np.asarray(list(index), dtype=float)
    lon = (coords[:, 0] + 180.0) % 360.0 - 180.0
    lon[coords[:, 0] == 180.0] = 180.0
    lat = coords[:, 1]
    u = np.asarray(us, dtype=np.int64)
    v = np.asarray(vs, dtype=np.int64)
    nodes = pd.DataFrame({"lon": lon, "lat": lat})
    edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "dist_km": great_circle_km(lon[u], lat[u], lon[v], lat[v]),
            "passage": passages,
        }
    )
    return graph_layer_from_frames("sea_lanes", nodes, edges)


_NODE_COLUMNS = (
    Column("node_id", "int", description="Node id, equal to its row position", nullable=False),
    Column("lon", "float", unit="degree", description="Longitude (EPSG:4326)", nullable=False),
    Column("lat", "float", unit="degree", description="Latitude (EPSG:4326)", nullable=False),
)
_EDGE_COLUMNS = (
    Column("u", "int", description="Edge end node id (u < v)", nullable=False),
    Column("v", "int", description="Edge end node id", nullable=False),
    Column("dist_km", "float", unit="km", description="Great-circle length", nullable=False),
)

GRAPH_SPECS: tuple[LayerSpec, ...] = (
    LayerSpec(
        name="railways",
        kind="graph",
        description="World railway network (undirected, simplified) from OpenStreetMap.",
        columns=_NODE_COLUMNS + _EDGE_COLUMNS,
        key=("node_id",),
        source="OpenStreetMap contributors, as packaged in scgraph_data 2.0.0 "
        "(world_railways) by Connor Makowski",
        year="scgraph_data 2.0.0 (OpenStreetMap extract date not published)",
        licence="ODbL 1.0 (OpenStreetMap data); MIT (scgraph_data package)",
        default="PyPI package scgraph_data 2.0.0",
        loader=load_railways,
        user_file=False,
    ),
    LayerSpec(
        name="roads",
        kind="graph",
        description="World highway network (undirected, simplified) from OpenStreetMap.",
        columns=_NODE_COLUMNS + _EDGE_COLUMNS,
        key=("node_id",),
        source="OpenStreetMap contributors, as packaged in scgraph_data 2.0.0 "
        "(world_highways) by Connor Makowski",
        year="scgraph_data 2.0.0 (OpenStreetMap extract date not published)",
        licence="ODbL 1.0 (OpenStreetMap data); MIT (scgraph_data package)",
        default="PyPI package scgraph_data 2.0.0",
        loader=load_roads,
        user_file=False,
    ),
    LayerSpec(
        name="sea_lanes",
        kind="graph",
        description="Maritime network of shipping lanes, with named passages "
        "(Suez, Panama, Malacca, ...).",
        columns=(
            *_NODE_COLUMNS,
            *_EDGE_COLUMNS,
            Column("passage", "str", description="Named passage of the edge, or empty"),
        ),
        key=("node_id",),
        source="searoute 1.6.0 (Gent Halili), maritime network derived from Eurostat's "
        "SeaRoute (MARNET)",
        year="searoute 1.6.0",
        licence="Apache-2.0 (searoute package)",
        default="PyPI package searoute 1.6.0",
        loader=load_sea_lanes,
        user_file=False,
    ),
)
