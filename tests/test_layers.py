from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planner import layers
from planner._errors import LayerError, PlannerError, ScenarioError

CITY_COLUMNS = ["city_id", "name", "iso3", "population", "lon", "lat"]


def _cities_frame(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "city_id": [1, 2, 3],
            "name": ["Almaty", "Budapest", "Nairobi"],
            "iso3": ["KAZ", "HUN", "KEN"],
            "population": [2_000_000, 1_700_000, 4_400_000],
            "lon": [76.92, 19.04, 36.82],
            "lat": [43.25, 47.50, -1.28],
        }
    )
    for key, value in changes.items():
        frame[key] = value
    return frame


# --- one candidate per place -----------------------------------------------------------


def _place(rows: list[tuple]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["city_id", "name", "iso3", "population", "lon", "lat"])
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


def test_merge_satellites_folds_into_the_larger_neighbour():
    # 0.01 degree of latitude is 1.1 km
    cities = _place(
        [
            (1, "Big", "AAA", 1_000_000, 10.0, 50.0),
            (2, "Section", "AAA", 400_000, 10.0, 50.05),  # 5.6 km from Big
            (3, "Suburb", "AAA", 300_000, 10.0, 50.17),  # 18.9 km from Big, 13.3 from Section
            (4, "Abroad", "BBB", 2_000_000, 10.0, 49.97),  # 3.3 km, but another country
            (5, "Far", "AAA", 500_000, 12.0, 50.0),
        ]
    )
    out = layers.merge_satellites(cities, within_km=15)
    assert list(out["name"]) == ["Big", "Suburb", "Abroad", "Far"]
    assert dict(zip(out["name"], out["merged_from"])) == {
        "Big": "Section",
        "Suburb": "",  # a folded city (Section) takes nobody in
        "Abroad": "",
        "Far": "",
    }
    wider = layers.merge_satellites(cities, within_km=20)
    assert wider["name"].tolist() == ["Big", "Abroad", "Far"]
    assert len(layers.merge_satellites(cities, within_km=0)) == 5


def test_merge_satellites_lets_the_capital_name_its_area():
    cities = _place(
        [(1, "Big", "AAA", 2_000_000, 10.0, 50.0), (2, "Capital", "AAA", 1_000_000, 10.0, 50.05)]
    )
    cities["capital"] = [False, True]
    out = layers.merge_satellites(cities, within_km=15)
    assert out[["name", "merged_from"]].values.tolist() == [["Capital", "Big"]]


def test_candidates_fold_city_sections_on_real_data():
    from planner.scenario import Candidates

    cand = layers.read_candidates(
        layers.LayerSet(), Candidates(countries=("HUN", "VNM", "GBR", "PHL"), merge_within_km=15)
    )
    by_name = cand.set_index("name")["merged_from"]
    assert set(by_name["Budapest"].split("; ")) >= {"Pest", "Buda"}
    assert "Chợ Lớn" in by_name["Ho Chi Minh City"].split("; ")
    assert {"Islington", "Brent"} <= set(by_name["London"].split("; "))
    assert "Quezon City" in by_name["Manila"].split("; ")
    assert not {"Pest", "Buda", "Chợ Lớn", "Islington", "Brent", "Quezon City"} & set(cand["name"])
    raw = layers.read_candidates(
        layers.LayerSet(), Candidates(countries=("HUN", "VNM", "GBR", "PHL"), merge_within_km=0)
    )
    assert {"Pest", "Buda", "Chợ Lớn"} <= set(raw["name"])
    assert len(raw) - len(cand) == sum(len(m.split("; ")) for m in by_name if m)


# --- PyPI-backed loaders --------------------------------------------------------------


def test_countries_layer_has_one_polygon_per_iso3():
    countries = layers.read_layer("countries")
    assert countries.crs.to_epsg() == 4326
    assert countries["iso3"].is_unique
    assert len(countries) > 200
    assert {"CHN", "DEU", "KAZ", "SGP", "MLT", "XKX"} <= set(countries["iso3"])
    assert set(countries.geom_type) <= {"Polygon", "MultiPolygon"}
    germany = countries.set_index("iso3").loc["DEU"]
    assert germany["continent"] == "Europe"
    assert germany.geometry.contains(shapely.Point(13.40, 52.52))  # Berlin


