"""A hand-made RunView for the output tests: synthetic numbers, real-looking shapes.

Nothing here is a finding: scores, times and indicator values are made up to exercise
the outputs (a centre reached only by air, a missing sea time, a city whose name needs
escaping, a home-province cooperation zone, routed and straight rail segments).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from planner._run import RunView

EVIL = '<script>alert("x")</script> O\'Brien & "Co"'

CRITERIA = ("rail_time", "air_time", "coop_zone", "innovation_index", "political_stability")
WEIGHTS = (0.25, 0.15, 0.2, 0.25, 0.15)


@dataclass(frozen=True)
class Origin:
    name: str
    role: str
    lon: float
    lat: float


ORIGINS = (
    Origin("Yiwu", "rail", 120.08, 29.31),
    Origin("Ningbo-Zhoushan", "port", 121.85, 29.93),
    Origin("Hangzhou Xiaoshan", "airport", 120.43, 30.23),
)


def _scored(rows: list[dict], rng: np.random.Generator) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    for cid, w in zip(CRITERIA, WEIGHTS):
        drawn = pd.Series(rng.uniform(0.0, 1.0, len(frame)).round(3), index=frame.index)
        col = frame.get(f"score_{cid}", drawn)
        frame[f"score_{cid}"] = col.fillna(drawn)
        frame[f"contrib_{cid}"] = frame[f"score_{cid}"] * w
    frame["score_total"] = frame[[f"contrib_{c}" for c in CRITERIA]].sum(axis=1)
    frame["rank"] = frame["score_total"].rank(ascending=False, method="first").astype(int)
    geometry = [Point(x, y) for x, y in zip(frame["lon"], frame["lat"])]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def example_run_view(
    *,
    status: str = "optimal",
    gap: float = 0.0,
    robustness: bool = True,
    n_candidates: int = 60,
    evil_name: str = EVIL,
) -> RunView:
    """A realistic RunView of four centres and ``n_candidates`` candidates."""
    rng = np.random.default_rng(7)
    centres_rows = [
        dict(city_id=3054643, name="Budapest", iso3="HUN", country="Hungary", lon=19.04,
             lat=47.50, rail_time_h=336.0, sea_time_h=900.0, air_time_h=13.5,
             best_freight_mode="rail", dist_rail_node_km=4.0, nearest_rail_node="Budapest",
             dist_coop_zone_km=180.0, nearest_coop_zone="China-Hungary Borsod Zone",
             political_stability=0.62, cultural_distance=1.9, st_leading=False,
             coop_zone_home=True, bri_signed=True, st_agreement=True,
             missing_criteria=[], industries=["New energy vehicles", "Digital economy"],
             score_rail_time=0.91, score_coop_zone=0.88, score_innovation_index=0.55,
             score_air_time=0.62, score_political_stability=0.7),
        dict(city_id=3117735, name="Madrid", iso3="ESP", country="Spain", lon=-3.70,
             lat=40.42, rail_time_h=432.0, sea_time_h=820.0, air_time_h=15.0,
             best_freight_mode="rail", dist_rail_node_km=6.0, nearest_rail_node="Madrid",
             dist_coop_zone_km=1500.0, nearest_coop_zone="Hungary zone",
             political_stability=0.35, cultural_distance=2.7, st_leading=True,
             coop_zone_home=False, bri_signed=False, st_agreement=True,
             missing_criteria=[], industries=["Biomedicine"],
             score_rail_time=0.8, score_coop_zone=0.1, score_innovation_index=0.85,
             score_air_time=0.55, score_political_stability=0.6),
        dict(city_id=1642911, name="Jakarta", iso3="IDN", country="Indonesia", lon=106.85,
             lat=-6.21, rail_time_h=np.nan, sea_time_h=190.0, air_time_h=6.5,
             best_freight_mode="sea", dist_rail_node_km=140.0, nearest_rail_node="Bandung",
             dist_coop_zone_km=60.0, nearest_coop_zone="Indonesia Industrial Park",
             political_stability=-0.45, cultural_distance=np.nan, st_leading=False,
             coop_zone_home=False, bri_signed=True, st_agreement=pd.NA,
             missing_criteria=["cultural distance"], industries=["Advanced materials"],
             score_rail_time=0.0, score_coop_zone=0.9, score_innovation_index=0.3,
             score_air_time=0.85, score_political_stability=0.25),
        dict(city_id=9999001, name=evil_name, iso3="XXA", country="Testland", lon=55.3,
             lat=25.2, rail_time_h=np.nan, sea_time_h=np.nan, air_time_h=9.0,
             best_freight_mode="", dist_rail_node_km=2000.0, nearest_rail_node=evil_name,
             dist_coop_zone_km=np.nan, nearest_coop_zone="",
             political_stability=np.nan, cultural_distance=np.nan, st_leading=False,
             coop_zone_home=False, bri_signed=pd.NA, st_agreement=pd.NA,
             missing_criteria=["political stability", "cultural distance"],
             industries=[evil_name], score_rail_time=0.0, score_coop_zone=0.0,
             score_innovation_index=0.6, score_air_time=0.75,
             score_political_stability=0.5),
    ]  # fmt: skip
    centres = _scored(centres_rows, rng)
    cand_rows = [
        {k: r[k] for k in ("city_id", "name", "iso3", "country", "lon", "lat")}
        | {f"score_{c}": r[f"score_{c}"] for c in CRITERIA}
        for r in centres_rows
    ]
    for i in range(n_candidates - len(cand_rows)):
        cand_rows.append(
            dict(city_id=100 + i, name=f"Candidate {i + 1}", iso3="ZZZ", country="Elsewhere",
                 lon=float(rng.uniform(-10, 120)), lat=float(rng.uniform(-10, 55)))
        )  # fmt: skip
    candidates = _scored(cand_rows, rng)
    centres["rank"] = centres["score_total"].rank(ascending=False, method="first").astype(int)

    criteria = pd.DataFrame(
        {
            "id": list(CRITERIA),
            "name": [
                "rail freight time",
                "air travel time",
                "cooperation zone proximity",
                "innovation capacity: GII",
                "political stability",
            ],
            "group": ["geographic", "geographic", "economic", "innovation", "risk"],
            "description": [
                "Hours from the province's rail hub over the international rail network.",
                "Hours for people from the province's airport.",
                "Distance to the nearest overseas economic and trade cooperation zone.",
                "Global Innovation Index score.",
                "WGI political stability.",
            ],
            "unit": ["h", "h", "km", "score", "index"],
            "direction": ["lower", "lower", "lower", "higher", "higher"],
            "weight": list(WEIGHTS),
            "source": ["003 §3.2", "000 §I(II)", "003 §3.1", "003 §3.4", "000 §V(1)"],
        }
    )
    industries = pd.DataFrame(
        {
            "industry_id": ["nev", "digital", "biomed", "materials", "evil"],
            "name": [
                "New energy vehicles",
                "Digital economy",
                "Biomedicine",
                "Advanced materials",
                evil_name,
            ],
            "weight": [0.3, 0.3, 0.2, 0.1, 0.1],
            "centres": [["Budapest"], ["Budapest"], ["Madrid"], ["Jakarta"], [evil_name]],
        }
    )
    constraints = pd.DataFrame(
        {
            "name": ["number of centres", "at most per country", "near cooperation zones"],
            "value": [4.0, 1.0, 2.0],
            "limit": [4.0, 1.0, 1.0],
            "slack": [0.0, 0.0, 1.0],
            "binds": [True, True, False],
        }
    )
    robust = None
    if robustness:
        robust = pd.DataFrame(
            {
                "city_id": centres["city_id"],
                "chosen_share": [0.97, 0.64, 0.41, 0.12],
                "rank_low": [1, 1, 2, 3],
                "rank_high": [2, 4, 6, 9],
            }
        )
    countries = gpd.GeoDataFrame(
        {
            "iso3": ["HUN", "ESP", "IDN", "CHN", "XXA"],
            "name": ["Hungary", "Spain", "Indonesia", "China", evil_name],
        },
        geometry=[
            box(16.1, 45.7, 22.9, 48.6),
            box(-9.3, 36.0, 3.3, 43.8),
            box(95.0, -10.0, 141.0, 5.9),
            box(73.5, 18.2, 134.8, 53.6),
            box(51.0, 22.5, 56.4, 26.1),
        ],
        crs="EPSG:4326",
    )
    rail_lines = gpd.GeoDataFrame(
        {
            "line_id": ["yiwu_madrid", "yiwu_madrid"],
            "line": ["Yiwu-Madrid", "Yiwu-Madrid"],
            "seq": [1, 2],
            "from_city": ["Yiwu", "Budapest"],
            "from_iso3": ["CHN", "HUN"],
            "to_city": ["Budapest", evil_name],
            "to_iso3": ["HUN", "ESP"],
            "routed": [True, False],
            "length_km": [8900.0, 2500.0],
            "source": ["test", "test"],
        },
        geometry=[
            LineString([(120.08, 29.31), (87.6, 43.8), (19.04, 47.5)]),
            LineString([(19.04, 47.5), (-3.7, 40.42)]),
        ],
        crs="EPSG:4326",
    )
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": ["nelb", "msr"],
            "name": ["New Eurasian Land Bridge", "21st-Century Maritime Silk Road"],
            "kind": ["land", "maritime"],
            "nodes": ["Lianyungang (CHN); Duisburg (DEU)", "Ningbo (CHN); Jakarta (IDN)"],
        },
        geometry=[
            LineString([(119.2, 34.6), (76.9, 43.2), (6.76, 51.43)]),
            LineString([(121.85, 29.93), (114.1, 22.3), (106.85, -6.1)]),
        ],
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["z1", "z2", "z3"],
            "name": ["China-Hungary Borsod Zone", "Indonesia Industrial Park", evil_name],
            "iso3": ["HUN", "IDN", "XXA"],
            "city": ["Kazincbarcika", "Jakarta", evil_name],
            "lon": [20.64, 106.9, 55.0],
            "lat": [48.25, -6.3, 25.0],
            "sponsor_province": ["Zhejiang", "Other", evil_name],
            "sponsor_company": ["A company", "B company", evil_name],
            "sectors": ["chemicals", "industry", evil_name],
            "level": ["national", "provincial", "provincial"],
            "year_founded": pd.array([2009, 2011, pd.NA], dtype="Int64"),
            "source": ["test", "test", "test"],
        },
        geometry=[Point(20.64, 48.25), Point(106.9, -6.3), Point(55.0, 25.0)],
        crs="EPSG:4326",
    )
    ports = gpd.GeoDataFrame(
        {"port_id": ["p1", "p2"], "name": ["Port A", evil_name], "iso3": ["ESP", ""]},
        geometry=[Point(-0.3, 39.4), Point(56.0, 25.5)],
        crs="EPSG:4326",
    )
    sources = pd.DataFrame(
        {
            "layer": ["countries", "indicators", "rail_lines"],
            "source": ["Natural Earth admin-0", "World Bank WDI, WGI", evil_name],
            "year": [2022, 2024, 2024],
            "licence": ["public domain", "CC BY 4.0", "CC BY 4.0"],
        }
    )
    return RunView(
        scenario_name="zhejiang-test",
        province="Zhejiang",
        title="Zhejiang overseas innovation centres (test)",
        origins=ORIGINS,
        status=status,
        objective=2.71,
        bound=2.71 * (1 + gap),
        gap=gap,
        backend="pulp-cbc",
        solve_time_s=0.42,
        centres=centres,
        candidates=candidates,
        criteria=criteria,
        industries=industries,
        constraints=constraints,
        robustness=robust,
        robustness_runs=200 if robustness else 0,
        robustness_same_plan=0.115 if robustness else float("nan"),
        layers={
            "countries": countries,
            "rail_lines": rail_lines,
            "corridors": corridors,
            "cooperation_zones": zones,
            "ports": ports,
        },
        sources=sources,
        warnings=[
            "12 candidate cities had no cultural distance value; the country median was used.",
            f"1 city ({evil_name}) lacks political stability data.",
        ],
        timings_s={"layers": 1.2, "accessibility": 3.4, "criteria": 0.5, "optimise": 0.42},
    )


def example_existing() -> gpd.GeoDataFrame:
    """Three existing centres: one named with markup, one in Hungary (a country the plan
    also uses) serving a known industry, and one located by its country only."""
    frame = pd.DataFrame(
        {
            "name": [EVIL, "Budapest incubator", "Tel Aviv office"],
            "name_published": [EVIL, "布达佩斯孵化器", "Tel Aviv office"],
            "iso3": ["USA", "HUN", "ISR"],
            "country": ["United States", "Hungary", "Israel"],
            "city": ["Boston", "Budapest", ""],
            "located": ["city", "city", "country_only"],
            "lon": [-71.06, 19.04, np.nan],
            "lat": [42.36, 47.5, np.nan],
            "sponsor": [EVIL, "A park", ""],
            "partner": ["", "", ""],
            "year_opened": [2016, np.nan, 2018],
            "status": ["opened", "operating", "opened"],
            "status_date": ["2016-05-14", "2018", "2018-04-11"],
            "stage": ["open", "open", "open"],
            "industries": [[], ["Biomedicine"], []],
            "nearest_corridor": ["", "New Eurasian Land Bridge", ""],
            "dist_corridor_km": [np.nan, 10.0, np.nan],
            "source": ["a page", "a page", "a page"],
        }
    )
    geometry = [Point(-71.06, 42.36), Point(19.04, 47.5), None]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
