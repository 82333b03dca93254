"""The centres a province already runs: chosen by a scenario's ``[existing]`` table.

They come from the curated ``existing_centres`` layer (see ``geodata/SOURCES.md``) or from
the user's own file, in any layer format. A file's rows are located by their coordinates,
or else by their city and country in the GeoNames ``cities`` layer (the most populous city
of that name); a row with a country and no city counts for its country only.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._errors import LayerError, ScenarioError
from planner.layers import get_spec, read_user_file, validate_layer

__all__ = ["empty_existing", "existing_for_plan", "read_existing_centres"]

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
_LAYER = "existing_centres"


def empty_existing() -> gpd.GeoDataFrame:
    """An ``existing_centres`` frame with no rows (a blank slate)."""
    spec = get_spec(_LAYER)
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in spec.column_names})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def read_existing_centres(layers: Mapping[str, Any], settings: Any) -> gpd.GeoDataFrame:
    """The existing centres a scenario's ``[existing]`` table chooses.

    Parameters
    ----------
    layers
        A :class:`planner.layers.LayerSet` (``existing_centres``, and ``cities`` to locate
        a file's rows by city).
    settings
        A :class:`planner.scenario.Existing`.

    Returns
    -------
    GeoDataFrame
        Rows of the ``existing_centres`` layer's columns; geometry empty for a centre
        located by its country only.

    Raises
    ------
    ScenarioError
        For a province without centres or an unknown centre name (with the closest names).
    LayerError
        For a file that cannot be read, or whose rows have neither coordinates nor a city
        found in GeoNames.
    """
    if not settings.enabled:
        return empty_existing()
    if settings.file is not None:
        source = read_existing_file(settings.file, layers)
        where = f"the file {str(settings.file)!r}"
    else:
        source = layers[_LAYER]
        where = "the existing_centres layer"
    take = np.zeros(len(source), dtype=bool)
    stage_ok = source["stage"].fillna("open").isin(settings.stages).to_numpy()
    if settings.sponsor_province:
        province = source["sponsor_province"].fillna("").str.casefold()
        for wanted in settings.sponsor_province:
            hit = (province == wanted.casefold()).to_numpy()
            if not hit.any():
                known = sorted(set(source["sponsor_province"].dropna()))
                msg = (
                    f"[existing] sponsor_province = {wanted!r}: {where} has no centre of that "
                    f"province. Provinces it has: {', '.join(known) or 'none'}."
                )
                raise ScenarioError(msg)
            take |= hit & stage_ok
    if settings.names:
        take |= _by_name(source, settings.names, where)
    if not settings.sponsor_province and not settings.names:
        take = stage_ok
    out = source.loc[take].reset_index(drop=True)
    log.info(
        "took %d existing centres (%d located by country only) from %s",
        len(out),
        int(out.geometry.isna().sum()),
        where,
    )
    return gpd.GeoDataFrame(out, geometry=out.geometry, crs=CRS)


def _by_name(source: pd.DataFrame, names: tuple[str, ...], where: str) -> np.ndarray:
    columns = [c for c in ("centre_id", "name", "name_en") if c in source.columns]
    keys = {
        c: source[c].fillna("").astype(str).str.strip().str.casefold().to_numpy() for c in columns
    }
    take = np.zeros(len(source), dtype=bool)
    for wanted in names:
        w = wanted.strip().casefold()
        hit = np.zeros(len(source), dtype=bool)
        for column in columns:
            hit |= keys[column] == w
        if not hit.any():
            choices = sorted({str(v) for c in columns for v in source[c].dropna()})
            close = difflib.get_close_matches(wanted, choices, n=3, cutoff=0.5)
            hint = f" Close matches: {', '.join(map(repr, close))}." if close else ""
            msg = (
                f"[existing] names {wanted!r}, which is not a centre id or name in {where}."
                f"{hint} Run `planner layers` to see the existing_centres layer."
            )
            raise ScenarioError(msg)
        if hit.sum() > 1 and not (keys["centre_id"] == w).any():
            ids = ", ".join(source.loc[hit, "centre_id"].astype(str))
            msg = (
                f"[existing] names {wanted!r}, which {int(hit.sum())} centres share in {where}; "
                f"name one by its centre_id ({ids})."
            )
            raise ScenarioError(msg)
        take |= hit
    return take


def read_existing_file(path: str | Path, layers: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The user's file of existing centres, validated against the ``existing_centres`` spec.

    Required: ``name`` and ``iso3``. Located by a point geometry (or ``lon``/``lat`` in a
    CSV), else by ``city`` and ``iso3`` in GeoNames; a row with neither stays
    ``country_only``. Missing optional columns are added empty; ``centre_id`` defaults to
    ``name`` and ``stage`` to ``"open"``.
    """
    spec = get_spec(_LAYER)
    path = Path(path)
    if not path.exists():
        msg = f"[existing] file {str(path)!r} does not exist. Check the path in the scenario."
        raise LayerError(msg)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            msg = f"[existing] cannot parse {str(path)!r} as CSV ({exc})."
            raise LayerError(msg) from None
        lower = {str(c).lower(): c for c in frame.columns}
        lon = next((lower[n] for n in ("lon", "lng", "longitude", "x") if n in lower), None)
        lat = next((lower[n] for n in ("lat", "latitude", "y") if n in lower), None)
        if lon is not None and lat is not None:
            frame = frame.rename(columns={lon: "lon", lat: "lat"})
            x = pd.to_numeric(frame["lon"], errors="coerce")
            y = pd.to_numeric(frame["lat"], errors="coerce")
        else:
            x = y = pd.Series(np.nan, index=frame.index)
        geometry = gpd.GeoSeries(
            [None if np.isnan(a) or np.isnan(b) else gpd.points_from_xy([a], [b])[0]
             for a, b in zip(x, y)],
            index=frame.index,
            crs=CRS,
        )  # fmt: skip
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)
    else:
        frame = read_user_file(path, spec)
    for column in ("name", "iso3"):
        if column not in frame.columns:
            msg = (
                f"[existing] file {str(path)!r} has no {column!r} column; a centre needs a "
                "name and a country (ISO3), and coordinates (lon/lat) or a city."
            )
            raise LayerError(msg)
    frame = frame.copy()
    frame["centre_id"] = frame.get("centre_id", frame["name"]).fillna(frame["name"])
    frame["stage"] = frame.get("stage", pd.Series("open", index=frame.index)).fillna("open")
    frame = _locate_by_city(frame, path, layers)
    for column in spec.column_names:
        if column not in frame.columns:
            frame[column] = pd.NA  # the optional facts a user's file may leave out
    return validate_layer(frame, spec, origin=str(path))