def test_cities_layer_and_filters():
    cities = layers.read_layer("cities")
    assert len(cities) > 30_000
    assert cities["city_id"].is_unique
    madrid = cities[(cities["name"] == "Madrid") & (cities["iso3"] == "ESP")].iloc[0]
    assert madrid["capital"]
    assert madrid["population"] > 3_000_000
    assert madrid.geometry.x == pytest.approx(-3.70, abs=0.05)
    big = layers.read_layer("cities", min_population=1_000_000, exclude_countries=["CHN"])
    assert (big["population"] >= 1_000_000).all()
    assert "CHN" not in set(big["iso3"])
    capitals = layers.read_layer("cities", capitals_only=True, countries=["KAZ", "HUN"])
    assert sorted(capitals["name"]) == ["Astana", "Budapest"]


def test_ports_and_airports():
    ports = layers.read_layer("ports").set_index("port_id")
    assert ports.loc["CNNGB", "iso3"] == "CHN"
    assert ports.loc["DEHAM", "name"] == "Hamburg"
    airports = layers.read_layer("airports").set_index("iata")
    assert airports.loc["HGH", "iso3"] == "CHN"
    assert airports.loc["KIX", "iso3"] == "JPN"
    # OpenFlights' separate "countries" keep their own ISO 3166 codes
    assert airports.loc[["HKG", "MFM", "TPE"], "iso3"].tolist() == ["HKG", "MAC", "TWN"]
    routes = layers.read_layer("air_routes")
    assert list(routes.columns) == ["from_iata", "to_iata", "airlines"]
    assert set(routes["from_iata"]) | set(routes["to_iata"]) <= set(airports.index)
    assert (routes["airlines"] >= 1).all()


def test_every_layer_is_registered_with_provenance():
    names = [spec.name for spec in layers.list_layers()]
    assert names[:4] == ["countries", "cities", "ports", "airports"]
    for spec in layers.list_layers():
        assert spec.source and spec.year and spec.licence and spec.default


def test_unknown_layer_suggests_the_closest_name():
    with pytest.raises(LayerError, match="Did you mean 'cities'"):
        layers.get_spec("citys")


def test_unknown_option_is_refused():
    with pytest.raises(LayerError, match="takes no option 'min_pop'"):
        layers.read_layer("cities", min_pop=5)


# --- user files -----------------------------------------------------------------------


def test_user_cities_as_csv(tmp_path: Path):
    path = tmp_path / "my_cities.csv"
    _cities_frame().rename(columns={"lon": "longitude", "lat": "latitude"}).to_csv(
        path, index=False
    )
    cities = layers.read_layer("cities", path=path)
    assert list(cities["name"]) == ["Almaty", "Budapest", "Nairobi"]
    assert cities.crs.to_epsg() == 4326
    assert str(cities["population"].dtype) == "Int64"
    assert cities.geometry.iloc[1].x == pytest.approx(19.04)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb", ".shp"])
def test_user_cities_in_gdal_formats(tmp_path: Path, suffix: str):
    frame = _cities_frame()
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)
    path = tmp_path / f"cities{suffix}"
    gdf.to_file(path)
    cities = layers.read_layer("cities", path=path)
    assert len(cities) == 3
    assert set(cities["iso3"]) == {"KAZ", "HUN", "KEN"}


def test_projected_user_file_is_reprojected(tmp_path: Path):
    frame = _cities_frame()
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)
    path = tmp_path / "cities.gpkg"
    gdf.to_crs(3857).to_file(path)
    cities = layers.read_layer("cities", path=path)
    assert cities.geometry.iloc[0].x == pytest.approx(76.92, abs=1e-6)


def test_projected_file_without_crs_is_refused(tmp_path: Path):
    frame = _cities_frame()
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)
    path = tmp_path / "cities.shp"
    gdf.to_crs(3857).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(LayerError, match="no coordinate reference system"):
        layers.read_layer("cities", path=path)


