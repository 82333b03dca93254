from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _commands(group, prefix=""):
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        yield full, cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, prefix=f"{full} ")


def test_version_and_help(runner: CliRunner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert re.search(r"\d+\.\d+\.\d+", result.output)
    assert runner.invoke(main, ["-h"]).exit_code == 0


def test_every_command_has_help_with_an_example_and_is_in_the_readme(runner: CliRunner):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, _cmd in _commands(main):
        result = runner.invoke(main, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example: planner" in result.output, f"{name}: help has no example"
        assert f"planner {name}" in readme, f"planner {name} is not in README.md"


def test_scenario_check_prints_zhejiang(runner: CliRunner):
    result = runner.invoke(main, ["scenario", "check"])
    assert result.exit_code == 0, result.output
    assert 'name = "zhejiang"' in result.output
    assert 'name = "Yiwu"' in result.output


def test_bad_scenario_exits_1_without_traceback(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nprovince = "Zhejiang"\ncolour = 1\n')
    result = runner.invoke(main, ["scenario", "check", str(path)])
    assert result.exit_code == 1
    assert "Error: " in result.output
    assert "unknown key 'colour'" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(main, ["run", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1
    assert "does not exist" in missing.output


def test_layers_lists_every_layer(runner: CliRunner):
    result = runner.invoke(main, ["layers"])
    assert result.exit_code == 0, result.output
    for name in ("countries", "cities", "ports", "airports"):
        assert re.search(rf"^{name}\s+[\d,]+\s", result.output, re.MULTILINE), name


def test_layers_show_formats(runner: CliRunner):
    result = runner.invoke(main, ["layers", "show", "ports", "--limit", "2", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "port_id,name,iso3,lon,lat"
    assert len(result.output.splitlines()) == 3
    geo = runner.invoke(main, ["layers", "show", "ports", "--limit", "1", "--format", "geojson"])
    assert '"FeatureCollection"' in geo.output
    bad = runner.invoke(main, ["layers", "show", "portz"])
    assert bad.exit_code == 1
    assert "Did you mean 'ports'" in bad.output


def test_layers_validate_user_file(runner: CliRunner, tmp_path: Path):
    good = tmp_path / "cities.csv"
    pd.DataFrame(
        {
            "city_id": [1],
            "name": ["Almaty"],
            "iso3": ["KAZ"],
            "population": [2_000_000],
            "lon": [76.9],
            "lat": [43.2],
        }
    ).to_csv(good, index=False)
    result = runner.invoke(main, ["layers", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "ok  cities: 1 rows" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("city_id,name,iso3,population,lon,lat\n1,Almaty,KZZ,x,76.9,43.2\n")
    result = runner.invoke(main, ["layers", "validate", f"cities={bad}"])
    assert result.exit_code == 1
    assert "'KZZ'" in result.output and "'population' must hold integers" in result.output
    assert "Traceback" not in result.output


def test_bad_command_line_input_exits_1(runner: CliRunner):
    for args in (
        ["run", "--backend", "gurobi"],
        ["sensitivity", "--draws", "0"],
        ["layers", "show"],
        ["no-such-command"],
        ["--no-such-option"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "Error: " in result.output
        assert "Traceback" not in result.output
    assert runner.invoke(main, ["--help"]).exit_code == 0


def test_bad_layer_option(runner: CliRunner):
    result = runner.invoke(main, ["run", "--layer", "cities"])
    assert result.exit_code == 1
    assert "expects NAME=PATH" in result.output


def test_run_with_a_user_cities_layer_that_cannot_hold_the_plan(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "cities.csv"
    pd.DataFrame(
        {
            "city_id": [1, 2],
            "name": ["Almaty", "Tiny"],
            "iso3": ["KAZ", "KAZ"],
            "population": [2_000_000, 10],
            "lon": [76.9, 70.0],
            "lat": [43.2, 45.0],
        }
    ).to_csv(path, index=False)
    out = tmp_path / "run"
    result = runner.invoke(main, ["run", "--layer", f"cities={path}", "--out", str(out)])
    assert result.exit_code == 1
    assert "Candidates scored: 1\n" in result.output  # the filter dropped Tiny
    assert "Error: No plan: The plan model is infeasible" in result.output
    assert "n_new" in result.output
    assert "Traceback" not in result.output
    assert (out / "brief.md").exists()  # the brief explains what must give way


def test_numpy_values_reach_messages_as_plain_values():
    import numpy as np

    from planner._errors import plain
    from planner.cli import _plain_text

    assert repr(plain((np.int64(1880252), np.str_("DEU")))) == "(1880252, 'DEU')"
    text = _plain_text(f"ids {np.int64(7)!r} and {np.float64(-1.5)!r}, {np.bool_(True)!r}")
    assert text == "ids 7 and -1.5, True"


def test_new_sets_the_centres_to_add_beside_the_existing_ones(runner: CliRunner):
    result = runner.invoke(main, ["optimise", "--new", "7", "--backend", "highs"])
    assert result.exit_code == 0, result.output
    assert "exactly 7 new centres beside 9 existing (16 in all)" in result.output
    total = runner.invoke(main, ["optimise", "--centres", "3"])
    assert total.exit_code == 1
    assert "Error: n_centres = 3 is the total" in total.output and "n_new" in total.output
    assert "Traceback" not in total.output
    both = runner.invoke(main, ["optimise", "--centres", "12", "--new", "3"])
    assert both.exit_code == 1 and "not both" in both.output


def test_run_with_a_separation_that_cannot_be_met_exits_1(runner: CliRunner, tmp_path: Path):
    cities = tmp_path / "cities.csv"
    pd.DataFrame(
        {
            "city_id": [1, 2],
            "name": ["Almaty", "Talgar"],  # 30 km apart: two places, one metropolitan area
            "iso3": ["KAZ", "KAZ"],
            "population": [2_000_000, 1_000_000],
            "lon": [76.9, 76.9],
            "lat": [43.2, 43.47],
        }
    ).to_csv(cities, index=False)
    text = (Path(__file__).resolve().parents[1] / "models" / "zhejiang.toml").read_text()
    head = text[: text.index("[constraints]")]
    scenario = tmp_path / "apart.toml"
    scenario.write_text(head + "[constraints]\nn_new = 2\nmin_separation_km = 100\n")
    out = tmp_path / "run"
    result = runner.invoke(
        main, ["run", str(scenario), "--layer", f"cities={cities}", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "Candidates scored: 2\n" in result.output  # 30 km: not folded into one
    assert "Error: No plan: The plan model is infeasible" in result.output
    named = "min_separation_km (no two centres (new or existing) closer than 100 km)"
    assert named in result.output
    assert "Traceback" not in result.output

