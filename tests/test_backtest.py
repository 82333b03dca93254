"""Backtest: matching actual centres to candidates, percentiles, baselines, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner._errors import LayerError, PlannerError, ScenarioError
from planner.analysis import evaluate, match_centres, read_actual_centres
from planner.analysis._backtest import (
    greedy_plan,
    percentiles,
    random_hit_probability,
    random_nearest_km,
)
from planner.layers import LayerSet


def _candidates(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "city_id": np.arange(n),
            "name": [f"City{i}" for i in range(n)],
            "iso3": rng.choice(["AAA", "BBB", "CCC", "DDD"], size=n),
            "lon": rng.uniform(-170, 170, n),
            "lat": rng.uniform(-60, 70, n),
            "population": rng.integers(300_000, 5_000_000, n),
            "score_total": rng.uniform(0, 1, n),
        }
    )


def _actual_at(cand: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    picked = cand.iloc[rows]
    return pd.DataFrame(
        {
            "centre_id": [f"c{i}" for i in range(len(rows))],
            "name": [f"Centre {i}" for i in range(len(rows))],
            "iso3": picked["iso3"].to_numpy(),
            "located": "city",
            "city": picked["name"].to_numpy(),
            "lon": picked["lon"].to_numpy(),
            "lat": picked["lat"].to_numpy(),
        }
    )


def test_percentiles_run_from_worst_to_best():
    assert percentiles(np.array([0.2, 0.9, 0.5])).tolist() == [0.0, 100.0, 50.0]


def test_a_random_choice_set_backtests_near_the_50th_percentile():
    cand = _candidates(800, seed=1)
    rows = np.random.default_rng(2).choice(len(cand), size=60, replace=False)
    matched = match_centres(_actual_at(cand, rows), cand, radius_km=50)
    assert (matched["match"] == "city").all()
    assert (matched["cand"].to_numpy() == rows).all()
    _centres, summary, n_sites = evaluate(matched, cand, plan_rows=None, radius_km=50)
    assert n_sites == 60
    method = summary.set_index("method")
    assert 40 <= method.at["method", "median_percentile"] <= 60
    assert 40 <= method.at["population", "median_percentile"] <= 60
    assert method.at["random", "median_percentile"] == 50.0
    # the top-N hit rate of a random set is near N / n
    assert method.at["method", "top_n_hit_rate"] < 0.25
    assert math.isnan(method.at["method", "plan_hit_rate"])  # no plan given


def test_the_best_cities_backtest_at_the_top():
    cand = _candidates(300, seed=3)
    best = np.argsort(-cand["score_total"].to_numpy())[:10]
    matched = match_centres(_actual_at(cand, best), cand, radius_km=50)
    centres, summary, _n = evaluate(matched, cand, plan_rows=best, radius_km=50)
    method = summary.set_index("method")
    assert method.at["method", "median_percentile"] > 97
    assert method.at["method", "top_n_hit_rate"] == 1.0
    assert method.at["method", "plan_hit_rate"] == 1.0
    assert method.at["method", "mean_dist_to_plan_km"] == 0.0
    assert centres["in_plan"].all()


def test_random_expectations_are_exact():
    rng = np.random.default_rng(4)
    n, k, m = 40, 5, 3
    d = rng.uniform(0, 1000, n)
    draws = np.array([rng.choice(n, size=k, replace=False) for _ in range(40_000)])
    assert random_nearest_km(d, k) == pytest.approx(d[draws].min(axis=1).mean(), rel=0.02)
    hit = np.isin(draws, np.arange(m)).any(axis=1).mean()
    assert float(random_hit_probability(m, n, k)) == pytest.approx(hit, abs=0.01)


def test_nearest_match_within_the_radius_and_unmatched_reasons():
    cand = pd.DataFrame(
        {"city_id": [1, 2], "name": ["London", "Paris"], "iso3": ["GBR", "FRA"],
         "lon": [-0.1257, 2.3488], "lat": [51.5085, 48.8534], "merged_from": ["Brent", ""],
         "population": [8e6, 2e6], "score_total": [0.8, 0.6]}
    )  # fmt: skip
    actual = pd.DataFrame(
        {"centre_id": list("abcde"), "name": list("ABCDE"),
         "iso3": ["GBR", "GBR", "GBR", "DEU", "FRA"],
         "located": ["city", "city", "city", "city", "country_only"],
         "city": ["Brent", "Cambridge", "Edinburgh", "Berlin", ""],
         "lon": [-0.27, 0.1167, -3.19, 13.4, np.nan], "lat": [51.55, 52.2, 55.95, 52.5, np.nan]}
    )  # fmt: skip
    m = match_centres(actual, cand, radius_km=100).set_index("centre_id")
    assert m.loc["a", "match"] == "city" and m.loc["a", "cand"] == 0  # a section of London
    assert m.loc["b", "match"] == "nearest" and m.loc["b", "cand"] == 0  # 80 km
    assert m.loc["c", "match"] == "none" and "within 100 km" in m.loc["c", "reason"]
    assert m.loc["d", "match"] == "none" and "DEU has no candidate" in m.loc["d", "reason"]
    assert m.loc["e", "match"] == "country"


def test_population_plan_keeps_the_limits():
    cand = pd.DataFrame(
        {"name": list("abcd"), "iso3": ["X", "X", "Y", "Z"], "lon": [0, 0.1, 10, 20],
         "lat": [0, 0, 0, 0], "population": [4, 3, 2, 1]}
    )  # fmt: skip
    pop = cand["population"].to_numpy(float)
    assert greedy_plan(cand, pop, 2).tolist() == [0, 1]
    assert greedy_plan(cand, pop, 2, max_per_country=1).tolist() == [0, 2]
    assert greedy_plan(cand, pop, 2, min_separation_km=50).tolist() == [0, 2]


def test_no_city_matched_is_a_clear_error():
    cand = _candidates(20)
    actual = _actual_at(cand, np.array([0])).assign(located="country_only")
    matched = match_centres(actual, cand)
    with pytest.raises(PlannerError, match="could be matched"):
        evaluate(matched, cand, plan_rows=None)


# ------------------------------------------------------------------ actual centres, bad input


def test_sponsor_filter_and_unknown_sponsor():
    layers = LayerSet({})
    centres, source, _notes = read_actual_centres(layers, sponsor="beijing")
    assert len(centres) == 20 and "beijing" in source
    with pytest.raises(ScenarioError, match="no centre of that sponsor"):
        read_actual_centres(layers, sponsor="Atlantis")


def test_a_centre_outside_every_country_is_an_error(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_text("name,iso3,lon,lat\nSea centre,GBR,-30.0,45.0\nLondon,GBR,-0.12,51.5\n")
    with pytest.raises(LayerError, match="outside every country"):
        read_actual_centres(LayerSet({}), actual=path)


def test_a_file_with_no_rows_is_an_error(tmp_path):
    path = tmp_path / "centres.csv"
    path.write_text("name,iso3,lon,lat\n")
    with pytest.raises(LayerError, match="no rows"):
        read_actual_centres(LayerSet({}), actual=path)


def test_duplicate_centres(tmp_path):
    # the same centre twice (one id): the layer check names the repeated id
    path = tmp_path / "centres.csv"
    path.write_text("name,iso3,lon,lat\nHub,GBR,-0.12,51.5\nHub,GBR,-0.12,51.5\n")
    with pytest.raises(LayerError, match="duplicate key centre_id"):
        read_actual_centres(LayerSet({}), actual=path)
    # two ids for one centre (same name and place): counted once, and said so
    path.write_text(
        "centre_id,name,iso3,lon,lat\na,Hub,GBR,-0.12,51.5\nb,Hub,GBR,-0.12,51.5\n"
        "c,Hub,FRA,2.35,48.85\n"
    )
    centres, _source, notes = read_actual_centres(LayerSet({}), actual=path)
    assert centres["centre_id"].tolist() == ["a", "c"]
    assert any("duplicate" in n for n in notes)


def test_missing_actual_file_is_an_error():
    with pytest.raises(LayerError, match="neither a file nor the layer"):
        read_actual_centres(LayerSet({}), actual="no/such/file.csv")


@pytest.mark.slow
def test_cli_backtest_zhongguancun_json():
    import json

    from planner.cli import main

    result = CliRunner().invoke(main, ["backtest", "zhongguancun", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_sites"] >= 3
    assert {r["method"] for r in data["summary"]} == {"method", "population", "random"}
    assert data["plan_status"].startswith("cbc: optimal")


@pytest.mark.slow
def test_cli_backtest_bad_file_exits_1(tmp_path):
    from planner.cli import main

    path = tmp_path / "empty.csv"
    path.write_text("name,iso3,lon,lat\n")
    result = CliRunner().invoke(main, ["backtest", "--actual", str(path)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "no rows" in result.output


@pytest.mark.slow
def test_run_with_backtest_writes_csv_and_brief_section(tmp_path):
    import json

    from planner.pipeline import run
    from planner.scenario import read_scenario

    result = run(read_scenario("zhongguancun"), out=tmp_path / "run", backtest_actual=True)
    folder = result.out_dir
    table = pd.read_csv(folder / "backtest.csv")
    assert {"centre_id", "percentile", "in_plan", "lifts", "holds_back"} <= set(table.columns)
    brief = (folder / "brief.md").read_text(encoding="utf-8")
    assert "How the method does on centres already opened" in brief
    assert "Population alone" in brief and "Random choice" in brief
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["weights_source"] == "scenario"
    assert record["backtest"]["n_sites"] == len(set(table["city_id"].dropna()))
    assert result.plan.status == "optimal"
