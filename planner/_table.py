"""Plain-text tables for the terminal, and frames as CSV or GeoJSON text."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def _cell(value: object, floatfmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return format(float(value), floatfmt)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return str(value)


def format_table(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    floatfmt: str = ",.2f",
    max_width: int = 60,
) -> str:
    """Format ``frame`` as an aligned text table (numbers right-aligned).

    Parameters
    ----------
    columns
        Columns to show, in order; all but geometry by default.
    floatfmt
        Format of floats.
    max_width
        Cells longer than this are cut with an ellipsis.
    """
    if columns is None:
        geometry = getattr(frame, "_geometry_column_name", None)
        columns = [c for c in frame.columns if c != geometry]
    header = [str(c) for c in columns]
    idents = [str(c) in ("id", "year") or str(c).endswith(("_id", "_year")) for c in columns]
    rows = []
    for values in frame[list(columns)].itertuples(index=False, name=None):
        cells = [
            str(v) if ident and v is not None and v is not pd.NA else _cell(v, floatfmt)
            for v, ident in zip(values, idents)
        ]
        rows.append([c if len(c) <= max_width else c[: max_width - 1] + "…" for c in cells])
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in columns
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def frame_to_text(frame: pd.DataFrame, fmt: str, **table_options: object) -> str:
    """``frame`` as ``"table"``, ``"csv"`` or ``"geojson"`` text."""
    if fmt == "table":
        return format_table(frame, **table_options)  # type: ignore[arg-type]
    if fmt == "csv":
        plain = frame.drop(columns="geometry", errors="ignore")
        return plain.to_csv(index=False, lineterminator="\n")
    if fmt == "geojson":
        import geopandas as gpd

        if not isinstance(frame, gpd.GeoDataFrame):
            msg = "GeoJSON needs a layer with geometry; use --format csv for tables."
            from planner._errors import LayerError

            raise LayerError(msg)
        return frame.to_json(drop_id=True, na="null", ensure_ascii=False)
    msg = f"unknown format {fmt!r}"
    raise ValueError(msg)
