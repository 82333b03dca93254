"""planner: where a Chinese province should open overseas innovation centres.

The modules are the namespace: ``planner.layers``, ``planner.scenario``,
``planner.network``, ``planner.accessibility``, ``planner.criteria``,
``planner.optimise``, ``planner.analysis``, ``planner.maps``, ``planner.briefs``.
They are imported on first use, so ``import planner`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_MODULES = (
    "layers",
    "scenario",
    "network",
    "accessibility",
    "criteria",
    "optimise",
    "analysis",
    "maps",
    "briefs",
    "pipeline",
)

__all__ = ["__version__", *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"planner.{name}")
    msg = f"module 'planner' has no attribute {name!r}"
    raise AttributeError(msg)
