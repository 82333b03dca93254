"""The scenario's ``[analysis]`` table: defaults of the sensitivity sweep."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner._errors import ScenarioError


@dataclass(frozen=True)
class AnalysisSettings:
    """Defaults for ``planner sensitivity`` read from a scenario.

    Attributes
    ----------
    draws, seed
        Number of weight draws and the root seed.
    concentration, spread
        Dirichlet concentration or plus-or-minus range (one of them, or neither).
    workers
        Local worker processes.
    scheduler
        Dask scheduler address (``"tcp://host:8786"``), or ``None`` for local processes.
    chunk
        Draws per task.
    """

    draws: int = 1000
    seed: int = 0
    concentration: float | None = None
    spread: float | None = None
    workers: int = 1
    scheduler: str | None = None
    chunk: int = 50


def analysis_settings_from_mapping(mapping: Mapping[str, Any] | None) -> AnalysisSettings:
    """Validate a scenario's ``[analysis]`` table.

    Raises
    ------
    ScenarioError
        Naming every bad key, the value received and what is allowed.
    """
    data = dict(mapping or {})
    problems: list[str] = []
    out: dict[str, Any] = {}
    positive_ints = {"draws": "e.g. 1000", "workers": "e.g. 2", "chunk": "e.g. 50"}
    for key, value in data.items():
        if key in positive_ints or key == "seed":
            low = 0 if key == "seed" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                what = "a non-negative whole number" if key == "seed" else "a positive whole number"
                hint = positive_ints.get(key, "e.g. 0")
                problems.append(f"analysis.{key} = {value!r} must be {what} ({hint}).")
                continue
            out[key] = value
        elif key in ("concentration", "spread"):
            ok = not isinstance(value, bool) and isinstance(value, int | float)
            if ok:
                low_ok = value > 0 if key == "concentration" else 0 <= value <= 1
                ok = low_ok and not math.isnan(value)
            if not ok:
                allowed = "a positive number" if key == "concentration" else "a fraction in [0, 1]"
                problems.append(f"analysis.{key} = {value!r} must be {allowed}.")
                continue
            out[key] = float(value)
        elif key == "scheduler":
            if not isinstance(value, str) or "://" not in value:
                problems.append(
                    f"analysis.scheduler = {value!r} must be a Dask scheduler address such as "
                    "'tcp://10.0.0.5:8786'."
                )
                continue
            out[key] = value
        else:
            allowed = "draws, seed, concentration, spread, workers, scheduler, chunk"
            problems.append(f"analysis.{key} is not a known setting; allowed keys: {allowed}.")
    if "concentration" in out and "spread" in out:
        problems.append(
            "analysis sets both concentration and spread; keep one (a Dirichlet "
            "concentration or a plus-or-minus range)."
        )
    if problems:
        raise ScenarioError(" ".join(problems))
    return AnalysisSettings(**out)
