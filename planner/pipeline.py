"""The only place that calls the stages in order.

``run`` loads the layers of a scenario, then runs each stage that the package has; the
stages still to be built are listed in the result so the CLI can say so.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import i18n
from planner._errors import PlannerError, ScenarioError
from planner._existing import read_existing_centres
from planner._inputs import plan_constraints, plan_inputs_from
from planner._run import RunView, _points, context_layers
from planner.layers import LayerSet, list_layers, read_candidates
from planner.runfolder import (
    check_out_dir,
    default_out_dir,
    recover_run_folder,
    run_record,
    write_run,
)
from planner.scenario import Scenario, check_candidates, check_scenario

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunResult:
    """What a run produced.

    Parameters
    ----------
    scenario
        The resolved scenario.
    layer_rows
        Rows of each layer loaded.
    candidates
        Number of candidate cities after the scenario's filter.
    timings_s
        Seconds spent in each stage.
    stages_done, stages_to_come
        Stage names.
    """

    scenario: Scenario
    layer_rows: Mapping[str, int]
    candidates: int
    timings_s: Mapping[str, float]
    stages_done: tuple[str, ...]
    stages_to_come: tuple[str, ...]
    out_dir: Path | None = None
    files: tuple[Path, ...] = field(default=())
    plan: Any = None


ALL_STAGES = ("layers", "network", "accessibility", "criteria", "optimise", "analysis", "outputs")

# Layers a run reads, whatever it builds.
_RUN_LAYERS = ("countries", "cities", "ports", "airports")


def layer_set(scenario: Scenario, overrides: Mapping[str, Path] | None = None) -> LayerSet:
    """The scenario's layers: its ``[layers]`` files, then command-line overrides."""
    merged = {**scenario.layers, **(overrides or {})}
    return LayerSet(merged)


@dataclass(frozen=True)
class Prepared:
    """The inputs of the optimiser: layers, candidates, accessibility and scores.

    Later stages (optimisation, sensitivity, outputs) start from here; the fields are
    filled up to the stage asked for and ``None`` after it.
    """

    scenario: Scenario
    layers: LayerSet
    candidates: Any
    access: Any = None
    scores: Any = None
    timings_s: Mapping[str, float] = field(default_factory=dict)
    existing: Any = None


def prepare(
    scenario: Scenario,
    *,
    overrides: Mapping[str, Path] | None = None,
    until: str = "criteria",
    progress: Progress | None = None,
) -> Prepared:
    """Run the stages up to ``until`` (``"layers"``, ``"accessibility"``, ``"criteria"``).

    Parameters
    ----------
    overrides
        Layer name -> user file, on top of the scenario's ``[layers]``.
    progress
        Called with a short message as each step starts.
    """
    from planner import accessibility, criteria

    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    layers = layer_set(scenario, overrides)
    start = time.perf_counter()
    say("loading layers and selecting candidate cities")
    for name in layers.overrides:
        layers[name]  # a bad user file is reported before any work
    check_scenario(scenario, layers=layers, candidates=False)
    candidates = read_candidates(layers, scenario.candidates)
    check_candidates(
        scenario, candidates, source=str(layers.overrides.get("cities", ""))
    )
    existing = read_existing_centres(layers, scenario.existing)
    timings["layers"] = time.perf_counter() - start
    if until == "layers":
        return Prepared(scenario, layers, candidates, timings_s=timings, existing=existing)
    start = time.perf_counter()
    say("building the multimodal network and measuring accessibility")
    access = accessibility.accessibility_from_layers(
        candidates,
        layers,
        origins=scenario.origins,
        province=scenario.province,
        home_country=scenario.home_country,
        params=scenario.network,
    )
    timings["accessibility"] = time.perf_counter() - start
    if until == "accessibility":
        return Prepared(scenario, layers, candidates, access, timings_s=timings, existing=existing)
    start = time.perf_counter()
    say("scoring candidate cities")
    scores = criteria.score_scenario(scenario, candidates, access=access, layers=layers)
    timings["criteria"] = time.perf_counter() - start
    return Prepared(
        scenario, layers, candidates, access, scores, timings_s=timings, existing=existing
    )


