from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from planner._errors import PlannerError, ScenarioError
from planner.scenario import (
    check_scenario,
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
        (
            "[candidates]\nscreens = ['un_sanction']\n",
            "unknown screen 'un_sanction'. Did you mean 'un_sanctions_st'.*no_diplomatic_relations",
        ),
        ("[candidates]\nscreens = 'un_sanctions_st'\n", "must be a list of screen names"),
        ("[candidates]\nexclude_low_confidence = 1\n", "must be true or false, got 1"),
        ("[criteria]\nlow_confidence_share = -0.1\n", "low_confidence_share = -0.1 must be"),
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
    with pytest.raises(ScenarioError, match=r"\[constraints\].*needs n_centres, n_new or budget"):
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


def test_scenario_with_a_byte_order_mark_is_read(tmp_path: Path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert read_scenario(path).name == "test"


def test_a_folder_is_not_a_scenario(tmp_path: Path):
    with pytest.raises(ScenarioError, match="is a folder, not a file"):
        read_scenario(tmp_path)


def test_check_scenario_passes_the_default_and_rejects_what_a_run_would(tmp_path: Path):
    assert check_scenario(read_scenario()).name == "zhejiang"
    text = default_scenario_path().read_text(encoding="utf-8")
    groups = "geographic economic institutional innovation talent industry_fit risk cost"
    zero = _write(
        tmp_path,
        text + "\n[criteria.group_weights]\n" + "".join(f"{g} = 0\n" for g in groups.split()),
    )
    with pytest.raises(PlannerError, match=r"\[criteria\].*group weight > 0"):
        check_scenario(read_scenario(zero))
    typo = _write(tmp_path, text.replace("new_materials = 1.0", "new_material = 1.0"))
    with pytest.raises(ScenarioError, match="Did you mean 'new_materials'"):
        check_scenario(read_scenario(typo))


# ---------------------------------------------------------------------------------------
# [existing]: the centres the province already runs


def _existing_scenario(tmp_path: Path, table: str):
    return read_scenario(_write(tmp_path, MINIMAL + "[existing]\n" + table))


def test_default_scenario_takes_zhejiangs_existing_centres_and_adds_eight():
    sc = read_scenario()
    assert sc.existing.sponsor_province == ("Zhejiang",)
    assert sc.existing.stages == ("open",)
    assert sc.constraints["n_new"] == 8 and "n_centres" not in sc.constraints


def test_existing_table_is_validated(tmp_path: Path):
    with pytest.raises(ScenarioError, match=r"unknown key 'existing.sponsor'.*sponsor_province"):
        _existing_scenario(tmp_path, 'sponsor = "Zhejiang"\n')
    with pytest.raises(ScenarioError, match=r"'existing.stages' = \['opened'\] must list"):
        _existing_scenario(tmp_path, 'sponsor_province = "Zhejiang"\nstages = ["opened"]\n')
    with pytest.raises(ScenarioError, match=r"'existing.names' must be a text or a list"):
        _existing_scenario(tmp_path, "names = [1, 2]\n")
    with pytest.raises(ScenarioError, match=r"'existing.file' must be a file path"):
        _existing_scenario(tmp_path, "file = 3\n")
    sc = _existing_scenario(tmp_path, 'file = "mine.csv"\nnames = "zj_melbourne"\n')
    assert sc.existing.file == tmp_path / "mine.csv"  # relative to the scenario
    assert sc.existing.names == ("zj_melbourne",)
    # the resolved scenario reads back the same
    again = scenario_from_mapping(
        tomllib.loads(format_scenario(sc).split("\n", 1)[1]), path=sc.path
    )
    assert again.existing == sc.existing
    assert not read_scenario(_write(tmp_path, MINIMAL)).existing.enabled


def test_default_scenario_applies_both_host_screens():
    sc = read_scenario()
    assert sc.candidates.screens == ("un_sanctions_st", "no_diplomatic_relations")
    assert sc.candidates.exclude_low_confidence is False
