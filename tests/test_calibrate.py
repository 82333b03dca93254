"""Calibration: conditional logit recovery, identification, bad input, weights file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from planner._errors import CriteriaError, PlannerError, ScenarioError
from planner.analysis import (
    calibrate,
    fit_logit,
    fit_statsmodels,
    identify,
    simulate_choices,
    write_weights,
)

TRUE = np.array([0.35, 0.25, 0.17, 0.11, 0.07, 0.05])
SCALE = 20.0  # utility of the best candidate over the worst, per unit of weight


def _synthetic(n_choices: int, *, seed: int = 0, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, TRUE.size))
    chosen = simulate_choices(x, SCALE * TRUE, n_choices, seed=seed + 1)
    return pd.DataFrame(x, columns=[f"c{j}" for j in range(TRUE.size)]), chosen


def _groups(frame: pd.DataFrame) -> dict[str, str]:
    return {c: f"g{c}" for c in frame.columns}


def test_recovers_known_weights_from_200_choices():
    scores, chosen = _synthetic(200)
    result = calibrate(
        scores, chosen, groups=_groups(scores), scenario_weights={}, level="criteria",
        loo=False,
    )  # fmt: skip
    assert result.alpha == 0.0  # enough choices: unpenalised
    rho = stats.spearmanr(result.weights.to_numpy(), TRUE).statistic
    assert rho >= 0.9
    assert result.coefficients["identified"].all()


def test_scipy_fit_agrees_with_statsmodels():
    scores, chosen = _synthetic(40, seed=5, n=120)
    x = scores.to_numpy()
    b_sm, se_sm, ll_sm = fit_statsmodels(x, chosen)
    b, se, ll = fit_logit(x, chosen, alpha=0.0)
    np.testing.assert_allclose(b, b_sm, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(se, se_sm, rtol=1e-2)
    assert ll == pytest.approx(ll_sm, rel=1e-6)


def test_penalty_shrinks_and_keeps_the_order_with_30_choices():
    scores, chosen = _synthetic(30, seed=7)
    result = calibrate(scores, chosen, groups=_groups(scores), scenario_weights={},
                       level="criteria", loo=False)  # fmt: skip
    assert result.alpha == 1.0  # fewer than ten choices per criterion
    assert result.weights.sum() == pytest.approx(1.0)


def test_constant_and_correlated_criteria_are_reported_not_fitted():
    rng = np.random.default_rng(3)
    n = 300
    a = rng.uniform(0, 1, n)
    scores = pd.DataFrame(
        {"a": a, "a_twin": np.clip(a + rng.normal(0, 0.02, n), 0, 1),
         "b": rng.uniform(0, 1, n), "flat": np.full(n, 0.7)}
    )  # fmt: skip
    ident, attrs = identify(scores, groups=_groups(scores), n_choices=500, level="criteria")
    assert ident.constant == ("flat",)
    assert ident.attributes["a+a_twin"] == ("a", "a_twin")
    assert ident.merged == ("a+a_twin",)
    assert attrs.shape[1] == 2 and ident.condition_number < 30
    chosen = simulate_choices(scores[["a", "b"]].to_numpy(), np.array([4.0, 2.0]), 100, seed=1)
    result = calibrate(scores, chosen, groups=_groups(scores), scenario_weights={"a": 1.0},
                       level="criteria", loo=False)  # fmt: skip
    assert result.weights["flat"] == 0.0
    assert result.weights["a"] == pytest.approx(result.weights["a_twin"])
    assert any("Not varying" in n for n in result.notes)


def test_bad_input():
    scores, chosen = _synthetic(10)
    with pytest.raises(PlannerError, match="one choice"):
        calibrate(scores, chosen[:1], groups=_groups(scores), scenario_weights={})
    flat = pd.DataFrame({"p": np.full(50, 0.5), "q": np.full(50, 0.1)})
    with pytest.raises(CriteriaError, match="varies"):
        calibrate(flat, np.array([1, 2, 3]), groups=_groups(flat), scenario_weights={})


def test_tests_and_leave_one_out():
    scores, chosen = _synthetic(60, seed=11, n=150)
    own = dict(zip(scores.columns, TRUE))
    result = calibrate(scores, chosen, groups=_groups(scores), scenario_weights=own,
                       level="criteria")  # fmt: skip
    tests = result.tests.set_index("against")
    # the true weights fit; equal weights fit worse
    assert tests.at["scenario", "lr_stat"] < tests.at["equal", "lr_stat"]
    assert tests.at["equal", "nested"]
    assert 0 <= result.loo["calibrated"] <= 1 and result.loo["top_n"] >= 1


def test_weights_file_is_used_by_a_scenario(tmp_path):
    from planner.criteria import CATALOGUE
    from planner.scenario import read_scenario

    ids = [c.id for c in CATALOGUE]
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(rng.uniform(0, 1, size=(120, len(ids))), columns=ids)
    chosen = rng.choice(120, size=40)
    result = calibrate(scores, chosen, groups={c.id: c.group for c in CATALOGUE},
                       scenario_weights={}, loo=False, scenario="test")  # fmt: skip
    write_weights(result, tmp_path / "calibrated.toml")
    text = (
        "name = 't'\nprovince = 'Zhejiang'\n[[origins]]\nname = 'Yiwu'\nrole = 'rail'\n"
        "lon = 120.0\nlat = 29.3\n[criteria]\nweights_file = 'calibrated.toml'\n"
        "[constraints]\nn_centres = 3\n"
    )
    (tmp_path / "s.toml").write_text(text)
    sc = read_scenario(tmp_path / "s.toml")
    assert sc.criteria["weights"] == pytest.approx(result.weights.to_dict(), abs=1e-6)
    assert sc.criteria["weights_file"] == str((tmp_path / "calibrated.toml").resolve())
    # both weights and a weights file: an error
    both = text.replace("[constraints]", "weights = {cost = 1}\n[constraints]")
    (tmp_path / "s.toml").write_text(both)
    with pytest.raises(ScenarioError, match="both set the weights"):
        read_scenario(tmp_path / "s.toml")
    # a file that misses a criterion: an error naming it
    (tmp_path / "calibrated.toml").write_text("[weights]\ncost = 1.0\n")
    (tmp_path / "s.toml").write_text(text)
    with pytest.raises(ScenarioError, match="has no weight for"):
        read_scenario(tmp_path / "s.toml")
