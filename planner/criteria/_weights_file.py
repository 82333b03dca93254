"""A weights file named by a scenario's ``[criteria] weights_file``.

``planner calibrate --out FILE`` writes one: a ``[weights]`` table (criterion id ->
weight >= 0) and a ``[calibration]`` table that says where the weights came from (the
scenario, the actual centres, the number of choices). The path is resolved against the
scenario's folder; the file's weights replace ``[criteria] weights`` (setting both is an
error), and every criterion the scenario scores must have one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner._errors import ScenarioError

__all__ = ["read_weights_file", "resolve_weights_file"]


def read_weights_file(path: str | Path) -> tuple[dict[str, float], dict[str, Any]]:
    """The ``[weights]`` and ``[calibration]`` tables of a weights file.

    Raises
    ------
    ScenarioError
        A missing or unreadable file, no ``[weights]`` table, or a weight that is not a
        number >= 0.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        msg = (
            f"criteria.weights_file {str(path)!r} does not exist; write one with "
            "`planner calibrate --out FILE` or fix the path (relative to the scenario)."
        )
        raise ScenarioError(msg) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"criteria.weights_file {str(path)!r} cannot be read as TOML: {exc}."
        raise ScenarioError(msg) from None
    table = data.get("weights")
    if not isinstance(table, Mapping) or not table:
        msg = (
            f"criteria.weights_file {str(path)!r} has no [weights] table (criterion id -> "
            "weight >= 0)."
        )
        raise ScenarioError(msg)
    weights: dict[str, float] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            msg = f"criteria.weights_file {str(path)!r}: weights.{key} = {value!r} must be >= 0."
            raise ScenarioError(msg)
        weights[str(key)] = float(value)
    meta = data.get("calibration", {})
    return weights, dict(meta) if isinstance(meta, Mapping) else {}


def resolve_weights_file(table: Mapping[str, Any], base: Path, where: str) -> dict[str, Any]:
    """``[criteria]`` with its ``weights_file`` resolved against ``base`` and read into
    ``weights`` (the path kept, absolute, under ``weights_file``)."""
    out = dict(table)
    if "weights_file" not in out:
        return out
    name = out["weights_file"]
    if not isinstance(name, str) or not name:
        msg = f"{where}, [criteria]: weights_file = {name!r} must be the path of a TOML file."
        raise ScenarioError(msg)
    for clash in ("weights", "group_weights", "group_ahp", "ahp"):
        if clash in out:
            msg = (
                f"{where}, [criteria]: weights_file and {clash} both set the weights; keep one "
                "of them."
            )
            raise ScenarioError(msg)
    if out.get("weighting", "direct") != "direct":
        msg = (
            f"{where}, [criteria]: weights_file gives direct weights, but weighting = "
            f"{out['weighting']!r}; remove weighting or set it to 'direct'."
        )
        raise ScenarioError(msg)
    path = Path(name)
    path = path if path.is_absolute() else base / path
    weights, _meta = read_weights_file(path)
    out["weights_file"] = str(path.resolve())
    out["weights"] = weights
    return out