def plan_inputs(prepared: Prepared) -> Any:
    """The plan model's inputs of a prepared scenario (:func:`planner._inputs.plan_inputs_from`),
    with the kind scores of the scenario's kinds of centre."""
    return plan_inputs_from(
        prepared.scores,
        prepared.access,
        existing=prepared.existing,
        kinds=plan_constraints(prepared.scenario).kinds,
    )


def with_centre_count(
    scenario: Scenario, *, n_centres: int | None = None, n_new: int | None = None
) -> Scenario:
    """``scenario`` with its number of centres set: ``n_centres`` (the total, existing
    centres included) or ``n_new`` (centres to add), replacing whichever it had."""
    if n_centres is not None and n_new is not None:
        msg = (
            "Give the number of centres as a total (--centres) or as the number to add "
            "(--new), not both."
        )
        raise ScenarioError(msg)
    if n_centres is None and n_new is None:
        return scenario
    table = {k: v for k, v in scenario.constraints.items() if k not in ("n_centres", "n_new")}
    table["n_centres" if n_centres is not None else "n_new"] = n_centres or n_new
    return replace(scenario, constraints=table)


def optimise(
    prepared: Prepared,
    *,
    backend: str | None = None,
    time_limit_s: float | None = None,
    n_centres: int | None = None,
    n_new: int | None = None,
) -> Any:
    """Solve the plan model of ``prepared``'s scenario.

    Parameters
    ----------
    backend, time_limit_s
        Override the scenario's ``[solver]`` settings.
    n_centres, n_new
        Override the scenario's number of centres: the total (existing centres
        included) or the number of new centres to add (one of the two).
    """
    from planner.optimise import solve_plan

    sc = with_centre_count(prepared.scenario, n_centres=n_centres, n_new=n_new)
    constraints = plan_constraints(sc)
    plan = solve_plan(
        plan_inputs(prepared),
        constraints,
        backend=backend or sc.solver.backend,
        time_limit_s=time_limit_s if time_limit_s is not None else sc.solver.time_limit_s,
        gap=sc.solver.gap,
    )
    return _with_industry_reasons(prepared, plan)


def _with_industry_reasons(prepared: Prepared, plan: Any) -> Any:
    """``plan`` with the columns ``industry_reasons`` on its centres: per industry served,
    ``"<industry>: <the host's strongest evidence for it>"``, joined with ``" | "``; and
    ``industry_reason_parts``: the same evidence as JSON parts
    (:func:`planner.criteria.reason_parts_json`), from which the brief writes the reasons
    in another language."""
    from planner.criteria import reason_parts_by_centre, reason_parts_json, render_reasons

    if plan.centres.empty:
        return plan
    layers = prepared.layers
    try:
        indicators, table = layers["indicators"], layers["industries"]
    except PlannerError:
        return plan
    centres = plan.centres.copy()
    parts = reason_parts_by_centre(
        centres,
        indicators=indicators,
        industries=table,
        countries=prepared.scores.frame["iso3"].astype(str).tolist(),
        zone_evidence=prepared.scores.zone_evidence,
        zone_parts=prepared.scores.zone_parts,
    )
    names = _industry_names(layers)
    centres["industry_reasons"] = [" | ".join(render_reasons(p, names=names)) for p in parts]
    centres["industry_reason_parts"] = [reason_parts_json(p) for p in parts]
    return replace(plan, centres=centres)


def backtest(
    prepared: Prepared,
    *,
    actual: str | Path | None = None,
    sponsor: str | None = None,
    radius_km: float = 100.0,
    backend: str | None = None,
    time_limit_s: float | None = None,
) -> Any:
    """:func:`planner.analysis.backtest` of ``prepared``, whose plan with N centres is
    solved here without the scenario's existing centres (they are the answer) and without
    its kinds of centre (their counts are for the scenario's own number of centres)."""
    from planner.analysis import backtest as run_backtest

    # without the existing centres (they are the answer) and without kinds of centre:
    # the kinds' counts are set for the scenario's own number of centres, not for N
    blank = replace(prepared, existing=None, scenario=replace(prepared.scenario, kinds=()))

    def solve(n: int) -> Any:
        return optimise(blank, backend=backend, time_limit_s=time_limit_s, n_centres=n)

    return run_backtest(
        prepared, solve=solve, actual=actual, sponsor=sponsor, radius_km=radius_km
    )


