"""End to end: `planner run` on the default scenario and on a user layer."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner._errors import OutputError
from planner.cli import main
from planner.runfolder import view_from_run

RUN_FILES = {
    "map.html",
    "brief.md",
    "brief.html",
    "map.png",
    "plan.geojson",
    "plan.csv",
    "candidates.csv",
    "plan.gpkg",
    "run.json",
}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "zhejiang"
    result = CliRunner().invoke(main, ["run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_default_run_writes_every_file(default_run: Path):
    names = {p.name for p in default_run.iterdir()}
    assert names >= RUN_FILES
    assert not [n for n in names if n.startswith(".")], "temporary files left behind"
    record = json.loads((default_run / "run.json").read_text())
    assert record["scenario"]["name"] == "zhejiang"
    assert record["status"] in ("optimal", "feasible")
    if record["status"] == "feasible":
        assert record["gap"] is None or record["gap"] > 0
    assert len(record["centres"]) == record["scenario"]["constraints"]["n_new"]
    # Zhejiang's existing centres are listed, and no country exceeds the cap with them
    existing = pd.read_csv(default_run / "existing.csv")
    assert len(record["existing"]) == len(existing) >= 9
    assert set(existing["iso3"]) >= {"USA", "ISR", "JPN", "FRA", "AUS"}
    assert record["layers"]["indicators"].startswith("geodata/indicators.csv sha256:")
    assert "pulp" in record["versions"] and "ortools" in record["versions"]
    plan = pd.read_csv(default_run / "plan.csv")
    assert list(plan["city_id"]) == [
        c["city_id"]
        for c in sorted(record["centres"], key=lambda c: list(plan["city_id"]).index(c["city_id"]))
    ]
    both = pd.concat([plan["iso3"], existing["iso3"]])
    full = set(existing["iso3"].value_counts().loc[lambda c: c >= 2].index)
    assert not full & set(plan["iso3"])  # a country with 2+ existing centres gets no new one
    assert both.value_counts()[list(set(plan["iso3"]))].max() <= 2  # max_per_country
    served = set("; ".join(plan["industries"]).split("; "))
    assert len(served) == 7  # every industry served
    layers = gpd.list_layers(default_run / "plan.gpkg")["name"].tolist()
    assert sorted(layers) == ["allocations", "candidates", "centres"]
    html = (default_run / "map.html").read_text()
    # works offline: no script or stylesheet is fetched from the network
    assert not re.search(r"<script[^>]+src=[\"']https?:", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)


def test_default_plan_keeps_its_centres_apart_and_fills_the_plan_column(default_run: Path):
    from planner.optimise import closest_pair

    record = json.loads((default_run / "run.json").read_text())
    rows = {c["name"]: c for c in record["constraints"]}
    sep = rows["min_separation_km"]
    assert sep["limit"] == 100
    plan = pd.read_csv(default_run / "plan.csv")
    existing = pd.read_csv(default_run / "existing.csv").dropna(subset=["lon", "lat"])
    d, _, _ = closest_pair(plan["lon"].to_numpy(), plan["lat"].to_numpy())
    # a new centre and an existing one count too (two existing ones may be close)
    lon1, lat1 = np.radians(plan[["lon"]].to_numpy()), np.radians(plan[["lat"]].to_numpy())
    lon2, lat2 = np.radians(existing["lon"].to_numpy()), np.radians(existing["lat"].to_numpy())
    h = np.sin((lat2 - lat1) / 2) ** 2
    h = h + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    d = min(d, float((2 * 6371.0088 * np.arcsin(np.sqrt(h))).min()))
    assert d >= 100
    assert sep["value"] == pytest.approx(d, abs=1e-6)
    assert sep["value_text"].startswith("closest pair ")
    assert rows["n_new"]["value"] == 8 and rows["n_new"]["value_text"] == "8"
    assert all(c["value_text"] for c in record["constraints"])
    brief = (default_run / "brief.md").read_text()
    table = brief[brief.index("| Constraint | Plan |") :].split("\n\n")[0].splitlines()[2:]
    assert len(table) == len(record["constraints"])
    for line in table:
        assert line.split("|")[2].strip(), line  # the Plan column is filled
    assert "| " + sep["value_text"] + " |" in brief
    # the GeoNames sections of a city are folded into it, and the brief says how many
    assert "candidate cities folded, as sections or satellites, into a city" in brief
    names = set(pd.read_csv(default_run / "candidates.csv")["name"])
    assert not {"Pest", "Buda", "Chợ Lớn"} & names


def test_default_plan_has_both_kinds_and_focused_industries(default_run: Path):
    from planner.scenario import read_scenario

    record = json.loads((default_run / "run.json").read_text())
    plan = pd.read_csv(default_run / "plan.csv")
    scenario = read_scenario(None)
    kinds = {k["id"]: k for k in scenario.kinds}
    assert set(plan["kind"]) == set(kinds) == {"zone_upgrading", "st_sourcing"}
    assert [k["id"] for k in record["kinds"]] == list(kinds)
    assert all(c["kind"] in kinds and c["kind_name"] for c in record["centres"])
    # a zone-upgrading centre lies within the kind's radius of a zone Zhejiang sponsors
    radius = kinds["zone_upgrading"]["eligible"]["home_zone_km"]
    zone = plan.loc[plan["kind"] == "zone_upgrading"]
    assert len(zone) >= 1 and (zone["dist_home_coop_zone_km"] <= radius).all()
    zones = pd.read_csv(Path(__file__).parents[1] / "geodata" / "cooperation_zones.csv")
    home = zones[zones["sponsor_province"].str.contains("Zhejiang")]
    lon1, lat1 = np.radians(zone[["lon"]].to_numpy()), np.radians(zone[["lat"]].to_numpy())
    lon2, lat2 = np.radians(home["lon"].to_numpy()), np.radians(home["lat"].to_numpy())
    h = np.sin((lat2 - lat1) / 2) ** 2
    h = h + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    assert (2 * 6371.0088 * np.arcsin(np.sqrt(h))).min(axis=1).max() <= radius
    # S&T sourcing centres are all in countries leading in science and technology
    assert plan.loc[plan["kind"] == "st_sourcing", "st_leading"].all()
    # no industry over its cap, no two centres with the same portfolio, each with reasons
    cap = scenario.constraints["max_centres_per_industry"]
    portfolios = plan["industries"].fillna("")
    counts = pd.Series("; ".join(portfolios).split("; ")).value_counts()
    assert counts.max() <= cap
    assert portfolios.map(lambda t: tuple(sorted(t.split("; ")))).is_unique
    assert plan["industry_reasons"].fillna("").str.contains("candidate countries").all()


def test_second_run_is_byte_identical(default_run: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    for name in ("plan.csv", "plan.geojson"):
        assert (tmp_path / "again" / name).read_bytes() == (default_run / name).read_bytes()


def test_existing_run_folder_is_refused_without_force(default_run: Path):
    before = (default_run / "run.json").read_bytes()
    result = CliRunner().invoke(main, ["run", "--out", str(default_run)])
    assert result.exit_code == 1
    assert "already exists. Pass --force" in result.output
    assert (default_run / "run.json").read_bytes() == before


def test_map_and_brief_redrawn_from_the_run_folder(default_run: Path):
    view = view_from_run(default_run)
    assert len(view.centres) == len(pd.read_csv(default_run / "plan.csv"))
    assert view.status == json.loads((default_run / "run.json").read_text())["status"]
    runner = CliRunner()
    result = runner.invoke(main, ["map", str(default_run), "--top-n", "50"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["brief", str(default_run), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "brief.md" in result.output


def test_map_in_chinese_is_its_own_file_and_leaves_the_english_map_alone(default_run: Path):
    from planner import i18n, names

    english = (default_run / "map.html").read_bytes()
    runner = CliRunner()
    result = runner.invoke(main, ["map", str(default_run), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert (default_run / "map.html").read_bytes() == english
    page = (default_run / "map.zh.html").read_text(encoding="utf-8")
    assert str(default_run / "map.zh.html") in result.output
    plan = pd.read_csv(default_run / "plan.csv")
    for iso3, country in zip(plan["iso3"], plan["country"]):
        assert names.country_name(iso3, "zh", country) in page
    assert i18n.text("zh", "map.legend.title") in page
    assert "\ufffd" not in page and "Ã" not in page
    # both languages at once; a bad code is refused with a clear message
    result = runner.invoke(main, ["map", str(default_run), "--lang", "zh,en", "--top-n", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.count(".html") == 2
    result = runner.invoke(main, ["map", str(default_run), "--lang", "fr"])
    assert result.exit_code == 1
    assert "unknown language 'fr'" in result.output
    assert "Traceback" not in result.output
    # the brief refuses it too, before writing anything
    before = {p.name: p.stat().st_mtime_ns for p in default_run.iterdir()}
    result = runner.invoke(main, ["brief", str(default_run), "--lang", "en,fr"])
    assert result.exit_code == 1
    assert "unknown language 'fr'" in result.output and "Traceback" not in result.output
    assert {p.name: p.stat().st_mtime_ns for p in default_run.iterdir()} == before


def test_map_of_a_folder_that_is_not_a_run(tmp_path: Path):
    result = CliRunner().invoke(main, ["map", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a finished run folder" in result.output
    with pytest.raises(OutputError):
        view_from_run(tmp_path)


EVIL = '<script>alert("x")</script> O\'Brien & "Co"'


def test_names_from_a_user_layer_are_escaped_everywhere(tmp_path: Path):
    cities = pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4],
            "name": [EVIL, "Budapest", "Almaty", "Duisburg"],
            "iso3": ["DEU", "HUN", "KAZ", "DEU"],
            "population": [1_000_000, 1_700_000, 2_000_000, 500_000],
            "lon": [13.40, 19.04, 76.92, 6.76],
            "lat": [52.52, 47.50, 43.25, 51.43],
        }
    )
    cities.to_csv(tmp_path / "cities.csv", index=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        "\n".join(
            [
                'name = "escape"',
                'province = "Zhejiang"',
                "[[origins]]",
                'name = "Yiwu"',
                'role = "rail"',
                "lon = 120.07676",
                "lat = 29.31506",
                "[[origins]]",
                'name = "Ningbo-Zhoushan"',
                'role = "port"',
                "lon = 121.559404",
                "lat = 29.871877",
                "[[origins]]",
                'name = "Hangzhou airport"',
                'role = "airport"',
                "lon = 120.434",
                "lat = 30.2295",
                "[candidates]",
                "min_population = 100000",
                "[industries]",
                "information_technology = 1.0",
                "new_materials = 1.0",
                "[constraints]",
                "n_centres = 4",
                "[layers]",
                'cities = "cities.csv"',
            ]
        )
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("map.html", "brief.html"):
        text = (out / name).read_text()
        assert "<script>alert" not in text, name
        assert "&lt;script&gt;alert" in text or "\\u003cscript\\u003e" in text, name
    brief_md = (out / "brief.md").read_text()
    assert "<script>" not in brief_md
    plan = pd.read_csv(out / "plan.csv")
    assert EVIL in set(plan["name"])  # data files keep the name as it is


def test_default_run_sweeps_the_weights_and_the_brief_leads_with_the_decision(
    default_run: Path,
):
    from planner.pipeline import DEFAULT_RUN_DRAWS

    record = json.loads((default_run / "run.json").read_text())
    assert record["robustness_runs"] == DEFAULT_RUN_DRAWS == 200
    assert 0 <= record["robustness_same_plan"] <= 1
    robust = pd.read_csv(default_run / "robustness.csv")
    assert list(robust.columns) == ["city_id", "chosen_share", "rank_low", "rank_high"]
    assert robust["chosen_share"].between(0, 1).all()
    plan = pd.read_csv(default_run / "plan.csv")
    assert set(plan["city_id"]) <= set(robust["city_id"])
    assert (default_run / "robustness.png").read_bytes().startswith(b"\x89PNG")
    brief = (default_run / "brief.md").read_text()
    first = brief[brief.index("\n## ") : brief.index("\n## 2.")]
    assert first.startswith("\n## 1. The decision")
    # every centre with the share of draws that chose it, in the decision itself
    for name in plan["name"]:
        row = next(line for line in first.splitlines() if line.startswith("| ") and name in line)
        assert re.search(r"chosen in \d+% of 200 weight draws \((firm|in between|fragile)\)", row)
    assert "this exact set of centres came back in" in first
    assert "best possible" not in brief
    assert "](robustness.png)" in brief
    annex = brief[brief.index("## Annex") :]
    assert "Solver: cbc; status:" in annex
    assert "candidate(s) in" in annex and "candidate(s) in" not in brief[: brief.index("## Annex")]
    # redrawing from the folder keeps the robustness and the plan's survival
    view = view_from_run(default_run)
    assert view.robustness_runs == 200
    assert view.robustness_same_plan == pytest.approx(record["robustness_same_plan"])


def test_run_with_draws_0_says_robustness_was_not_measured(tmp_path: Path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--out", str(out), "--draws", "0"])
    assert result.exit_code == 0, result.output
    assert not (out / "robustness.csv").exists()
    assert json.loads((out / "run.json").read_text())["robustness_runs"] == 0
    brief = (out / "brief.md").read_text()
    decision = brief[brief.index("## 1. The decision") : brief.index("## 2.")]
    assert "**Robustness not measured in this run** (planner run --draws 0)" in decision
    assert "Robustness not measured in this run" in (out / "brief.html").read_text()


def test_compare_two_runs(default_run: Path, tmp_path: Path):
    other = tmp_path / "six"
    scenario = tmp_path / "six.toml"
    text = (Path(__file__).resolve().parents[1] / "models" / "zhejiang.toml").read_text()
    text = text.replace("min_separation_km = 100", "min_separation_km = 300")
    scenario.write_text(text.replace("n_new = 8", "n_new = 7"))  # the kinds need 7 or more
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(scenario), "--out", str(other)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["compare", str(default_run), str(other)])
    assert result.exit_code == 0, result.output
    assert "out" in result.output.lower()
    assert "Limit of min_separation_km changed: 100 -> 300" in result.output
    missing = runner.invoke(main, ["compare", str(default_run), str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output


# ---------------------------------------------------------------------------------------
# The run folder: what --force may replace, and the swap


def _fake_run(folder: Path, marker: str = "old") -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"planner_run": 1, "marker": marker}))
    return folder


def test_force_replaces_only_a_planner_run_folder(tmp_path: Path):
    from planner.runfolder import check_out_dir, is_run_folder

    run = _fake_run(tmp_path / "run")
    assert is_run_folder(run)
    assert check_out_dir(run, force=True) == run
    with pytest.raises(OutputError, match="already exists"):
        check_out_dir(run, force=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_out_dir(empty, force=False) == empty
    other = tmp_path / "other"
    other.mkdir()
    (other / "run.json").write_text('{"planner_run": 2}')
    assert not is_run_folder(other)
    with pytest.raises(OutputError, match="not a run folder planner wrote"):
        check_out_dir(other, force=True)


def test_failed_swap_puts_the_old_run_back(tmp_path: Path):
    from planner.runfolder import _staged_folder

    target = _fake_run(tmp_path / "run")
    failed = pytest.raises(OutputError, match="Cannot replace the run folder")
    with failed, _staged_folder(target, force=True) as staging:
        (staging / "run.json").write_text('{"planner_run": 1, "marker": "new"}')
        staging.rename(tmp_path / "elsewhere")  # the second rename then fails
    assert json.loads((target / "run.json").read_text())["marker"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "run"]


def test_interrupt_inside_the_block_leaves_the_old_run(tmp_path: Path):
    from planner.runfolder import _staged_folder

    target = _fake_run(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt), _staged_folder(target, force=True) as staging:
        (staging / "map.html").write_text("half")
        raise KeyboardInterrupt
    assert json.loads((target / "run.json").read_text())["marker"] == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_next_run_recovers_what_a_killed_run_left(tmp_path: Path):
    from planner.runfolder import recover_run_folder

    dead = 2**22 + 12345  # above Linux's largest pid: no such process
    _fake_run(tmp_path / f".run.old-{dead}")
    (tmp_path / f".run.partial-{dead}-abc").mkdir()
    (tmp_path / f".run.partial-{dead}-abc" / "map.html").write_text("half")
    foreign = tmp_path / f".run.old-{dead + 1}"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("not planner's")
    notes = recover_run_folder(tmp_path / "run")
    assert any("Restored the run folder" in n for n in notes)
    assert any("unfinished output" in n for n in notes)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["marker"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [foreign.name, "run"]
    # a hidden old run beside a complete new one is removed
    _fake_run(tmp_path / f".run.old-{dead}")
    notes = recover_run_folder(tmp_path / "run")
    assert notes and "Removed" in notes[0]
    assert not (tmp_path / f".run.old-{dead}").exists()
    # leftovers of a process that still runs are left alone
    mine = _fake_run(tmp_path / f".run.old-{os.getpid()}")
    assert recover_run_folder(tmp_path / "run") == []
    assert mine.exists()


def test_the_reason_parts_round_trip_through_the_run_folder(default_run: Path, tmp_path: Path):
    import shutil

    from planner.criteria import reason_parts_from_json, render_reasons

    record = json.loads((default_run / "run.json").read_text(encoding="utf-8"))
    plan = pd.read_csv(default_run / "plan.csv")
    by_id = {c["city_id"]: c for c in record["centres"]}
    for r in plan.to_dict("records"):
        parts = reason_parts_from_json(r["industry_reason_parts"])
        assert parts and by_id[r["city_id"]]["industry_reason_parts"] == parts
        # the English text is what the parts render to in English
        names = dict(zip((i["industry_id"] for i in record["industries"]),
                         (i["name"] for i in record["industries"])))  # fmt: skip
        assert " | ".join(render_reasons(parts, names=names)) == r["industry_reasons"]
    # planner brief RUN_DIR --lang zh writes the reasons in Chinese from the folder alone
    folder = tmp_path / "run"
    shutil.copytree(default_run, folder)
    result = CliRunner().invoke(main, ["brief", str(folder), "--lang", "zh", "--no-pdf"])
    assert result.exit_code == 0, result.output
    md = (folder / "brief.zh.md").read_text(encoding="utf-8")
    assert md.count("居候选国家") >= len(plan)
    # a folder written before the parts: the Chinese brief leaves the reasons out
    old = pd.read_csv(folder / "plan.csv").drop(columns=["industry_reason_parts"])
    old.to_csv(folder / "plan.csv", index=False)
    result = CliRunner().invoke(main, ["brief", str(folder), "--lang", "zh", "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "居候选国家" not in (folder / "brief.zh.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["brief", str(folder), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "top 5% of candidate countries" in (folder / "brief.md").read_text(encoding="utf-8")