def _locate_by_city(
    frame: gpd.GeoDataFrame, path: Path, layers: Mapping[str, Any]
) -> gpd.GeoDataFrame:
    has_point = frame.geometry.notna() & ~frame.geometry.is_empty
    if "city" not in frame.columns:
        if has_point.any():
            frame["located"] = np.where(has_point, "city", "country_only")
            return _with_lonlat(frame)
        msg = (
            f"[existing] file {str(path)!r} has no coordinates (lon/lat columns or point "
            "geometries) and no 'city' column to locate its centres by; add one of them."
        )
        raise LayerError(msg)
    cities = layers["cities"]
    best = (
        cities.sort_values("population", ascending=False)
        .drop_duplicates(["name", "iso3"])
        .set_index(["name", "iso3"])
    )
    city = frame["city"].fillna("").astype(str).str.strip()
    iso3 = frame["iso3"].fillna("").astype(str).str.strip()
    geoms = list(frame.geometry)
    located = []
    unknown = []
    for i, (name, code, point) in enumerate(zip(city, iso3, has_point)):
        if point:
            located.append("city")
        elif not name:
            located.append("country_only")
        elif (name, code) in best.index:
            geoms[i] = best.loc[(name, code), "geometry"]
            located.append("city")
        else:
            unknown.append(f"row {i + 1}: {name!r} in {code!r}")
            located.append("country_only")
    if unknown:
        msg = (
            f"[existing] file {str(path)!r}: {len(unknown)} centre(s) have no coordinates and "
            f"a city that GeoNames does not list: {'; '.join(unknown[:5])}. Give lon/lat, the "
            "GeoNames spelling of the city, or leave the city empty to count the country only."
        )
        raise LayerError(msg)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=CRS))
    frame["located"] = located
    return _with_lonlat(frame)


def _with_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    point = frame.geometry.notna() & ~frame.geometry.is_empty
    frame["lon"] = np.where(point, frame.geometry.x.where(point), np.nan)
    frame["lat"] = np.where(point, frame.geometry.y.where(point), np.nan)
    return frame


def existing_for_plan(existing: pd.DataFrame | None) -> pd.DataFrame | None:
    """The plan model's ``PlanInputs.existing``: ``name``, ``iso3``, ``lon``, ``lat``
    (NaN for a country-only centre) and ``industries`` (a tuple of ids; empty = unknown)."""
    if existing is None or len(existing) == 0:
        return None
    label = existing["name_en"].fillna(existing["name"]) if "name_en" in existing else None
    return pd.DataFrame(
        {
            "name": (label if label is not None else existing["name"]).astype(str).to_numpy(),
            "iso3": existing["iso3"].astype(str).to_numpy(),
            "lon": pd.to_numeric(existing["lon"], errors="coerce").to_numpy(float),
            "lat": pd.to_numeric(existing["lat"], errors="coerce").to_numpy(float),
            "industries": [
                tuple(i for i in str(t).split(";") if i) if isinstance(t, str) else ()
                for t in existing["industries"]
            ],
        }
    )