def calibrate(
    prepared: Prepared,
    *,
    actual: str | Path | None = None,
    sponsor: str | None = None,
    radius_km: float = 100.0,
    **options: Any,
) -> Any:
    """:func:`planner.analysis.calibrate` on ``prepared``'s scores and the actual centres
    matched to its candidates (as :func:`backtest` matches them)."""
    from planner.analysis import calibrate_from_prepared

    return calibrate_from_prepared(
        prepared, actual=actual, sponsor=sponsor, radius_km=radius_km, **options
    )


# ---------------------------------------------------------------------------------------
# The view the outputs read


#: Weight draws of the sensitivity sweep `planner run` makes by default: enough for each
#: centre's share of draws to within about 3.5 points (binomial standard error at 50%).
#: About 4 s on the warm model with the default scenario's kinds of centre (about a third
#: of the draws need a branching on the warm LP; tests/bench/README.md).
DEFAULT_RUN_DRAWS = 200

_CENTRE_EXTRAS = {
    "value_political_stability": "political_stability",
    "value_cultural_distance": "cultural_distance",
}


def _industry_names(layers: LayerSet) -> dict[str, str]:
    try:
        table = layers["industries"]
    except PlannerError:
        return {}
    return dict(zip(table["industry_id"].astype(str), table["name"].astype(str)))


def _country_names(layers: LayerSet) -> dict[str, str]:
    countries = layers["countries"]
    return dict(zip(countries["iso3"], countries["name"]))


def _candidates_frame(prepared: Prepared) -> gpd.GeoDataFrame:
    scores = pd.DataFrame(prepared.scores.frame).drop(columns=["geometry"], errors="ignore")
    access = prepared.access.drop(
        columns=[c for c in prepared.access.columns if c in scores.columns and c != "city_id"]
    )
    out = scores.merge(access, on="city_id", how="left")
    out.insert(
        out.columns.get_loc("iso3") + 1, "country", out["iso3"].map(_country_names(prepared.layers))
    )
    out = out.rename(columns=_CENTRE_EXTRAS)
    return _points(out)


def robustness_of(
    prepared: Prepared,
    *,
    draws: int,
    seed: int | None = None,
    workers: int | None = None,
    backend: str | None = None,
) -> dict[str, Any]:
    """Weight sensitivity of the scenario's plan, as :func:`run_view` takes it.

    Settings not given here come from the scenario's ``[analysis]`` table.
    """
    from planner.analysis import (
        analysis_settings_from_mapping,
        render_robustness_chart,
        sensitivity,
    )

    settings = analysis_settings_from_mapping(prepared.scenario.analysis)
    result = sensitivity(
        prepared,
        draws=draws,
        seed=settings.seed if seed is None else seed,
        concentration=settings.concentration,
        spread=settings.spread,
        backend=backend,
        workers=settings.workers if workers is None else workers,
        chunk=settings.chunk,
    )
    return {
        "robustness": result.robustness(),
        "robustness_runs": result.n_with_plan,
        "robustness_same_plan": result.base_share,
        "robustness_png": render_robustness_chart(result),
    }


def _existing_view(prepared: Prepared, names: Mapping[str, str]) -> gpd.GeoDataFrame | None:
    """The existing centres as the outputs show them (see :class:`RunView`)."""
    from planner.accessibility import _line_samples, nearest_km

    existing = prepared.existing
    if existing is None or len(existing) == 0:
        return None
    out = pd.DataFrame(existing.drop(columns="geometry")).copy()
    out["name_published"] = out["name"]
    out["name"] = out["name_en"].fillna(out["name"]).astype(str)
    out.insert(out.columns.get_loc("iso3") + 1, "country",
               out["iso3"].map(_country_names(prepared.layers)))  # fmt: skip
    out["industries"] = [
        [names.get(i, i) for i in str(t).split(";") if i] if isinstance(t, str) else []
        for t in out["industries"]
    ]
    out["nearest_corridor"] = ""
    out["dist_corridor_km"] = np.nan
    located = out["lon"].notna() & out["lat"].notna()
    try:
        corridors = prepared.layers["corridors"]
    except PlannerError:
        corridors = None
    if corridors is not None and len(corridors) and located.any():
        s_lon, s_lat, owner = _line_samples(corridors, 5.0)
        km, idx = nearest_km(out.loc[located, "lon"], out.loc[located, "lat"], s_lon, s_lat)
        corridor_names = corridors["name"].astype(str).to_numpy()
        out.loc[located, "dist_corridor_km"] = km
        out.loc[located, "nearest_corridor"] = np.where(
            idx >= 0, corridor_names[owner[np.maximum(idx, 0)]], ""
        )
    geometry = gpd.GeoSeries(existing.geometry.to_numpy(), index=out.index, crs="EPSG:4326")
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")


