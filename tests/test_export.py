from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from planner._errors import OutputError
from planner._io import write_text
from planner.export import save_plan_data


def _frames():
    centres = gpd.GeoDataFrame(
        {
            "rank": [2, 1],
            "city_id": [10, 20],
            "name": ['<script>alert("x")</script> O\'Brien', "Budapest"],
            "iso3": ["KAZ", "HUN"],
            "score_total": [0.712345678, 0.9],
            "industries": [["new_materials"], ["information_technology", "new_energy"]],
            "rail_time_h": [float("nan"), 310.25],
        },
        geometry=gpd.points_from_xy([76.9, 19.04], [43.2, 47.5]),
        crs=4326,
    )
    allocations = pd.DataFrame(
        {
            "industry_id": ["new_materials", "information_technology", "new_energy"],
            "city_id": [10, 20, 20],
            "fit": [0.5, 0.8, 0.7],
        }
    )
    candidates = gpd.GeoDataFrame(
        {"rank": [3, 1, 2], "city_id": [30, 20, 10], "name": ["Oslo", "Budapest", "X"]},
        geometry=gpd.points_from_xy([10.7, 19.04, 76.9], [59.9, 47.5, 43.2]),
        crs=4326,
    )
    return centres, allocations, candidates


def test_plan_files_are_written_and_readable(tmp_path: Path):
    centres, allocations, candidates = _frames()
    files = save_plan_data(
        tmp_path, centres=centres, allocations=allocations, candidates=candidates
    )
    assert sorted(p.name for p in files) == [
        "candidates.csv",
        "plan.csv",
        "plan.geojson",
        "plan.gpkg",
    ]
    plan = pd.read_csv(tmp_path / "plan.csv")
    assert list(plan["name"]) == ["Budapest", '<script>alert("x")</script> O\'Brien']
    assert plan.loc[0, "industries"] == "information_technology; new_energy"
    assert plan.loc[1, "score_total"] == pytest.approx(0.712346)
    geo = json.loads((tmp_path / "plan.geojson").read_text())
    assert geo["features"][1]["properties"]["rail_time_h"] is None  # NaN stays missing
    assert geo["features"][0]["geometry"]["coordinates"] == [19.04, 47.5]
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "plan.gpkg")}
    assert layers == {"centres", "allocations", "candidates"}
    alloc = gpd.read_file(tmp_path / "plan.gpkg", layer="allocations")
    assert len(alloc) == 3 and alloc.crs.to_epsg() == 4326
    assert list(pd.read_csv(tmp_path / "candidates.csv")["rank"]) == [1, 2, 3]


def test_outputs_are_byte_identical_across_runs(tmp_path: Path):
    centres, allocations, candidates = _frames()
    for sub in ("a", "b"):
        save_plan_data(
            tmp_path / sub, centres=centres, allocations=allocations, candidates=candidates
        )
    for name in ("plan.csv", "plan.geojson", "candidates.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path):
    from planner._io import atomic_path

    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
    write_text(target, "whole")
    assert target.read_text() == "whole"


def test_unwritable_folder_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="Cannot write"):
        write_text(blocker / "sub" / "plan.csv", "x")
