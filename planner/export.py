"""Stage 7 (data): the plan as GeoJSON, CSV and a GeoPackage a GIS user opens in QGIS.

Text outputs are deterministic: rows sorted, floats rounded to fixed digits, keys in a
fixed order, so two runs on the same inputs give byte-identical ``plan.csv`` and
``plan.geojson``. Every file is written atomically.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._io import write_text, write_with

__all__ = ["plain_columns", "save_plan_data", "to_geojson_text"]

log = logging.getLogger(__name__)

_DIGITS = 6


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with list/tuple cells joined by ``"; "`` and floats rounded.

    Geometry is kept; the result has only types CSV, GeoJSON and GeoPackage hold.
    """
    out = frame.copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    for col in out.columns:
        if col == geometry:
            continue
        series = out[col]
        if series.dtype == object and series.map(lambda v: isinstance(v, (list, tuple))).any():
            out[col] = series.map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
            )
        elif pd.api.types.is_float_dtype(series):
            out[col] = series.round(_DIGITS)
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else round(float(value), _DIGITS)
    return str(value)


def to_geojson_text(frame: gpd.GeoDataFrame) -> str:
    """A deterministic GeoJSON FeatureCollection of ``frame`` (EPSG:4326)."""
    frame = plain_columns(frame)
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry]
    features = []
    for row, geom in zip(frame[columns].itertuples(index=False, name=None), frame.geometry):
        features.append(
            {
                "type": "Feature",
                "properties": {c: _json_value(v) for c, v in zip(columns, row)},
                "geometry": None if geom is None else _round_geometry(geom.__geo_interface__),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1) + "\n"


def _round_geometry(geo: dict[str, Any]) -> dict[str, Any]:
    def rnd(coords: Any) -> Any:
        if isinstance(coords, (float, int)):
            return round(float(coords), _DIGITS)
        return [rnd(c) for c in coords]

    return {"type": geo["type"], "coordinates": rnd(geo["coordinates"])}


def save_plan_data(
    folder: str | Path,
    *,
    centres: gpd.GeoDataFrame,
    allocations: pd.DataFrame,
    candidates: gpd.GeoDataFrame,
    sort_by: Sequence[str] = ("rank",),
) -> list[Path]:
    """Write ``plan.geojson``, ``plan.csv``, ``candidates.csv`` and ``plan.gpkg``.

    Parameters
    ----------
    folder
        The run folder.
    centres
        One row per chosen centre, with a point geometry.
    allocations
        One row per (industry, centre) pair: ``industry_id``, ``city_id`` and anything
        else to keep; written to the GeoPackage at the centre's location.
    candidates
        Every scored candidate, with a point geometry.
    sort_by
        Columns that order the centres (the rows of ``plan.csv``).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    keys = [c for c in sort_by if c in centres.columns] + ["city_id"]
    centres = centres.sort_values(keys, kind="mergesort").reset_index(drop=True)
    cand_keys = [c for c in ("rank", "city_id") if c in candidates.columns]
    candidates = candidates.sort_values(cand_keys, kind="mergesort").reset_index(drop=True)
    plain_centres = plain_columns(centres)
    plain_candidates = plain_columns(candidates)
    alloc = allocations.merge(centres[["city_id", centres.geometry.name]], on="city_id", how="left")
    alloc = gpd.GeoDataFrame(plain_columns(alloc), geometry=centres.geometry.name, crs=4326)
    alloc = alloc.sort_values(["industry_id", "city_id"], kind="mergesort")

    files = [
        write_text(folder / "plan.geojson", to_geojson_text(plain_centres)),
        write_text(
            folder / "plan.csv", _csv(plain_centres.drop(columns=plain_centres.geometry.name))
        ),
        write_text(
            folder / "candidates.csv",
            _csv(plain_candidates.drop(columns=plain_candidates.geometry.name)),
        ),
    ]

    def gpkg(tmp: Path) -> None:
        plain_centres.to_file(tmp, layer="centres", driver="GPKG", engine="pyogrio")
        alloc.to_file(tmp, layer="allocations", driver="GPKG", engine="pyogrio")
        plain_candidates.to_file(tmp, layer="candidates", driver="GPKG", engine="pyogrio")

    files.append(write_with(folder / "plan.gpkg", gpkg))
    log.info(
        "wrote the plan as data: %d centres, %d allocations, %s candidates",
        len(centres),
        len(alloc),
        f"{len(candidates):,}",
    )
    return files


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")