def _merge_summary(prepared: Prepared) -> str:
    """The line that says how many GeoNames rows were folded into a larger city."""
    frame = prepared.candidates
    within = prepared.scenario.candidates.merge_within_km
    if "merged_from" not in frame.columns or not within:
        return ""
    merged = frame["merged_from"].fillna("").astype(str)
    folded = int(sum(len(m.split("; ")) for m in merged if m))
    if not folded:
        return f"No two candidate cities of one country lay within {within:g} km of each other."
    big = frame.assign(_n=[len(m.split("; ")) if m else 0 for m in merged])
    big = big[big["_n"] > 0].sort_values(["_n", "population"], ascending=False).head(3)
    def listed(text: str) -> str:
        parts = text.split("; ")
        more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
        return ", ".join(parts[:3]) + more

    examples = "; ".join(
        f"{r['name']} (incl. {listed(r['merged_from'])})" for _, r in big.iterrows()
    )
    return (
        f"{folded:,} candidate cities folded, as sections or satellites, into a city of "
        f"their country within {within:g} km (the capital, else the more populous; e.g. "
        f"{examples})"
    )


def run_view(
    prepared: Prepared,
    plan: Any,
    *,
    robustness: pd.DataFrame | None = None,
    robustness_runs: int = 0,
    robustness_same_plan: float = math.nan,
    robustness_png: bytes = b"",
    timings_s: Mapping[str, float] | None = None,
) -> RunView:
    """The :class:`planner._run.RunView` of a solved plan: what the map and brief show."""
    from planner.criteria import catalogue_frame

    layers = prepared.layers
    names = _industry_names(layers)
    candidates = _candidates_frame(prepared)
    extra = ["kind", "kind_name", "kind_score", "industry_reasons", "industry_reason_parts"]
    chosen = plan.centres[
        ["city_id", "industries", "fit_value", *(c for c in extra if c in plan.centres)]
    ].copy()
    chosen["industries"] = chosen["industries"].map(
        lambda text: [names.get(i, i) for i in str(text).split(";") if i]
    )
    centres = candidates.merge(chosen, on="city_id", how="inner").sort_values("rank")
    centres = gpd.GeoDataFrame(centres, geometry="geometry", crs="EPSG:4326")

    weights = prepared.scores.weights
    criteria = catalogue_frame()
    criteria = criteria[criteria["id"].isin(weights.index)].copy()
    criteria["weight"] = criteria["id"].map(weights).astype(float)

    iw = prepared.scores.industry_weights
    alloc = plan.allocation
    industries = pd.DataFrame(
        {
            "industry_id": list(iw.index),
            "name": [names.get(i, i) for i in iw.index],
            "weight": iw.to_numpy(float),
            "centres": [
                sorted(alloc.loc[alloc["industry_id"] == i, "name"].astype(str)) for i in iw.index
            ],
        }
    )
    table = plan.constraints
    limits = {
        key: float(value)
        for key, value in prepared.scenario.constraints.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    constraints = pd.DataFrame(
        {
            "name": table["description"],
            "constraint": table["constraint"],
            "limit": table["constraint"].map(limits).astype(float),
            "value": table["value"].astype(float) if "value" in table else np.nan,
            "plan": table["value_text"].astype(str) if "value_text" in table else "",
            "slack": table["slack"],
            "binds": table["binding"].astype(bool),
        }
    )
    context = context_layers(layers)
    sources = pd.DataFrame(
        [
            {
                "layer": spec.name,
                "source": layers.source_of(spec.name)
                if spec.name in layers.overrides
                else spec.source,
                "year": spec.year,
                "licence": spec.licence,
            }
            for spec in list_layers()
        ]
    )
    excluded = exclusions(prepared)
    notes = [
        *_merge_summary(prepared).splitlines(),
        # the per-country lines under a screen are in the brief's risks section
        *(
            line
            for line in prepared.scores.filters.summary().splitlines()
            if not line.startswith("  ")
        ),
        *prepared.scores.missing.summary().splitlines(),
        *plan.notes,
    ]
    sc = prepared.scenario
    return RunView(
        existing=_existing_view(prepared, names),
        scenario_name=sc.name,
        province=sc.province,
        title=sc.title,
        origins=sc.origins,
        status=plan.status,
        objective=float(plan.objective),
        bound=float(plan.bound),
        gap=float(plan.gap),
        backend=plan.backend,
        solve_time_s=float(plan.solve_time_s),
        centres=centres.reset_index(drop=True),
        candidates=candidates,
        criteria=criteria.reset_index(drop=True),
        industries=industries,
        constraints=constraints,
        robustness=robustness,
        layers=context,
        sources=sources,
        warnings=tuple(n for n in notes if n),
        timings_s=dict(timings_s or prepared.timings_s),
        robustness_runs=robustness_runs,
        robustness_same_plan=robustness_same_plan,
        robustness_png=robustness_png,
        plan_constraints=plan_constraints(sc),
        excluded=excluded,
        low_confidence_share=_low_confidence_share(sc),
    )


def _low_confidence_share(scenario: Scenario) -> float:
    from planner.criteria import criteria_settings_from_mapping

    return float(criteria_settings_from_mapping(scenario.criteria).low_confidence_share)


def exclusions(prepared: Prepared) -> pd.DataFrame:
    """The hosts a rule keeps out of the plan, one row per rule and country.

    Host-country screens (from the criteria stage's filter report: every country the
    screen lists, with its reason, even when no candidate city lay there) and the
    scenario's political-stability floor (``[constraints] min_political_stability``: the
    countries of scored candidates whose WGI estimate is below it or unknown). Columns:
    ``rule``, ``iso3``, ``country``, ``reason``, ``n_cities``; ``reason_zh`` (a screen's
    reason in Chinese, from the ``host_screens`` layer's optional column, else empty);
    ``wgi`` and ``floor`` (a floor row's WGI estimate, empty when unknown, and the floor,
    as ``+0.00`` text), from which the Chinese brief writes its own sentence.
    """
    from planner.criteria._values import optional_layer

    names = _country_names(prepared.layers)
    cand_iso3 = prepared.candidates["iso3"].astype(str)
    screens = optional_layer(prepared.layers, "host_screens")
    reasons_zh: dict[tuple[str, str], str] = {}
    if screens is not None and "reason_zh" in screens.columns:
        for r in screens.to_dict("records"):
            text = r.get("reason_zh")
            if isinstance(text, str) and text.strip():
                reasons_zh[(str(r["screen"]), str(r["iso3"]))] = text.strip()
    rows = []
    for screen, iso3, reason in prepared.scores.filters.screened():
        rows.append({
            "rule": f"screen:{screen}", "iso3": iso3, "country": names.get(iso3, iso3),
            "reason": reason, "n_cities": int((cand_iso3 == iso3).sum()),
            "reason_zh": reasons_zh.get((screen, iso3), ""), "wgi": "", "floor": "",
        })  # fmt: skip
    floor = prepared.scenario.constraints.get("min_political_stability")
    frame = prepared.scores.frame
    if isinstance(floor, int | float) and "value_political_stability" in frame.columns:
        value = pd.to_numeric(frame["value_political_stability"], errors="coerce")
        below = ~(value >= float(floor))
        for iso3, group in value[below].groupby(frame.loc[below, "iso3"].astype(str)):
            v = group.iloc[0]
            reason = (
                "no WGI political stability estimate"
                if pd.isna(v)
                else f"WGI political stability {v:+.2f}, below the floor {float(floor):+.2f}"
            )
            rows.append({
                "rule": "min_political_stability", "iso3": iso3,
                "country": names.get(iso3, iso3), "reason": reason, "n_cities": len(group),
                "reason_zh": "", "wgi": "" if pd.isna(v) else f"{v:+.2f}",
                "floor": f"{float(floor):+.2f}",
            })  # fmt: skip
    columns = ["rule", "iso3", "country", "reason", "n_cities", "reason_zh", "wgi", "floor"]
    return pd.DataFrame(rows, columns=columns)


def run(
    scenario: Scenario,
    *,
    overrides: Mapping[str, Path] | None = None,
    out: str | Path | None = None,
    force: bool = False,
    backend: str | None = None,
    time_limit_s: float | None = None,
    draws: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    n_new: int | None = None,
    backtest_actual: bool = False,
    lang: str | Sequence[str] | None = None,
) -> RunResult:
    """Run every stage on ``scenario`` and write its run folder.

    Parameters
    ----------
    overrides
        Layer name -> user file, on top of the scenario's ``[layers]``.
    out
        The run folder; ``maps/<scenario>`` (or the scenario's ``[outputs] folder``) by
        default. An existing folder is refused unless ``force``.
    backend, time_limit_s
        Override the scenario's solver settings.
    draws, seed, workers
        Weight-sensitivity draws (:data:`DEFAULT_RUN_DRAWS` when None; 0: none, and the
        brief says robustness was not measured) and their seed and local worker
        processes; the spread of the draws and the defaults of seed and workers come from
        the scenario's ``[analysis]`` table. With draws, the brief shows how often each
        centre was chosen, with a chart, and the map shades the centres by it.
    progress
        Called with a short message as each step starts.
    n_new
        Number of new centres to add beside the existing ones, instead of the
        scenario's ``n_centres`` or ``n_new``.
    backtest_actual
        Also backtest the method against the centres already opened (:func:`backtest`):
        ``backtest.csv``, a brief section and a ``backtest`` entry in ``run.json``.
    lang
        Languages of the brief (``"zh"``, ``"zh,en"``); the scenario's ``[outputs] lang``
        when None. Checked before any stage runs.
    """
    say = progress or (lambda _msg: None)
    languages = scenario.outputs.lang if lang is None else i18n.parse_languages(lang)
    draws = DEFAULT_RUN_DRAWS if draws is None else draws
    scenario = with_centre_count(scenario, n_new=n_new)
    folder = Path(out) if out is not None else default_out_dir(scenario)
    # refuse before the long stages, not after them
    recover_run_folder(folder)
    check_out_dir(folder, force=force)
    prepared = prepare(scenario, overrides=overrides, progress=progress)
    timings = dict(prepared.timings_s)
    say("choosing the centres and allocating the industries")
    start = time.perf_counter()
    plan = optimise(prepared, backend=backend, time_limit_s=time_limit_s)
    timings["optimise"] = time.perf_counter() - start
    robustness: dict[str, Any] = {}
    if draws:
        say(f"re-optimising {draws:,} weight draws")
        start = time.perf_counter()
        robustness = robustness_of(
            prepared, draws=draws, seed=seed, workers=workers, backend=backend
        )
        timings["analysis"] = time.perf_counter() - start
    tested = None
    if backtest_actual:
        say("backtesting against the centres already opened")
        tested = backtest(prepared, backend=backend, time_limit_s=time_limit_s)
    start = time.perf_counter()
    view = run_view(prepared, plan, timings_s=timings, **robustness)
    view = replace(
        view, backtest=tested, weights_file=str(scenario.criteria.get("weights_file", ""))
    )
    record = run_record(prepared, plan, view, timings)
    record["weights_source"] = view.weights_file or "scenario"
    if tested is not None:
        record["backtest"] = {k: v for k, v in tested.to_dict().items() if k != "centres"}
    files = write_run(
        folder,
        view,
        record,
        top_n=scenario.outputs.map_top_n,
        force=force,
        progress=progress,
        languages=languages,
    )
    timings["outputs"] = time.perf_counter() - start
    log.info(
        "run %s: %s; wrote %d files to %s", scenario.name, plan.status_line(), len(files), folder
    )
    return RunResult(
        scenario=scenario,
        layer_rows={name: len(prepared.layers[name]) for name in _RUN_LAYERS},
        # the candidates that were scored, after the screens and filters
        candidates=len(
            prepared.scores.frame if prepared.scores is not None else prepared.candidates
        ),
        timings_s=timings,
        stages_done=tuple(s for s in ALL_STAGES if s != "analysis" or draws),
        stages_to_come=(),
        out_dir=folder,
        files=files,
        plan=plan,
    )