def test_missing_file_and_unreadable_file(tmp_path: Path):
    with pytest.raises(LayerError, match="does not exist"):
        layers.read_layer("cities", path=tmp_path / "nope.gpkg")
    bad = tmp_path / "cities.gpkg"
    bad.write_text("not a geopackage")
    with pytest.raises(LayerError, match="cannot read"):
        layers.read_layer("cities", path=bad)


def test_csv_without_coordinates(tmp_path: Path):
    path = tmp_path / "cities.csv"
    _cities_frame().drop(columns=["lon", "lat"]).to_csv(path, index=False)
    with pytest.raises(LayerError, match="needs longitude and latitude columns"):
        layers.read_layer("cities", path=path)


def test_graph_layers_take_no_file(tmp_path: Path):
    graphs = [s.name for s in layers.list_layers() if s.kind == "graph"]
    if not graphs:
        pytest.skip("no graph layer is registered yet")
    with pytest.raises(LayerError, match="cannot be replaced by a file"):
        layers.read_layer(graphs[0], path=tmp_path / "x.gpkg")


# --- validation -------------------------------------------------------------------------


def _validate(frame: pd.DataFrame, name: str = "cities"):
    if "lon" in frame and "geometry" not in frame:
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"])
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    return layers.validate_layer(frame, layers.get_spec(name), origin="test.csv")


def test_missing_column_suggests_the_misnamed_one():
    frame = _cities_frame().rename(columns={"population": "populaton"})
    with pytest.raises(LayerError) as err:
        _validate(frame)
    assert "missing column 'population'" in str(err.value)
    assert "Did you mean 'populaton'?" in str(err.value)
    assert "test.csv" in str(err.value)


def test_wrong_types_name_the_column_and_rows():
    frame = _cities_frame(population=["2000000", "many", "4400000"])
    with pytest.raises(LayerError, match=r"'population' must hold integers.*'many' \(rows 2\)"):
        _validate(frame)


def test_non_nullable_missing_values():
    frame = _cities_frame(name=["Almaty", None, "Nairobi"])
    with pytest.raises(LayerError, match=r"column 'name' has missing values \(rows 2\)"):
        _validate(frame)


def test_all_problems_are_reported_together():
    frame = _cities_frame(city_id=[1, 1, 3], iso3=["KAZ", "XXX", "KEN"], population=[1, "x", 2])
    with pytest.raises(LayerError) as err:
        _validate(frame)
    text = str(err.value)
    assert "3 problem(s)" in text
    assert "duplicate key city_id" in text
    assert "unknown ISO 3166 alpha-3 code(s): 'XXX'" in text
    assert "'population' must hold integers" in text


def test_coordinates_out_of_range():
    frame = _cities_frame(lon=[43.25, 47.5, 36.82], lat=[76.92, 19.04, 136.82])
    with pytest.raises(LayerError, match="outside longitude -180..180 / latitude -90..90"):
        _validate(frame)


def test_empty_geometry_is_an_error():
    frame = _cities_frame()
    gdf = gpd.GeoDataFrame(
        frame, geometry=[shapely.Point(76.9, 43.2), None, shapely.Point()], crs=4326
    )
    with pytest.raises(LayerError, match=r"2 row\(s\) have no geometry \(rows 2, 3\)"):
        layers.validate_layer(gdf, layers.get_spec("cities"))


def test_wrong_geometry_type():
    frame = _cities_frame()
    lines = [shapely.LineString([(0, 0), (1, 1)])] * 3
    gdf = gpd.GeoDataFrame(frame, geometry=lines, crs=4326)
    with pytest.raises(LayerError, match="geometries are LineString, not Point"):
        layers.validate_layer(gdf, layers.get_spec("cities"))


def test_invalid_polygons_are_repaired_with_a_counted_warning():
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    square = shapely.box(10, 10, 11, 11)
    gdf = gpd.GeoDataFrame(
        {
            "iso3": ["KAZ", "HUN"],
            "name": ["A", "B"],
            "continent": ["Asia", "Europe"],
            "region_un": ["Asia", "Europe"],
            "subregion": ["", ""],
        },
        geometry=[bowtie, square],
        crs=4326,
    )
    with pytest.warns(layers.LayerWarning, match="repaired 1 invalid geometry"):
        out = layers.validate_layer(gdf, layers.get_spec("countries"))
    assert out.geometry.is_valid.all()
    assert out.geometry.iloc[0].geom_type == "MultiPolygon"


