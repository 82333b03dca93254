"""Backtest: does the method pick the places where Chinese centres actually went?

The actual centres (the ``existing_centres`` layer filtered by sponsor, or the user's own
file) are matched to the candidate cities, and the method is judged as a forecast:

Matching
    A centre located at a city (``located`` = ``city`` or ``region``) is matched to the
    candidate of its country whose name (or one of whose folded sections, ``merged_from``)
    is the centre's city, within ``radius_km``; otherwise to the nearest candidate of its
    country within ``radius_km`` (``match`` = ``"nearest"``: Cambridge to London, Redwood
    City to San Francisco). A centre known by its country only cannot be matched to a
    city: it is reported with ``match = "country"`` and judged at country level only
    (does the plan open a centre in that country). Anything else is ``"none"`` with the
    reason (its country has no candidate: screened, or every city below the population
    floor; or no candidate within ``radius_km``).

Figures per actual centre
    The matched city's score, rank and percentile among the candidates (100 = the best,
    0 = the worst: ``100 (n - rank) / (n - 1)``), its percentile by population alone, the
    criteria that lift it and hold it back (the scoring stage's drivers), whether it is in
    the top N, and whether the plan with N centres opens it or a city within ``radius_km``
    (N = the number of distinct matched cities: several actual centres in one city are
    one site) and the distance to the nearest planned centre.

The plan
    The scenario's own constraints with the number of centres replaced by N
    (``n_centres = N``) and WITHOUT the existing centres: the actual centres are the
    answer being predicted, so they cannot also be given to the plan. Kinds of centre are
    left out too: their counts are set for the scenario's own number of centres, not N.
    Its solver status is reported as it is; without a plan the plan-based figures are
    missing (NaN).

Summary, for the method and two baselines
    ``median_percentile``, ``top_n_hit_rate`` (share of matched centres whose city ranks
    in the top N), ``plan_hit_rate`` (share opened by the plan, or a city within
    ``radius_km``), ``mean_dist_to_plan_km`` (from each matched centre to the nearest
    planned centre), ``country_hit_rate`` (share of all located-or-country centres whose
    country the plan enters).

    * ``random``: N candidates drawn uniformly without replacement; every figure is its
      exact expectation: a percentile of 50, a top-N hit rate of N / n, a plan hit
      probability ``1 - C(n - m, N) / C(n, N)`` for a centre with ``m`` candidates within
      ``radius_km``, the expected nearest distance ``sum_k d_(k) C(n - k, N - 1) / C(n, N)``
      over the sorted distances ``d_(k)``, and a country hit probability
      ``1 - C(n - m_country, N) / C(n, N)``. (Its median percentile is given as the
      expected percentile, 50, which is also the median of a symmetric draw.)
    * ``population``: candidates ranked by population alone; its plan takes the N most
      populous candidates that keep the scenario's ``max_per_country`` and
      ``min_separation_km`` (greedy), so the user sees whether the criteria add anything
      beyond city size.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
from scipy.special import gammaln

from planner._errors import LayerError, PlannerError, ScenarioError
from planner.criteria import haversine_km

log = logging.getLogger("planner.analysis")

#: Default matching and hit radius: the default scenario's one-centre-per-metropolitan-area
#: separation (100 km keeps Cambridge with London and Santa Clara with San Jose).
DEFAULT_RADIUS_KM = 100.0

#: A located centre farther than this (in degrees, about 55 km at the equator) from every
#: country polygon lies outside every country: most often longitude and latitude swapped.
_OUTSIDE_DEG = 0.5

_LAYER = "existing_centres"

CENTRE_COLUMNS = (
    "centre_id", "name", "iso3", "located", "match", "reason", "city_id", "city",
    "match_dist_km", "score_total", "rank", "percentile", "population_percentile", "lifts",
    "holds_back", "in_top_n", "in_plan", "nearest_plan_city", "dist_to_plan_km",
    "country_in_plan",
)  # fmt: skip
SUMMARY_COLUMNS = (
    "method", "median_percentile", "top_n_hit_rate", "plan_hit_rate",
    "mean_dist_to_plan_km", "country_hit_rate",
)  # fmt: skip


@dataclass(frozen=True)
class Backtest:
    """What :func:`backtest` found.

    Attributes
    ----------
    centres
        One row per actual centre, columns :data:`CENTRE_COLUMNS`: ``match`` is
        ``"city"``, ``"nearest"``, ``"country"`` or ``"none"`` (``reason`` says why),
        percentiles in [0, 100], distances in km, ``in_plan`` / ``country_in_plan`` bool
        (missing without a plan).
    summary
        Rows ``method``, ``population``, ``random`` (expected values), columns
        :data:`SUMMARY_COLUMNS`.
    planned
        The centres of the plan with N centres: ``city_id``, ``name``, ``iso3``, ``lon``,
        ``lat`` (empty without a plan).
    n_candidates, n_sites
        Candidates scored; distinct matched cities (N, the plan's size and the top-N cut).
    radius_km
        Matching and hit radius.
    plan_status
        The plan's solver status line.
    source
        Where the actual centres came from.
    notes
        Choices and data caveats a reader needs (duplicates counted once, ...).
    """

    centres: pd.DataFrame
    summary: pd.DataFrame
    planned: pd.DataFrame
    n_candidates: int
    n_sites: int
    radius_km: float
    plan_status: str
    source: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``--format json``)."""
        return {
            "source": self.source,
            "n_candidates": self.n_candidates,
            "n_sites": self.n_sites,
            "radius_km": self.radius_km,
            "plan_status": self.plan_status,
            "notes": list(self.notes),
            "summary": _records(self.summary),
            "planned": _records(self.planned),
            "centres": _records(self.centres),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


# --------------------------------------------------------------------------- actual centres


def read_actual_centres(
    layers: Mapping[str, Any],
    *,
    actual: str | Path | None = None,
    sponsor: str | tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The actual centres to test against, checked.

    Parameters
    ----------
    layers
        A :class:`planner.layers.LayerSet` (``existing_centres``, ``countries``, and
        ``cities`` to locate a file's rows by city).
    actual
        ``None`` or ``"existing_centres"`` for the curated layer; otherwise a file in any
        layer format (GDAL), or a CSV with ``name``, ``iso3``, ``lon``, ``lat`` (or
        ``city`` instead of coordinates).
    sponsor
        Keep the centres whose ``sponsor_province`` is one of these (case-insensitive);
        ``None`` keeps every row. Every stage (open, planned, agreement) counts: each is
        a choice of place.

    Returns
    -------
    tuple
        ``(centres, source, notes)``: the rows (``centre_id``, ``name``, ``iso3``,
        ``located``, ``city``, ``lon``, ``lat``), a description of the source, and notes
        (duplicates counted once).

    Raises
    ------
    LayerError
        A file that does not exist or has no rows; a located centre outside every country.
    ScenarioError
        A sponsor with no centre.
    """
    from planner._existing import read_existing_file

    if actual is None or str(actual) == _LAYER:
        frame = layers[_LAYER]
        source = "the existing_centres layer"
    else:
        path = Path(actual)
        if not path.exists():
            msg = (
                f"--actual {str(actual)!r} is neither a file nor the layer name "
                f"{_LAYER!r}. Give the path of a file of centres (CSV with name, iso3, lon, "
                "lat, or any format GDAL reads) or leave it out for the curated layer."
            )
            raise LayerError(msg)
        source = f"the file {str(path)!r}"
        if path.suffix.lower() in (".csv", ".tsv", ".txt") and _csv_rows(path) == 0:
            msg = f"{source} has no rows: there are no actual centres to test against."
            raise LayerError(msg)
        frame = read_existing_file(path, layers)
    frame = pd.DataFrame(frame).reset_index(drop=True)
    if len(frame) == 0:
        msg = f"{source} has no rows: there are no actual centres to test against."
        raise LayerError(msg)
    if sponsor:
        wanted = (sponsor,) if isinstance(sponsor, str) else tuple(sponsor)
        province = frame.get("sponsor_province", pd.Series("", index=frame.index))
        province = province.fillna("").astype(str).str.casefold()
        keep = province.isin([w.casefold() for w in wanted])
        if not keep.any():
            known = sorted(set(frame.get("sponsor_province", pd.Series(dtype=str)).dropna()))
            msg = (
                f"--sponsor {', '.join(wanted)!r}: {source} has no centre of that sponsor "
                f"province. Provinces it has: {', '.join(map(str, known)) or 'none'}."
            )
            raise ScenarioError(msg)
        frame = frame.loc[keep].reset_index(drop=True)
        source += f", sponsor {', '.join(wanted)}"
    out = pd.DataFrame(
        {
            "centre_id": frame["centre_id"].astype(str),
            "name": (
                frame["name_en"].fillna(frame["name"]) if "name_en" in frame else frame["name"]
            ).astype(str),
            "iso3": frame["iso3"].fillna("").astype(str).str.strip(),
            "located": frame.get("located", pd.Series("city", index=frame.index)).fillna(
                "country_only"
            ),
            "city": frame.get("city", pd.Series("", index=frame.index)).fillna("").astype(str),
            "lon": pd.to_numeric(frame["lon"], errors="coerce"),
            "lat": pd.to_numeric(frame["lat"], errors="coerce"),
        }
    )
    out.loc[out["lon"].isna() | out["lat"].isna(), "located"] = "country_only"
    notes: list[str] = []
    key = out[["iso3", "located"]].assign(
        name=out["name"].str.casefold(), lon=out["lon"].round(3), lat=out["lat"].round(3)
    )
    dup = out["centre_id"].duplicated() | key.duplicated()
    if dup.any():
        notes.append(
            f"{int(dup.sum())} duplicate row(s) counted once (same centre id, or same name and "
            f"place): {', '.join(out.loc[dup, 'centre_id'].head(5))}."
        )
        out = out.loc[~dup].reset_index(drop=True)
    _check_inside_countries(out, layers, source)
    return out, source, tuple(notes)


def _csv_rows(path: Path) -> int:
    try:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        return len(pd.read_csv(path, sep=sep, dtype=str, nrows=1))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
        return 0


def _check_inside_countries(centres: pd.DataFrame, layers: Mapping[str, Any], source: str) -> None:
    try:
        countries = layers["countries"]
    except (KeyError, PlannerError):
        return
    located = centres["located"] != "country_only"
    if not located.any():
        return
    tree = shapely.STRtree(countries.geometry.to_numpy())
    points = shapely.points(centres.loc[located, "lon"], centres.loc[located, "lat"])
    _idx, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    outside = np.flatnonzero(dist > _OUTSIDE_DEG)
    if outside.size:
        rows = centres.loc[located].iloc[outside]
        listed = "; ".join(
            f"row {i + 1} {n!r} at lon {x:g}, lat {y:g}"
            for i, n, x, y in zip(rows.index, rows["name"], rows["lon"], rows["lat"])
        )
        msg = (
            f"{source}: {len(rows)} centre(s) lie outside every country: {listed}. Check the "
            "coordinates (longitude first, then latitude, in degrees)."
        )
        raise LayerError(msg)


# --------------------------------------------------------------------------- matching


def match_centres(
    centres: pd.DataFrame, candidates: pd.DataFrame, *, radius_km: float = DEFAULT_RADIUS_KM
) -> pd.DataFrame:
    """Match each actual centre to a candidate city (see the module docstring).

    Parameters
    ----------
    centres
        From :func:`read_actual_centres`.
    candidates
        The scored candidates (``city_id``, ``name``, ``iso3``, ``lon``, ``lat``;
        ``asciiname`` and ``merged_from`` used when present), in any order.

    Returns
    -------
    DataFrame
        ``centres`` with ``match``, ``reason``, ``cand`` (row position in ``candidates``,
        -1 when unmatched) and ``match_dist_km``.
    """
    _check_radius(radius_km)
    cand = candidates.reset_index(drop=True)
    iso3 = cand["iso3"].astype(str).to_numpy()
    names = [
        {str(cand.at[i, "name"]).casefold()}
        | ({str(cand.at[i, "asciiname"]).casefold()} if "asciiname" in cand else set())
        | {
            s.strip().casefold()
            for s in str(cand.at[i, "merged_from"] if "merged_from" in cand else "").split(";")
            if s.strip() and s.strip() != "nan"
        }
        for i in range(len(cand))
    ]
    lon = cand["lon"].to_numpy(float)
    lat = cand["lat"].to_numpy(float)
    match, reason, pos, dist = [], [], [], []
    for row in centres.itertuples(index=False):
        in_country = np.flatnonzero(iso3 == row.iso3)
        if row.located == "country_only":
            match.append("country")
            reason.append(
                "located by its country only: no city to match; judged by whether the plan "
                f"enters {row.iso3}"
            )
            pos.append(-1)
            dist.append(math.nan)
            continue
        if in_country.size == 0:
            match.append("none")
            reason.append(
                f"{row.iso3} has no candidate city (screened out, excluded, or no city above "
                "the population floor)"
            )
            pos.append(-1)
            dist.append(math.nan)
            continue
        here = (np.array([row.lon]), np.array([row.lat]))
        d = haversine_km(*here, lon[in_country], lat[in_country])[0]
        city = str(row.city).casefold().strip()
        named = [k for k, j in enumerate(in_country) if city and city in names[j]]
        named = [k for k in named if d[k] <= radius_km]
        if named:
            k = min(named, key=lambda k: d[k])
            match.append("city")
            reason.append("")
        else:
            k = int(np.argmin(d))
            if d[k] > radius_km:
                match.append("none")
                reason.append(
                    f"no candidate city within {radius_km:g} km (the nearest, "
                    f"{cand.at[int(in_country[k]), 'name']}, is {d[k]:,.0f} km away)"
                )
                pos.append(-1)
                dist.append(float(d[k]))
                continue
            match.append("nearest")
            reason.append(
                f"{row.city or 'its place'} is not a candidate; nearest candidate "
                f"{d[k]:,.0f} km away"
            )
        pos.append(int(in_country[k]))
        dist.append(float(d[k]))
    out = centres.copy()
    out["match"] = match
    out["reason"] = reason
    out["cand"] = pos
    out["match_dist_km"] = dist
    return out


def _check_radius(radius_km: float) -> None:
    if not (isinstance(radius_km, (int, float)) and math.isfinite(radius_km) and radius_km > 0):
        msg = f"radius_km={radius_km!r} must be a number of kilometres > 0, e.g. 100."
        raise PlannerError(msg)


# --------------------------------------------------------------------------- evaluation


def percentiles(values: np.ndarray) -> np.ndarray:
    """Percentile of each value among all (100 = the highest, 0 = the lowest; rank by
    value, ties in input order): ``100 (n - rank) / (n - 1)``."""
    v = np.asarray(values, dtype=float)
    n = v.size
    order = np.argsort(-np.nan_to_num(v, nan=-np.inf), kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    return 100.0 * (n - rank) / max(n - 1, 1)


def greedy_plan(
    candidates: pd.DataFrame,
    key: np.ndarray,
    n: int,
    *,
    max_per_country: int | None = None,
    min_separation_km: float | None = None,
) -> np.ndarray:
    """Row positions of the ``n`` best candidates by ``key`` (higher first) that keep at
    most ``max_per_country`` per country and ``min_separation_km`` between any two."""
    order = np.argsort(-np.asarray(key, dtype=float), kind="stable")
    lon = candidates["lon"].to_numpy(float)
    lat = candidates["lat"].to_numpy(float)
    iso3 = candidates["iso3"].astype(str).to_numpy()
    chosen: list[int] = []
    per: dict[str, int] = {}
    for j in order:
        if len(chosen) >= n:
            break
        if max_per_country is not None and per.get(iso3[j], 0) >= max_per_country:
            continue
        if min_separation_km and chosen:
            d = haversine_km(lon[[j]], lat[[j]], lon[chosen], lat[chosen])[0]
            if (d < min_separation_km).any():
                continue
        chosen.append(int(j))
        per[iso3[j]] = per.get(iso3[j], 0) + 1
    return np.asarray(chosen, dtype=int)


def _log_comb(a: np.ndarray | float, b: float) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        out = gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)
    return np.where(a >= b, out, -np.inf)


def random_hit_probability(m: np.ndarray | int, n: int, k: int) -> np.ndarray:
    """Probability that ``k`` of ``n`` candidates drawn without replacement include at
    least one of ``m`` given ones: ``1 - C(n - m, k) / C(n, k)``."""
    m = np.asarray(m, dtype=float)
    return 1.0 - np.exp(_log_comb(n - m, k) - _log_comb(n, k))


def random_nearest_km(dist_km: np.ndarray, k: int) -> float:
    """Expected distance to the nearest of ``k`` candidates drawn without replacement,
    from the distances to every candidate: ``sum_j d_(j) C(n - j, k - 1) / C(n, k)``."""
    d = np.sort(np.asarray(dist_km, dtype=float))
    n = d.size
    j = np.arange(1, n + 1)
    p = np.exp(_log_comb(n - j, k - 1) - _log_comb(n, k))
    return float((d * p).sum())


def evaluate(
    matched: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    plan_rows: np.ndarray | None,
    radius_km: float = DEFAULT_RADIUS_KM,
    max_per_country: int | None = None,
    min_separation_km: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Per-centre figures and the summary for the method and the two baselines.

    Parameters
    ----------
    matched
        From :func:`match_centres` on ``candidates``.
    candidates
        The scored candidates (``score_total``, ``population``, ``lon``, ``lat``,
        ``iso3``; ``city_id``, ``name``, ``lifts``, ``holds_back`` shown when present).
    plan_rows
        Row positions in ``candidates`` of the method's plan with N centres, or ``None``
        when there is no plan (its plan figures are then NaN).
    max_per_country, min_separation_km
        The scenario's limits, kept by the population baseline's plan.

    Returns
    -------
    tuple
        ``(centres, summary, n_sites)``.
    """
    cand = candidates.reset_index(drop=True)
    n = len(cand)
    city = matched["cand"].to_numpy(int) >= 0
    if not city.any():
        msg = (
            f"None of the {len(matched)} actual centres could be matched to a candidate city "
            f"within {radius_km:g} km ({', '.join(sorted(set(matched['match'])))}); "
            "there is nothing to backtest. Check their coordinates, or widen --radius-km."
        )
        raise PlannerError(msg)
    rows = matched["cand"].to_numpy(int)
    sites = np.unique(rows[city])
    n_sites = int(sites.size)
    lon = cand["lon"].to_numpy(float)
    lat = cand["lat"].to_numpy(float)
    iso3 = cand["iso3"].astype(str).to_numpy()
    score = cand["score_total"].to_numpy(float)
    pop = pd.to_numeric(cand["population"], errors="coerce").to_numpy(float)
    pct_score = percentiles(score)
    pct_pop = percentiles(pop)
    rank_score = np.empty(n, dtype=int)
    rank_score[np.argsort(-score, kind="stable")] = np.arange(1, n + 1)
    rank_pop = np.empty(n, dtype=int)
    rank_pop[np.argsort(-np.nan_to_num(pop, nan=-np.inf), kind="stable")] = np.arange(1, n + 1)
    pop_plan = greedy_plan(
        cand, np.nan_to_num(pop, nan=-np.inf), n_sites,
        max_per_country=max_per_country, min_separation_km=min_separation_km,
    )  # fmt: skip
    # distances from each actual centre's place (its own point) to every candidate
    a_lon = matched["lon"].to_numpy(float)
    a_lat = matched["lat"].to_numpy(float)
    d_all = np.full((len(matched), n), np.nan)
    if city.any():
        d_all[city] = haversine_km(a_lon[city], a_lat[city], lon, lat)
    # hit = the plan opens the matched city, or a city within radius_km of the centre
    near = np.zeros((len(matched), n), dtype=bool)
    near[city] = d_all[city] <= radius_km
    near[np.flatnonzero(city), rows[city]] = True

    def picked(plan: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        hit = np.full(len(matched), np.nan)
        dist = np.full(len(matched), np.nan)
        nearest = np.full(len(matched), -1)
        country = np.full(len(matched), np.nan)
        if plan is None or len(plan) == 0:
            return hit, dist, nearest, country
        plan = np.asarray(plan, dtype=int)
        hit[city] = near[city][:, plan].any(axis=1)
        sub = d_all[city][:, plan]
        dist[city] = sub.min(axis=1)
        nearest[city] = plan[np.argmin(sub, axis=1)]
        entered = set(iso3[plan])
        country[:] = [float(c in entered) for c in matched["iso3"]]
        return hit, dist, nearest, country

    m_hit, m_dist, m_nearest, m_country = picked(plan_rows)
    p_hit, p_dist, _p_nearest, p_country = picked(pop_plan)
    # random: exact expectations over N-subsets
    r_hit = np.full(len(matched), np.nan)
    r_dist = np.full(len(matched), np.nan)
    r_hit[city] = random_hit_probability(near[city].sum(axis=1), n, n_sites)
    r_dist[city] = [random_nearest_km(d, n_sites) for d in d_all[city]]
    per_country = pd.Series(iso3).value_counts()
    m_country_c = matched["iso3"].map(per_country).fillna(0).to_numpy(float)
    r_country = random_hit_probability(m_country_c, n, n_sites)
    judged = matched["match"].isin(["city", "nearest", "country"]).to_numpy()

    def mean(values: np.ndarray, mask: np.ndarray) -> float:
        v = values[mask]
        return float(np.mean(v)) if v.size and not np.isnan(v).any() else math.nan

    summary = pd.DataFrame(
        [
            ("method", float(np.median(pct_score[rows[city]])),
             float(np.mean(rank_score[rows[city]] <= n_sites)), mean(m_hit, city),
             mean(m_dist, city), mean(m_country, judged)),
            ("population", float(np.median(pct_pop[rows[city]])),
             float(np.mean(rank_pop[rows[city]] <= n_sites)), mean(p_hit, city),
             mean(p_dist, city), mean(p_country, judged)),
            ("random", 50.0, n_sites / n, mean(r_hit, city), mean(r_dist, city),
             mean(r_country, judged)),
        ],
        columns=list(SUMMARY_COLUMNS),
    )  # fmt: skip
    take = np.where(city, rows, 0)

    def col(name: str, default: Any = "") -> np.ndarray:
        values = cand[name].to_numpy() if name in cand else np.full(n, default, dtype=object)
        return np.where(city, values[take], None)

    centres = pd.DataFrame(
        {
            "centre_id": matched["centre_id"].to_numpy(),
            "name": matched["name"].to_numpy(),
            "iso3": matched["iso3"].to_numpy(),
            "located": matched["located"].to_numpy(),
            "match": matched["match"].to_numpy(),
            "reason": matched["reason"].to_numpy(),
            "city_id": col("city_id"),
            "city": col("name"),
            "match_dist_km": matched["match_dist_km"].to_numpy(float),
            "score_total": np.where(city, score[take], np.nan),
            "rank": pd.array(np.where(city, rank_score[take], 0), dtype="Int64"),
            "percentile": np.where(city, pct_score[take], np.nan),
            "population_percentile": np.where(city, pct_pop[take], np.nan),
            "lifts": col("lifts"),
            "holds_back": col("holds_back"),
            "in_top_n": pd.array(
                [bool(r <= n_sites) if c else None for r, c in zip(rank_score[take], city)],
                dtype="boolean",
            ),
            "in_plan": pd.array(
                [None if np.isnan(h) else bool(h) for h in m_hit], dtype="boolean"
            ),
            "nearest_plan_city": [
                str(cand.at[int(j), "name"]) if j >= 0 else None for j in m_nearest
            ],
            "dist_to_plan_km": m_dist,
            "country_in_plan": pd.array(
                [None if np.isnan(h) or not j else bool(h) for h, j in zip(m_country, judged)],
                dtype="boolean",
            ),
        }
    )
    centres.loc[~city, "rank"] = pd.NA
    return centres, summary, n_sites


# --------------------------------------------------------------------------- entry point


def backtest(
    prepared: Any,
    *,
    solve: Callable[[int], Any] | None,
    actual: str | Path | None = None,
    sponsor: str | tuple[str, ...] | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> Backtest:
    """Backtest a scenario's method against the centres actually opened.

    Parameters
    ----------
    prepared
        The scenario prepared up to its scores (:class:`planner.pipeline.Prepared`:
        ``scenario``, ``layers``, ``scores``).
    solve
        ``solve(n)`` returns the :class:`planner.optimise.Plan` with ``n`` centres and no
        existing centres (the pipeline builds it); ``None`` skips the plan (its figures
        are then NaN).
    actual, sponsor
        As for :func:`read_actual_centres`; the sponsor defaults to the scenario's
        ``[existing] sponsor_province`` (every row of the layer when it has none).
    radius_km
        Matching and hit radius, km.
    """
    _check_radius(radius_km)
    scenario = prepared.scenario
    if sponsor is None and actual is None:
        sponsor = tuple(getattr(scenario.existing, "sponsor_province", ()) or ()) or None
    centres, source, notes = read_actual_centres(prepared.layers, actual=actual, sponsor=sponsor)
    frame = pd.DataFrame(prepared.scores.frame).drop(columns=["geometry"], errors="ignore")
    frame = frame.reset_index(drop=True)
    matched = match_centres(centres, frame, radius_km=radius_km)
    rows = matched["cand"].to_numpy(int)
    n_sites = int(np.unique(rows[rows >= 0]).size)
    plan_rows = None
    status = "not solved"
    planned = pd.DataFrame(columns=["city_id", "name", "iso3", "lon", "lat"])
    if solve is not None and n_sites:
        plan = solve(n_sites)
        status = plan.status_line()
        if len(plan.centres):
            where = pd.Series(np.arange(len(frame)), index=frame["city_id"].to_numpy())
            plan_rows = where.loc[plan.centres["city_id"].to_numpy()].to_numpy(int)
            planned = plan.centres[["city_id", "name", "iso3", "lon", "lat"]].reset_index(drop=True)
        else:
            notes += (f"The plan with {n_sites} centres has no solution ({plan.status}); "
                      "its figures are missing.",)  # fmt: skip
    cons = dict(scenario.constraints)
    table, summary, n_sites = evaluate(
        matched, frame, plan_rows=plan_rows, radius_km=radius_km,
        max_per_country=cons.get("max_per_country"),
        min_separation_km=cons.get("min_separation_km"),
    )  # fmt: skip
    n_country = int((matched["match"] == "country").sum())
    n_none = int((matched["match"] == "none").sum())
    notes += (
        f"{len(matched)} actual centres: {len(matched) - n_country - n_none} matched to "
        f"{n_sites} candidate cities, {n_country} known by their country only (judged at "
        f"country level), {n_none} unmatched.",
        f"The plan: the scenario's constraints with {n_sites} centres in all and without its "
        "existing centres (they are the answer being predicted) and without kinds of "
        "centre (their counts are set for the scenario's own number of centres).",
    )
    log.info(
        "backtested %d actual centres (%d cities) against %s candidates: median percentile %.0f",
        len(matched), n_sites, f"{len(frame):,}", summary.at[0, "median_percentile"],
    )  # fmt: skip
    return Backtest(
        centres=table,
        summary=summary,
        planned=planned,
        n_candidates=len(frame),
        n_sites=n_sites,
        radius_km=float(radius_km),
        plan_status=status,
        source=source,
        notes=notes,
    )


def format_backtest(result: Backtest, *, fmt: Literal["table", "csv", "json"] = "table") -> str:
    """Text for ``planner backtest``: ``"table"`` (summary, then one row per centre),
    ``"csv"`` (the per-centre table) or ``"json"`` (everything)."""
    from planner._table import format_table

    if fmt == "csv":
        return result.centres.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt != "table":
        msg = f"fmt={fmt!r} is not a backtest format; use 'table', 'csv' or 'json'."
        raise PlannerError(msg)
    lines = [
        f"Backtest against {result.source}: {result.n_sites} matched cities among "
        f"{result.n_candidates:,} candidates (radius {result.radius_km:g} km).",
        f"Plan with {result.n_sites} centres: {result.plan_status}",
        "",
        format_table(result.summary, floatfmt=",.2f"),
        "",
        format_table(
            result.centres,
            columns=["name", "iso3", "match", "city", "rank", "percentile", "in_top_n",
                     "in_plan", "dist_to_plan_km", "lifts", "holds_back"],
            floatfmt=",.0f",
            max_width=40,
        ),
        "",
    ]  # fmt: skip
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"
