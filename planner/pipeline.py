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
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    layers = layer_set(scenario, overrides)
    rows: dict[str, Any] = {}
    start = time.perf_counter()
    for name in _RUN_LAYERS:
        say(f"loading layer {name}")
        rows[name] = len(layers[name])
    say("selecting candidate cities")
    candidates = read_candidates(layers, scenario.candidates)
    timings["layers"] = time.perf_counter() - start
    done = ("layers",)
    to_come = tuple(s for s in ALL_STAGES if s not in done)
    log.info(
        "run %s: %s candidate cities; stages to come: %s",
        scenario.name,
        f"{len(candidates):,}",
        ", ".join(to_come),
    )
    return RunResult(
        scenario=scenario,
        layer_rows=rows,
        candidates=len(candidates),
        timings_s=timings,
        stages_done=done,
        stages_to_come=to_come,
    )