def test_valid_frame_is_cast_and_ordered():
    out = _validate(_cities_frame(population=["1", "2", "3"]))
    assert list(out.columns) == [*layers.get_spec("cities").column_names, "geometry"]
    assert out["population"].tolist() == [1, 2, 3]
    assert out["capital"].isna().all()  # optional column added, empty, never guessed


def test_errors_are_planner_and_value_errors():
    assert issubclass(LayerError, PlannerError)
    assert issubclass(LayerError, ValueError)


# --- overrides and the layer set -------------------------------------------------------


def test_parse_layer_overrides():
    assert layers.parse_layer_overrides(["cities=a.gpkg"]) == {"cities": Path("a.gpkg")}
    with pytest.raises(LayerError, match="expects NAME=PATH"):
        layers.parse_layer_overrides(["cities"])
    with pytest.raises(LayerError, match="no layer called 'towns'"):
        layers.parse_layer_overrides(["towns=a.gpkg"])


def test_layer_set_uses_overrides(tmp_path: Path):
    path = tmp_path / "c.csv"
    _cities_frame().to_csv(path, index=False)
    ls = layers.LayerSet({"cities": path})
    assert len(ls["cities"]) == 3
    assert ls.source_of("cities") == str(path)
    assert ls.source_of("ports") == layers.get_spec("ports").default


def test_validate_files_reports_each_failure(tmp_path: Path):
    good = tmp_path / "cities.csv"
    _cities_frame().to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    _cities_frame(iso3=["KAZ", "HUN", "ZZZ"]).to_csv(bad, index=False)
    assert layers.validate_files([str(good)])[0].startswith("ok  cities: 3 rows")
    with pytest.raises(LayerError, match="'ZZZ'"):
        layers.validate_files([str(good), f"cities={bad}"])
    with pytest.raises(LayerError, match="Cannot tell which layer"):
        layers.validate_files([str(bad)])


def test_no_warning_on_default_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.read_layer("ports")


def test_user_cities_without_city_id_get_stable_negative_ids(tmp_path: Path):
    rows = (
        "name,iso3,population,lon,lat\n"
        "Almaty,KAZ,2000000,76.9,43.2\nAstana,KAZ,1300000,71.4,51.1\n"
    )
    path = tmp_path / "cities.csv"
    path.write_text(rows)
    first = layers.read_layer("cities", path=path)
    assert (first["city_id"] < 0).all() and first["city_id"].is_unique
    # the same rows in another order and another file format give the same ids
    flipped = tmp_path / "flipped.csv"
    flipped.write_text(rows.splitlines()[0] + "\n" + "\n".join(rows.splitlines()[:0:-1]) + "\n")
    again = layers.read_layer("cities", path=flipped)
    assert dict(zip(again["name"], again["city_id"])) == dict(zip(first["name"], first["city_id"]))
    gpkg = tmp_path / "cities.gpkg"
    first.drop(columns=["city_id", "lon", "lat"]).to_file(gpkg)
    from_gpkg = layers.read_layer("cities", path=gpkg)
    assert list(from_gpkg["city_id"]) == list(first["city_id"])
    # ids never reach the GeoNames range and survive a float round trip
    assert (first["city_id"].abs() < 2**53).all()
    # the column is documented as optional, with how the ids are made
    column = layers.get_spec("cities").column("city_id")
    assert not column.required and "derived" in column.description


def test_derived_ids_depend_on_name_country_and_position():
    frame = pd.DataFrame(
        {
            "name": ["Almaty", "Almaty ", "Almaty", "Almaty", "Almaty"],
            "iso3": ["KAZ", "KAZ", "kaz", "KGZ", "KAZ"],
            "lon": [76.9, 76.9, 76.9, 76.9, 76.91],
            "lat": [43.2, 43.2, 43.2, 43.2, 43.2],
        }
    )
    ids = layers.derived_city_ids(frame)
    assert ids[0] == ids[1] == ids[2]  # spaces around the name, case of the code
    assert len({ids[0], ids[3], ids[4]}) == 3


