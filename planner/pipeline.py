"""The only place that calls the stages in order.

``run`` loads the layers of a scenario, then runs each stage that the package has; the
stages still to be built are listed in the result so the CLI can say so.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner._errors import OutputError, PlannerError, ScenarioError
from planner._existing import existing_for_plan, read_existing_centres
from planner._io import write_text
from planner._paths import geodata_path
from planner._run import RunView, read_run_record, read_run_table
from planner.layers import LayerSet, list_layers, read_candidates
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
    """The plan model's inputs from the scores and the accessibility table.

    ``access`` (the factor that weighs each centre's industry fit) is the mean of the
    candidate's air-travel score and its best freight score (rail or sea), both in
    [0, 1] from the criteria stage; a criterion the scenario dropped counts as absent.
    ``cost_musd`` comes from the candidates layer when a user file supplies it and is
    otherwise unknown (NaN): the shipped data hold no centre costs, so a budget
    constraint needs the user's own cost column.
    """
    from planner import criteria
    from planner.optimise import PlanInputs, kind_score_column

    frame = prepared.scores.frame
    access = prepared.access.set_index("city_id")
    cand = pd.DataFrame(
        {
            "city_id": frame["city_id"].to_numpy(),
            "name": frame["name"].astype(str).to_numpy(),
            "iso3": frame["iso3"].astype(str).to_numpy(),
            "score_total": frame["score_total"].to_numpy(float),
            "lon": frame["lon"].to_numpy(float),
            "lat": frame["lat"].to_numpy(float),
        }
    )
    ids = cand["city_id"]
    kinds = plan_constraints(prepared.scenario).kinds
    for kind in kinds:  # each kind of centre scores the candidates with its own weights
        cand[kind_score_column(kind.id)] = criteria.kind_score(
            prepared.scores, kind.weights or dict(prepared.scores.weights), kind=kind.id
        )
    cand["cost_musd"] = (
        frame["cost_musd"].to_numpy(float) if "cost_musd" in frame.columns else np.nan
    )
    for col in ("dist_rail_node_km", "dist_coop_zone_km", "dist_home_coop_zone_km"):
        if col in access.columns:
            cand[col] = ids.map(access[col]).to_numpy(float)
    cand["st_leading"] = frame["st_leading"].fillna(False).astype(bool).to_numpy()
    stability = "value_political_stability"
    cand["political_stability"] = (
        frame[stability].to_numpy(float) if stability in frame.columns else np.nan
    )
    freight = [c for c in ("score_rail_time", "score_sea_time") if c in frame.columns]
    parts = []
    if freight:
        parts.append(frame[freight].max(axis=1).to_numpy(float))
    if "score_air_time" in frame.columns:
        parts.append(frame["score_air_time"].to_numpy(float))
    if parts:
        cand["access"] = np.nanmean(np.vstack(parts), axis=0)
    return PlanInputs(
        candidates=cand,
        fit=prepared.scores.fit,
        industry_weights=dict(prepared.scores.industry_weights),
        existing=existing_for_plan(prepared.existing),
    )


def plan_constraints(scenario: Scenario) -> Any:
    """The plan model's :class:`planner.optimise.PlanConstraints` of ``scenario``: its
    ``[constraints]`` table and its kinds of centre (``[[kinds]]``)."""
    from planner.optimise import centre_kinds_from_list, plan_constraints_from_mapping

    constraints = plan_constraints_from_mapping(scenario.constraints)
    kinds = centre_kinds_from_list(scenario.kinds)
    return replace(constraints, kinds=kinds) if kinds else constraints


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
    """``plan`` with the column ``industry_reasons`` on its centres: per industry served,
    ``"<industry>: <the host's strongest evidence for it>"``, joined with ``" | "``."""
    from planner.criteria import reasons_by_centre

    if plan.centres.empty:
        return plan
    layers = prepared.layers
    try:
        indicators, table = layers["indicators"], layers["industries"]
    except PlannerError:
        return plan
    centres = plan.centres.copy()
    centres["industry_reasons"] = reasons_by_centre(
        centres,
        indicators=indicators,
        industries=table,
        countries=prepared.scores.frame["iso3"].astype(str).tolist(),
        names=_industry_names(layers),
    )
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
#: centre's share of draws to within about 3.5 points (binomial standard error at 50%),
#: a few seconds on the warm model (tests/bench/README.md).
DEFAULT_RUN_DRAWS = 200

_CONTEXT_LAYERS = ("countries", "corridors", "rail_lines", "cooperation_zones", "ports", "airports")
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


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = frame.drop(columns=["geometry"], errors="ignore")
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs="EPSG:4326")


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
    extra = ["kind", "kind_name", "kind_score", "industry_reasons"]
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
    context = {}
    for name in _CONTEXT_LAYERS:
        try:
            context[name] = layers[name]
        except PlannerError as exc:
            log.warning("layer %s is left off the map: %s", name, exc)
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
    ``rule``, ``iso3``, ``country``, ``reason``, ``n_cities``.
    """
    names = _country_names(prepared.layers)
    cand_iso3 = prepared.candidates["iso3"].astype(str)
    rows = []
    for screen, iso3, reason in prepared.scores.filters.screened():
        rows.append({
            "rule": f"screen:{screen}", "iso3": iso3, "country": names.get(iso3, iso3),
            "reason": reason, "n_cities": int((cand_iso3 == iso3).sum()),
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
            })  # fmt: skip
    columns = ["rule", "iso3", "country", "reason", "n_cities"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------
# The run folder


def default_out_dir(scenario: Scenario) -> Path:
    """``[outputs] folder`` of the scenario, else ``maps/<scenario name>``."""
    return Path(scenario.outputs.folder or Path("maps") / scenario.name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def layer_fingerprints(layers: LayerSet) -> dict[str, str]:
    """What each layer was read from: ``sha256:<hex>`` of its files, or a package version.

    User files and the curated files of ``geodata/`` are hashed; layers from PyPI
    packages are identified by the package's installed version.
    """
    out: dict[str, str] = {}
    for spec in list_layers():
        if spec.name in layers.overrides:
            out[spec.name] = f"sha256:{_sha256(layers.overrides[spec.name])}"
            continue
        parts = []
        for item in spec.default.split(" + "):
            item = item.strip()
            if item.startswith("geodata/"):
                parts.append(
                    f"{item} sha256:{_sha256(geodata_path(item.removeprefix('geodata/')))}"
                )
            elif item.startswith("PyPI package "):
                package = item.removeprefix("PyPI package ").split()[0]
                try:
                    parts.append(f"{package}=={importlib.metadata.version(package)}")
                except importlib.metadata.PackageNotFoundError:
                    parts.append(f"{package} (version unknown)")
            else:
                parts.append(item)
        out[spec.name] = " + ".join(parts)
    return out


_VERSIONED = (
    "planner",
    "pulp",
    "ortools",
    "highspy",
    "numpy",
    "pandas",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "folium",
    "jinja2",
)


def package_versions() -> dict[str, str]:
    """Installed versions of planner, the solvers and the geospatial stack."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _finite_or_none(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def run_record(
    prepared: Prepared, plan: Any, view: RunView, timings_s: Mapping[str, float]
) -> dict[str, Any]:
    """The content of ``run.json``: scenario, inputs, versions, solver result, timings.

    It also keeps what ``planner map`` and ``planner brief`` need to redraw the outputs
    from the folder: criterion weights, industries and their centres, layer overrides
    and the data notes.
    """
    table = plan.constraints
    constraints = [
        {
            "name": str(row["constraint"]),
            "description": str(row["description"]),
            "limit": _finite_or_none(prepared.scenario.constraints.get(row["constraint"])),
            "slack": _finite_or_none(row["slack"]),
            "active": bool(row["active"]),
            "binds": bool(row["binding"]),
            "value": _finite_or_none(row.get("value")),
            "value_text": str(row.get("value_text", "") or ""),
            "objective_gain": _finite_or_none(row.get("objective_gain")),
            "objective_gain_low": _finite_or_none(row.get("objective_gain_low")),
            "objective_gain_high": _finite_or_none(row.get("objective_gain_high")),
        }
        for _, row in table.iterrows()
    ]
    centres = plan.centres
    return {
        "planner_run": 1,
        "scenario": prepared.scenario.to_dict(),
        "layers": layer_fingerprints(prepared.layers),
        "versions": package_versions(),
        "status": plan.status,
        "objective": _finite_or_none(plan.objective),
        "bound": _finite_or_none(plan.bound),
        "gap": _finite_or_none(plan.gap),
        "backend": plan.backend,
        "solve_time_s": round(float(plan.solve_time_s), 3),
        "message": plan.message,
        "conflicts": list(plan.conflicts),
        "must_relax": list(plan.must_relax),
        "centres": [
            {
                "city_id": int(r["city_id"]),
                "name": str(r["name"]),
                "iso3": str(r["iso3"]),
                **{k: str(r[k]) for k in ("kind", "kind_name") if k in r},
                **({"industry_reasons": str(r["industry_reasons"])}
                   if "industry_reasons" in r else {}),
            }
            for r in centres.to_dict("records")
        ],
        "kinds": _kinds_record(prepared.scenario, centres),
        "constraints": constraints,
        "existing": [
            {
                "name": str(r["name"]),
                "name_published": str(r["name_published"]),
                "iso3": str(r["iso3"]),
                "city": None if pd.isna(r["city"]) else str(r["city"]),
                "located": str(r["located"]),
                "lon": _finite_or_none(r["lon"]),
                "lat": _finite_or_none(r["lat"]),
                "sponsor": None if pd.isna(r["sponsor"]) else str(r["sponsor"]),
                "stage": str(r["stage"]),
                "industries": list(r["industries"]),
            }
            for r in (view.existing.to_dict("records") if view.existing is not None else [])
        ],
        "candidates": len(prepared.scores.frame),
        "weights": {str(k): float(v) for k, v in prepared.scores.weights.items()},
        "industries": [
            {
                "industry_id": str(r["industry_id"]),
                "name": str(r["name"]),
                "weight": float(r["weight"]),
                "centres": list(r["centres"]),
            }
            for r in view.industries.to_dict("records")
        ],
        "layer_overrides": {k: str(v) for k, v in prepared.layers.overrides.items()},
        "robustness_runs": int(view.robustness_runs),
        "robustness_same_plan": _finite_or_none(view.robustness_same_plan),
        "warnings": list(view.warnings),
        "excluded": view.excluded.to_dict("records"),
        "low_confidence_share": _finite_or_none(view.low_confidence_share),
        "timings_s": {k: round(float(v), 3) for k, v in timings_s.items()},
    }


def _kinds_record(scenario: Scenario, centres: pd.DataFrame) -> list[dict[str, Any]]:
    """The scenario's kinds of centre for run.json: rules, count and the centres chosen."""
    out = []
    for kind in plan_constraints(scenario).kinds:
        chosen = centres.loc[centres["kind"] == kind.id] if "kind" in centres else centres[:0]
        out.append(
            {
                "id": kind.id,
                "name": kind.label,
                "min": kind.min_centres,
                "max": kind.max_centres,
                "eligible": kind.rules(),
                "industries": list(kind.industries),
                "weights": dict(kind.weights),
                "centres": [str(n) for n in chosen["name"]],
            }
        )
    return out


def is_run_folder(folder: str | Path) -> bool:
    """True when ``folder`` holds a ``run.json`` that ``planner run`` wrote.

    Planner's ``run.json`` is a JSON object whose ``planner_run`` key is 1; no other
    folder is one, whatever files it holds.
    """
    path = Path(folder) / "run.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(record, dict) and record.get("planner_run") == 1


def _first_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(folder: Path) -> bool:
    """Whether a folder can be made in ``folder`` (tried: permissions alone do not tell
    for the superuser or a read-only file system)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        probe = tempfile.mkdtemp(prefix=".planner-probe-", dir=folder)
    except OSError:
        return False
    os.rmdir(probe)
    return True


def check_out_dir(target: str | Path, *, force: bool) -> Path:
    """Refuse, before any work, a run folder that planner must not write or replace.

    Refused: the current folder, a folder that holds it, the file-system root and the
    home folder (a run folder is replaced whole); a path that is a file or lies under a
    file; a place the user cannot write; an existing non-empty folder without
    ``force``; and, even with ``force``, a non-empty folder that is not a run folder
    planner wrote (:func:`is_run_folder`). An existing empty folder is used.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputError
        Naming the folder, why it is refused and what to do instead.
    """
    target = Path(target)
    resolved = target.expanduser().resolve()
    cwd = Path.cwd().resolve()
    shown = str(target)
    if resolved == cwd or resolved in cwd.parents:
        what = "the current folder" if resolved == cwd else "a folder that holds the current one"
        msg = (
            f"The run folder {shown!r} is {what}; planner replaces a run folder whole, so it "
            "writes only into a folder of its own. Pass --out with a new folder, for example "
            "--out runs/zhejiang."
        )
        raise OutputError(msg)
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        what = "the root folder" if resolved == Path(resolved.anchor) else "your home folder"
        msg = (
            f"The run folder {shown!r} is {what}; planner replaces a run folder whole. Pass "
            "--out with a new folder, for example --out runs/zhejiang."
        )
        raise OutputError(msg)
    if target.exists() and not target.is_dir():
        msg = f"The run folder {shown!r} is a file; choose another --out."
        raise OutputError(msg)
    base = _first_existing(target.parent)
    if not base.is_dir():
        msg = (
            f"The run folder {shown!r} cannot be made: {str(base)!r} is a file, not a folder. "
            "Choose another --out."
        )
        raise OutputError(msg)
    if not _writable(base):
        msg = (
            f"The run folder {shown!r} cannot be written: you may not write in "
            f"{str(base)!r}. Choose another --out."
        )
        raise OutputError(msg)
    if target.is_dir():
        try:
            entries = sorted(p.name for p in target.iterdir())
        except OSError as exc:
            msg = f"Cannot read the run folder {shown!r}: {exc.strerror or exc}."
            raise OutputError(msg) from None
        if entries and not force:
            msg = (
                f"The run folder {shown!r} already exists. Pass --force to replace it, "
                "or --out DIR to write elsewhere."
            )
            raise OutputError(msg)
        if entries and not is_run_folder(target):
            listing = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            msg = (
                f"The folder {shown!r} is not a run folder planner wrote (it has no planner "
                f"run.json) and holds files ({listing}); --force replaces only a run folder "
                "planner wrote. Nothing was changed. Choose a new or empty folder with --out."
            )
            raise OutputError(msg)
    return target


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (False on Windows, where signal 0 would stop it)."""
    if pid == os.getpid():
        return True
    if os.name == "nt" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _leftover_pid(path: Path, tag: str) -> int | None:
    digits = path.name.rpartition(f".{tag}-")[2].split("-")[0]
    return int(digits) if digits.isdigit() else None


def recover_run_folder(target: str | Path) -> list[str]:
    """Put right what an interrupted run left beside ``target``, and say what was done.

    A run swaps its new folder in with two renames: the old run folder becomes
    ``.NAME.old-PID``, then the staging folder ``.NAME.partial-PID-*`` becomes ``NAME``.
    A process killed between them leaves the old run hidden: when ``NAME`` is absent it
    is restored; when ``NAME`` is present the hidden old run is removed. Staging folders
    left behind are removed. Leftovers of a process that still runs are left alone, and
    a hidden folder that is not a planner run folder is never touched.

    Returns
    -------
    list of str
        One sentence per action, also logged as a warning.
    """
    target = Path(target)
    parent = target.parent
    notes: list[str] = []
    if not parent.is_dir():
        return notes
    name = target.name
    for path in sorted(parent.glob(f".{glob.escape(name)}.old-*")):
        pid = _leftover_pid(path, "old")
        if not path.is_dir() or (pid is not None and _pid_alive(pid)) or not is_run_folder(path):
            continue
        if not target.exists():
            os.replace(path, target)
            notes.append(
                f"Restored the run folder {str(target)!r} from {path.name}, which an "
                "interrupted run left hidden."
            )
        else:
            shutil.rmtree(path, ignore_errors=True)
            notes.append(f"Removed {str(path)!r}, an old run an interrupted run left behind.")
    for path in sorted(parent.glob(f".{glob.escape(name)}.partial-*")):
        pid = _leftover_pid(path, "partial")
        if not path.is_dir() or (pid is not None and _pid_alive(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        notes.append(f"Removed {str(path)!r}, the unfinished output of an interrupted run.")
    for note in notes:
        log.warning("%s", note)
    return notes


@contextlib.contextmanager
def _staged_folder(target: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty staging folder that replaces ``target`` whole when the block succeeds.

    Nothing is half-written: a failure or an interrupt (Ctrl-C included) leaves
    ``target`` as it was. The swap is two renames (old run aside, new run in); an
    interrupt between them moves the old run back, and a process killed there leaves
    ``.NAME.old-PID`` that :func:`recover_run_folder` restores on the next run.
    """
    check_out_dir(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
        )
    except OSError as exc:
        msg = f"Cannot create the run folder {str(target)!r}: {exc.strerror or exc}."
        raise OutputError(msg) from None
    try:
        yield staging
        _swap_in(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; on any failure or interrupt ``target`` stays."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    try:
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    except BaseException as exc:
        if old.exists() and not target.exists():
            os.replace(old, target)
        if isinstance(exc, OSError):
            msg = f"Cannot replace the run folder {str(target)!r}: {exc.strerror or exc}."
            raise OutputError(msg) from None
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def write_run(
    folder: Path,
    view: RunView,
    record: Mapping[str, Any],
    *,
    top_n: int,
    force: bool = False,
    progress: Progress | None = None,
) -> tuple[Path, ...]:
    """Write a whole run folder atomically: map, brief, plan as data and ``run.json``."""
    from planner.briefs import save_brief
    from planner.export import plain_columns, save_plan_data
    from planner.maps import save_map

    say = progress or (lambda _msg: None)
    names: list[str] = []
    with _staged_folder(folder, force=force) as tmp:
        say("drawing the map")
        names.append(
            save_map(
                view, tmp / "map.html", top_n=top_n, robustness=view.robustness is not None
            ).name
        )
        say("writing the strategy brief")
        names += [p.name for p in save_brief(view, tmp, pdf="auto")]
        say("writing the plan as data")
        allocation = pd.DataFrame(
            {
                "industry_id": [
                    i
                    for i, cs in zip(view.industries["industry_id"], view.industries["centres"])
                    for _ in cs
                ],
                "industry": [
                    n
                    for n, cs in zip(view.industries["name"], view.industries["centres"])
                    for _ in cs
                ],
                "centre": [c for cs in view.industries["centres"] for c in cs],
            }
        )
        by_name = dict(zip(view.centres["name"], view.centres["city_id"]))
        allocation["city_id"] = allocation["centre"].map(by_name)
        names += [
            p.name
            for p in save_plan_data(
                tmp,
                centres=_plan_columns(view.centres),
                allocations=allocation,
                candidates=view.candidates,
            )
        ]
        if view.existing is not None and len(view.existing):
            existing = plain_columns(view.existing)
            names.append(
                write_text(
                    tmp / "existing.csv",
                    existing.drop(columns=existing.geometry.name).to_csv(
                        index=False, lineterminator="\n"
                    ),
                ).name
            )
        if view.backtest is not None:
            names.append(
                write_text(
                    tmp / "backtest.csv",
                    view.backtest.centres.to_csv(
                        index=False, lineterminator="\n", float_format="%.6g"
                    ),
                ).name
            )
        if view.robustness is not None:
            names.append(
                write_text(
                    tmp / "robustness.csv",
                    plain_columns(view.robustness).to_csv(index=False, lineterminator="\n"),
                ).name
            )
        text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        names.append(write_text(tmp / "run.json", text).name)
    return tuple(folder / n for n in names)


def _plan_columns(centres: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The centres as the plan files show them: identity, score, industries, access."""
    first = [
        "rank",
        "city_id",
        "name",
        "iso3",
        "country",
        "lon",
        "lat",
        "score_total",
        "industries",
        "fit_value",
    ]
    rest = [c for c in centres.columns if c not in first and c != "geometry"]
    return gpd.GeoDataFrame(
        centres[[c for c in first if c in centres] + rest],
        geometry=centres.geometry,
        crs="EPSG:4326",
    )


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
    """
    say = progress or (lambda _msg: None)
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
        folder, view, record, top_n=scenario.outputs.map_top_n, force=force, progress=progress
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


# ---------------------------------------------------------------------------------------
# Reading a finished run folder back


def view_from_run(folder: str | Path) -> RunView:
    """Rebuild the :class:`RunView` of a finished run folder (for ``planner map/brief``)."""
    from planner.criteria import catalogue_frame
    from planner.scenario import scenario_from_mapping

    folder = Path(folder)
    record = read_run_record(folder)
    data = dict(record["scenario"])
    path = data.pop("path", None)
    data = _drop_empty(data)
    try:
        scenario = scenario_from_mapping(data, path=Path(path) if isinstance(path, str) else None)
    except PlannerError as exc:
        msg = (
            f"{str(folder / 'run.json')!r}: the field 'scenario' is not a valid scenario "
            f"({exc}); run `planner run` again to rewrite the folder."
        )
        raise OutputError(msg) from None
    layers = LayerSet(record.get("layer_overrides", {}))
    points = ("city_id", "name", "lon", "lat")
    candidates = _required_table(folder, "candidates.csv", columns=points)
    centres = _required_table(folder, "plan.csv", columns=points)
    if "industries" not in centres.columns:
        centres["industries"] = ""
    centres["industries"] = centres["industries"].map(
        lambda text: [] if pd.isna(text) or text == "" else str(text).split("; ")
    )
    weights = pd.Series(record.get("weights", {}), dtype=float)
    criteria = catalogue_frame()
    criteria = criteria[criteria["id"].isin(weights.index)].copy()
    criteria["weight"] = criteria["id"].map(weights).astype(float)
    industries = pd.DataFrame(
        record.get("industries", []), columns=["industry_id", "name", "weight", "centres"]
    )
    constraints = pd.DataFrame(
        [
            {
                "name": c.get("description", c["name"]),
                "constraint": c["name"],
                "limit": _nan(c.get("limit")),
                "value": _nan(c.get("value")),
                "plan": str(c.get("value_text") or ""),
                "slack": _nan(c.get("slack")),
                "binds": bool(c.get("binds", False)),
            }
            for c in record.get("constraints", [])
        ],
        columns=["name", "constraint", "limit", "value", "plan", "slack", "binds"],
    )
    context = {}
    for name in _CONTEXT_LAYERS:
        try:
            context[name] = layers[name]
        except PlannerError as exc:
            log.warning("layer %s is left off the map: %s", name, exc)
    sources = pd.DataFrame(
        [
            {"layer": s.name, "source": s.source, "year": s.year, "licence": s.licence}
            for s in list_layers()
        ]
    )
    robustness = read_run_table(folder, "robustness.csv", columns=("city_id",), required=False)
    existing = read_run_table(
        folder, "existing.csv", columns=("name", "iso3", "lon", "lat", "industries"),
        required=False,
    )
    if existing is not None:
        existing["industries"] = existing["industries"].map(
            lambda text: [] if pd.isna(text) else str(text).split("; ")
        )
        geometry = [
            None if pd.isna(x) or pd.isna(y) else shapely.Point(x, y)
            for x, y in zip(existing["lon"], existing["lat"])
        ]
        existing = gpd.GeoDataFrame(existing, geometry=geometry, crs="EPSG:4326")
    png = b""
    if robustness is not None and (folder / "robustness.png").is_file():
        png = (folder / "robustness.png").read_bytes()
    return RunView(
        scenario_name=scenario.name,
        province=scenario.province,
        title=scenario.title,
        origins=scenario.origins,
        status=str(record["status"]),
        objective=_nan(record.get("objective")),
        bound=_nan(record.get("bound")),
        gap=_nan(record.get("gap")),
        backend=str(record.get("backend", "")),
        solve_time_s=_nan(record.get("solve_time_s")),
        centres=_points(centres),
        candidates=_points(candidates),
        criteria=criteria.reset_index(drop=True),
        industries=industries,
        constraints=constraints,
        layers=context,
        sources=sources,
        warnings=tuple(record.get("warnings", [])),
        timings_s=dict(record.get("timings_s", {})),
        robustness=robustness,
        robustness_runs=int(record.get("robustness_runs", 0)),
        robustness_same_plan=_nan(record.get("robustness_same_plan")),
        robustness_png=png,
        existing=existing,
        excluded=pd.DataFrame(
            record.get("excluded", []), columns=["rule", "iso3", "country", "reason", "n_cities"]
        ),
        low_confidence_share=_nan(record.get("low_confidence_share")),
    )


def _required_table(folder: Path, name: str, *, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = read_run_table(folder, name, columns=columns)
    if frame is None:  # pragma: no cover - read_run_table raises for a required file
        msg = f"The run folder {str(folder)!r} has no {name}."
        raise OutputError(msg)
    return frame


def _drop_empty(value: Any) -> Any:
    """Drop empty and null entries, which TOML cannot hold, from a scenario record."""
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, "", None)}
    return value


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def redraw_map(folder: str | Path, *, top_n: int = 200, tiles: str | None = None) -> Path:
    """Draw ``map.html`` again from a finished run folder."""
    from planner.maps import save_map

    view = view_from_run(folder)
    return save_map(
        view,
        Path(folder) / "map.html",
        top_n=top_n,
        tiles=tiles,
        robustness=view.robustness is not None,
    )


def redraw_brief(folder: str | Path, *, pdf: bool | str = "auto") -> tuple[Path, ...]:
    """Write the brief again from a finished run folder."""
    from planner.briefs import save_brief

    return save_brief(view_from_run(folder), Path(folder), pdf=pdf)  # type: ignore[arg-type]
