from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the on-disk caches of a test run out of the user's cache directory."""
    if "PLANNER_CACHE_DIR" not in os.environ:
        os.environ["PLANNER_CACHE_DIR"] = str(tmp_path_factory.mktemp("planner-cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED
