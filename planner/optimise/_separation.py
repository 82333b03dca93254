"""Minimum separation between centres: the conflict graph and its clique rows.

Two candidates *conflict* when they lie closer than the separation distance :math:`D`
(great-circle distance on a sphere of radius :data:`EARTH_RADIUS_KM`). "No two centres
closer than D" is one row :math:`y_i + y_j \\le 1` per conflicting pair; a set of
candidates that conflict pairwise (a clique of the conflict graph) needs only one row,
:math:`\\sum_{c \\in Q} y_c \\le 1`, which is also a tighter LP relaxation than its pairs.
:func:`clique_cover` covers every conflicting pair with at least one clique, so the rows
stay few where candidates crowd into metropolitan areas.

Pairs are found with a k-d tree on 3-D unit vectors: two points are within great-circle
distance :math:`D` exactly when their chord is within :math:`2 \\sin(D / 2R)`.
"""

from __future__ import annotations

import numpy as np

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points (degrees) as rows of 3-D unit vectors."""
    lo = np.radians(np.asarray(lon, dtype=float))
    la = np.radians(np.asarray(lat, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def chord_of_km(dist_km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance in km."""
    return 2.0 * np.sin(min(dist_km / EARTH_RADIUS_KM, np.pi) / 2.0)


def great_circle_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance, km, between rows of unit vectors ``a`` and ``b``."""
    chord = np.linalg.norm(np.asarray(a) - np.asarray(b), axis=-1)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def conflict_pairs(lon: np.ndarray, lat: np.ndarray, dist_km: float) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of points closer than ``dist_km`` (strictly).

    Points with a missing coordinate conflict with nobody here (the caller decides what
    an unknown location means). Returns an array of shape (pairs, 2).
    """
    from scipy.spatial import cKDTree

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    known = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if known.size < 2 or dist_km <= 0:
        return np.empty((0, 2), dtype=np.int64)
    u = unit_vectors(lon[known], lat[known])
    pairs = cKDTree(u).query_pairs(chord_of_km(dist_km), output_type="ndarray")
    if pairs.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    # query_pairs keeps pairs at exactly the radius; the rule is "closer than"
    d = great_circle_km(u[pairs[:, 0]], u[pairs[:, 1]])
    pairs = pairs[d < dist_km]
    out = np.sort(known[pairs], axis=1)
    return out[np.lexsort((out[:, 1], out[:, 0]))].astype(np.int64)


def near_points(
    lon: np.ndarray, lat: np.ndarray, other_lon: np.ndarray, other_lat: np.ndarray, dist_km: float
) -> np.ndarray:
    """Mask of the points closer than ``dist_km`` to any of the other points (known ones)."""
    from scipy.spatial import cKDTree

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.zeros(lon.size, dtype=bool)
    olon = np.asarray(other_lon, dtype=float)
    olat = np.asarray(other_lat, dtype=float)
    ok = np.isfinite(olon) & np.isfinite(olat)
    known = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if not ok.any() or known.size == 0 or dist_km <= 0:
        return out
    u = unit_vectors(lon[known], lat[known])
    d, _ = cKDTree(unit_vectors(olon[ok], olat[ok])).query(u, k=1)
    out[known] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(d / 2.0, 0.0, 1.0)) < dist_km
    return out


def clique_cover(n: int, pairs: np.ndarray) -> list[np.ndarray]:
    """Cliques of the graph on ``n`` vertices with edges ``pairs`` that cover every edge.

    Greedy: take the vertex with the most uncovered edges, pair it with its neighbour of
    most uncovered edges, then grow the clique with common neighbours, preferring those
    that cover more uncovered edges (ties: more neighbours, then lower index), until no
    vertex is adjacent to every member; mark its edges covered; repeat. Every clique is
    maximal, so each row is as tight as a row of this graph can be. Returns cliques of
    at least two vertices, each sorted ascending.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    adj: list[set[int]] = [set() for _ in range(n)]
    for i, j in pairs.tolist():
        adj[i].add(j)
        adj[j].add(i)
    open_: list[set[int]] = [set(a) for a in adj]  # uncovered edges per vertex
    cliques: list[np.ndarray] = []
    order = sorted(range(n), key=lambda v: (-len(adj[v]), v))
    for u in order:
        while open_[u]:
            v = min(open_[u], key=lambda w: (-len(open_[w]), -len(adj[w]), w))
            clique = [u, v]
            common = adj[u] & adj[v]
            while common:
                w = min(
                    common,
                    key=lambda t: (-sum(1 for m in clique if m in open_[t]), -len(adj[t]), t),
                )
                clique.append(w)
                common &= adj[w]
            for a in clique:
                open_[a].difference_update(clique)
            cliques.append(np.array(sorted(clique), dtype=np.int64))
    return cliques


def closest_pair(lon: np.ndarray, lat: np.ndarray) -> tuple[float, int, int] | None:
    """(distance km, i, j) of the closest pair of points with known coordinates, or None."""
    from scipy.spatial import cKDTree

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    known = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if known.size < 2:
        return None
    u = unit_vectors(lon[known], lat[known])
    d, nn = cKDTree(u).query(u, k=2)
    i = int(np.argmin(d[:, 1]))
    j = int(nn[i, 1]) if int(nn[i, 1]) != i else int(nn[i, 0])  # duplicates: either order
    a, b = sorted((int(known[i]), int(known[j])))
    return float(great_circle_km(u[i], u[j])), a, b
