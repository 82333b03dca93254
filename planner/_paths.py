"""Where the embedded data lives: ``geodata/`` and ``models/``.

In a source checkout (and an editable install) they sit beside the package; a wheel
carries them inside it as ``planner/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_root(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def geodata_dir() -> Path:
    """The folder of curated layers (``geodata/``)."""
    return _data_root("geodata")


def models_dir() -> Path:
    """The folder of planning scenarios (``models/``)."""
    return _data_root("models")


def geodata_path(name: str) -> Path:
    """Path of one curated file in ``geodata/``."""
    return geodata_dir() / name
