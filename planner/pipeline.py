"""The only place that calls the stages in order.

``run`` loads the layers of a scenario, then runs each stage that the package has; the
stages still to be built are listed in the result so the CLI can say so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.layers import LayerSet, read_candidates
from planner.scenario import Scenario

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
    candidates = read_candidates(layers, scenario.candidates)
    timings["layers"] = time.perf_counter() - start
    if until == "layers":
        return Prepared(scenario, layers, candidates, timings_s=timings)
    start = time.perf_counter()
    say("building the multimodal network and measuring accessibility")
    access = accessibility.accessibility_from_layers(
        candidates,
        layers,
        origins=scenario.origins,
        province=scenario.province,
        params=scenario.network,
    )
    timings["accessibility"] = time.perf_counter() - start
    if until == "accessibility":
        return Prepared(scenario, layers, candidates, access, timings_s=timings)
    start = time.perf_counter()
    say("scoring candidate cities")
    scores = criteria.score_scenario(scenario, candidates, access=access, layers=layers)
    timings["criteria"] = time.perf_counter() - start
    return Prepared(scenario, layers, candidates, access, scores, timings_s=timings)


def run(
    scenario: Scenario,
    *,
    overrides: Mapping[str, Path] | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run every stage the package has on ``scenario``.

    Parameters
    ----------
    overrides
        Layer name -> user file, on top of the scenario's ``[layers]``.
    progress
        Called with a short message as each step starts.
    """
    prepared = prepare(scenario, overrides=overrides, progress=progress)
    rows = {name: len(prepared.layers[name]) for name in _RUN_LAYERS}
    done = ("layers", "network", "accessibility", "criteria")
    to_come = tuple(s for s in ALL_STAGES if s not in done)
    log.info(
        "run %s: %s candidate cities scored; stages to come: %s",
        scenario.name,
        f"{len(prepared.scores.frame):,}",
        ", ".join(to_come),
    )
    return RunResult(
        scenario=scenario,
        layer_rows=rows,
        candidates=len(prepared.candidates),
        timings_s=prepared.timings_s,
        stages_done=done,
        stages_to_come=to_come,
    )
