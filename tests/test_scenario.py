from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from planner._errors import ScenarioError
from planner.scenario import (
    default_scenario_path,
    format_scenario,
    read_scenario,
    scenario_from_mapping,
)

MINIMAL = """
name = "test"
province = "Zhejiang"
constraints = { n_centres = 3 }
[[origins]]
name = "Yiwu"
role = "rail"
lon = 120.08
lat = 29.32
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_scenario_is_zhejiang():
    sc = read_scenario()
    assert sc.name == "zhejiang"
    assert sc.province == "Zhejiang"
    assert [o.role for o in sc.origins] == ["rail", "port", "airport", "city", "city", "city"]
    assert sc.origin("rail").name == "Yiwu"
    assert sc.origin("port").name == "Ningbo-Zhoushan"
    assert "CHN" in sc.candidates.exclude_countries
    assert len(sc.industries) == 7
    assert read_scenario("zhejiang") == sc
    assert read_scenario(default_scenario_path()) == sc


def test_minimal_scenario_gets_defaults(tmp_path: Path):
    sc = read_scenario(_write(tmp_path, MINIMAL))
    assert sc.solver.backend == "cbc"
    assert sc.candidates.min_population == 300_000
    assert sc.candidates.merge_within_km == 15.0
    assert sc.title == "Zhejiang overseas innovation centres"


def test_layer_paths_are_relative_to_the_scenario(tmp_path: Path):
    path = _write(tmp_path, MINIMAL + '[layers]\ncities = "data/my_cities.gpkg"\n')
    sc = read_scenario(path)
    assert sc.layers["cities"] == tmp_path / "data" / "my_cities.gpkg"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[candidates]\ncapitals_only = 'yes'\n", "must be true or false, got 'yes'"),
        ("[solver]\nbackend = 'gurobi'\n", "'solver.backend' must be one of cbc, highs"),
        ("[solver]\ntime_limt_s = 5\n", "Did you mean 'solver.time_limit_s'"),
        ("[solver]\ngap = 'small'\n", "'solver.gap' must be a number, got 'small'"),
        ("[candidates]\nmin_population = 'big'\n", "must be an integer, got 'big'"),
        ("[candidates]\ncountries = ['DEU', 'XYZ']\n", "unknown country 'XYZ'"),
        ("[candidates]\nexclude_countries = ['CN']\n", "unknown country 'CN'"),
        ("[industries]\nit = -1\n", "'industries.it' must be at least 0"),
        ("[layers]\ntowns = 'x.gpkg'\n", "unknown layer 'towns'"),
        ("[outputs]\nmap_top_n = 2.5\n", "'outputs.map_top_n' must be an integer"),
        ("[candidates]\nmerge_within_km = -1\n", "'candidates.merge_within_km' must be at least"),
        ("[candidates]\nmerge_within_km = 'near'\n", "'candidates.merge_within_km' must be a"),
        ("[candidates]\nmerge_within_km = nan\n", "'candidates.merge_within_km' must be a finite"),
    ],
)
def test_bad_values_name_key_value_and_allowed(tmp_path: Path, extra: str, message: str):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_scenario(_write(tmp_path, MINIMAL + extra))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-100", "constraints.min_separation_km = -100 must be non-negative"),
        ("'100 km'", "constraints.min_separation_km = '100 km' must be a number"),
    ],
)
def test_bad_separation_names_the_key(tmp_path: Path, value: str, message: str):
    text = MINIMAL.replace("{ n_centres = 3 }", f"{{ n_centres = 3, min_separation_km = {value} }}")
    with pytest.raises(ScenarioError, match=message):
        read_scenario(_write(tmp_path, text))


def test_unknown_top_level_key(tmp_path: Path):
    with pytest.raises(ScenarioError, match="unknown key 'colour'. Allowed: name, title"):
        read_scenario(_write(tmp_path, "colour = 'red'\n" + MINIMAL))
    text = MINIMAL.replace("lat = 29.32", "lat = 29.32\nheight = 3")
    with pytest.raises(ScenarioError, match=r"unknown key 'origins\[0\].height'"):
        read_scenario(_write(tmp_path, text))


def test_bad_origin(tmp_path: Path):
    text = MINIMAL.replace('role = "rail"', 'role = "train"')
    with pytest.raises(ScenarioError, match=r"origins\[0\].role must be one of rail, port"):
        read_scenario(_write(tmp_path, text))
    text = MINIMAL.replace("lat = 29.32", "lat = 129.32")
    with pytest.raises(ScenarioError, match=r"'origins\[0\].lat' must be between -90 and 90"):
        read_scenario(_write(tmp_path, text))


def test_plan_size_is_required(tmp_path: Path):
    text = MINIMAL.replace("constraints = { n_centres = 3 }", "")
    with pytest.raises(ScenarioError, match=r"\[constraints\].*needs n_centres or budget_musd"):
        read_scenario(_write(tmp_path, text))


def test_missing_required_and_bad_toml(tmp_path: Path):
    with pytest.raises(ScenarioError, match="'province' is required"):
        read_scenario(_write(tmp_path, MINIMAL.replace('province = "Zhejiang"', "")))
    with pytest.raises(ScenarioError, match="not valid TOML"):
        read_scenario(_write(tmp_path, "name = \n"))
    with pytest.raises(ScenarioError, match="does not exist"):
        read_scenario(tmp_path / "missing.toml")


def test_formatted_scenario_reads_back_the_same():
    sc = read_scenario()
    text = format_scenario(sc)
    again = scenario_from_mapping(tomllib.loads(text), path=sc.path)
    assert again == sc