def test_problems_name_rows_and_plain_values(tmp_path: Path):
    path = tmp_path / "cities.csv"
    path.write_text(
        "city_id,name,iso3,population,lon,lat\n"
        "7,A,KAZ,1,76.9,43.2\n7,B,KAZ,1,70,45\n8,C,KAZ,1e400,70,45\n"
    )
    with pytest.raises(LayerError) as info:
        layers.read_layer("cities", path=path)
    text = str(info.value)
    assert "(for example 7)" in text and "np." not in text
    assert "'population' holds 1 value(s) out of range" in text and "(rows 3)" in text


# ---------------------------------------------------------------------------------------
# Existing centres chosen by a scenario (planner._existing)


def _choose(**settings):
    from planner._existing import read_existing_centres
    from planner.scenario import Existing

    return read_existing_centres(layers.LayerSet(), Existing(**settings))


def test_existing_centres_by_sponsor_names_and_stage():
    zhejiang = _choose(sponsor_province=("zhejiang",))
    assert len(zhejiang) == 9 and (zhejiang["stage"] == "open").all()
    with_planned = _choose(sponsor_province=("Zhejiang",), stages=("open", "planned"))
    assert len(with_planned) == 10
    # a named centre is taken whatever its stage, and with the province's
    named = _choose(sponsor_province=("Zhejiang",), names=("zj_kean_new_jersey", "sz_tel_aviv"))
    assert len(named) == 11
    by_english = _choose(names=("Israel Liaison Office of Zhongguancun",))
    assert list(by_english["centre_id"]) == ["zgc_liaison_tel_aviv"]
    assert len(_choose()) == 0


def test_unknown_existing_centre_or_province_is_an_error_with_close_matches():
    with pytest.raises(ScenarioError, match=r"'zj_melborne'.*Close matches: 'zj_melbourne'"):
        _choose(names=("zj_melborne",))
    with pytest.raises(ScenarioError, match=r"no centre of that province.*Zhejiang"):
        _choose(sponsor_province=("Zhejian",))
    with pytest.raises(ScenarioError, match=r"3 centres share.*zgc_liaison_london"):
        _choose(names=("Zhongguancun overseas liaison office",))


def test_existing_centres_from_a_user_file(tmp_path: Path):
    by_city = tmp_path / "mine.csv"
    by_city.write_text("name,iso3,city\nOurs in Berlin,DEU,Berlin\nOurs somewhere,KAZ,\n")
    got = _choose(file=by_city)
    assert list(got["located"]) == ["city", "country_only"]
    assert got.loc[0, "lon"] == pytest.approx(13.41, abs=0.1)
    assert got.geometry.iloc[1] is None
    by_coords = tmp_path / "coords.csv"
    by_coords.write_text("name,iso3,lon,lat,sponsor_province\nA,DEU,13.4,52.5,Zhejiang\n")
    assert len(_choose(file=by_coords, sponsor_province=("Zhejiang",))) == 1
    gpkg = tmp_path / "mine.gpkg"
    gpd.GeoDataFrame(
        {"name": ["G"], "iso3": ["FRA"]}, geometry=gpd.points_from_xy([2.35], [48.85]), crs=4326
    ).to_file(gpkg, engine="pyogrio")
    assert _choose(file=gpkg)["lat"].tolist() == [pytest.approx(48.85)]


def test_existing_file_without_coordinates_or_known_city_is_an_error(tmp_path: Path):
    bare = tmp_path / "bare.csv"
    bare.write_text("name,iso3\nA,DEU\n")
    with pytest.raises(LayerError, match=r"bare\.csv.*no coordinates .* and no 'city' column"):
        _choose(file=bare)
    unknown = tmp_path / "odd.csv"
    unknown.write_text("name,iso3,city\nA,DEU,Atlantis\n")
    with pytest.raises(LayerError, match=r"odd\.csv.*'Atlantis' in 'DEU'"):
        _choose(file=unknown)
    with pytest.raises(LayerError, match=r"nope\.csv.*does not exist"):
        _choose(file=tmp_path / "nope.csv")
