"""Leaflet and its plugin, read from installed packages so a map works offline.

Folium links Leaflet from CDNs; :mod:`planner.maps` inlines these files instead.
Leaflet comes from ``xstatic-leaflet`` and Leaflet.markercluster from
``xstatic-leaflet-markercluster`` (both on PyPI, files under each package's ``data``
folder). Images the stylesheets reference become ``data:`` URIs; source-map comments are
dropped so no browser asks for a missing file.
"""

from __future__ import annotations

import base64
import functools
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

_TEMPLATES = Path(__file__).with_name("templates")

_PACKAGES = {
    "leaflet": ("xstatic.pkg.leaflet", "xstatic-leaflet"),
    "markercluster": ("xstatic.pkg.leaflet_markercluster", "xstatic-leaflet-markercluster"),
}


@dataclass(frozen=True)
class Asset:
    """A library to inline: its name, version, stylesheet and script text."""

    name: str
    version: str
    css: str
    js: str


def _data_dir(name: str) -> tuple[Path, str]:
    module_name, dist = _PACKAGES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        msg = (
            f"The offline map needs the {dist!r} package, which ships the {name} files. "
            f"Install it with: pip install {dist}"
        )
        raise ImportError(msg) from None
    return Path(module.BASE_DIR), str(module.VERSION)


def _inline_images(css: str, folder: Path) -> str:
    def repl(match: re.Match[str]) -> str:
        ref = match.group(1).strip("'\"")
        path = folder / ref
        if ref.startswith(("data:", "#")) or not path.is_file():
            return match.group(0)
        mime = "image/png" if path.suffix == ".png" else "image/svg+xml"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"url\(([^)]*)\)", repl, css)


_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)


def _read(folder: Path, names: tuple[str, ...], *, css: bool) -> str:
    parts = []
    for n in names:
        text = (folder / n).read_text(encoding="utf-8")
        text = _inline_images(text, folder) if css else _SOURCE_MAP.sub("", text)
        parts.append(text)
    return "\n".join(parts)


@functools.cache
def leaflet() -> Asset:
    """Leaflet's stylesheet and script."""
    folder, version = _data_dir("leaflet")
    return Asset(
        "leaflet",
        version,
        _read(folder, ("leaflet.css",), css=True),
        _read(folder, ("leaflet.js",), css=False),
    )


@functools.cache
def markercluster() -> Asset:
    """Leaflet.markercluster's stylesheets and script."""
    folder, version = _data_dir("markercluster")
    return Asset(
        "markercluster",
        version,
        _read(folder, ("MarkerCluster.css", "MarkerCluster.Default.css"), css=True),
        _read(folder, ("leaflet.markercluster.js",), css=False),
    )


@functools.cache
def planner_controls() -> Asset:
    """The planner's own map code: layers from JSON, search, fullscreen, legend."""
    return Asset(
        "planner",
        "1",
        (_TEMPLATES / "map.css").read_text(encoding="utf-8"),
        (_TEMPLATES / "map.js").read_text(encoding="utf-8"),
    )


def inline_html(assets: tuple[Asset, ...]) -> str:
    """``<style>`` and ``<script>`` blocks holding ``assets``, in order."""
    out = []
    for a in assets:
        if "</script" in a.js.lower() or "</style" in a.css.lower():
            msg = f"The {a.name} files contain a closing tag and cannot be inlined."
            raise ValueError(msg)
        out.append(f"<style>/* {a.name} {a.version} */\n{a.css}\n</style>")
        out.append(f"<script>/* {a.name} {a.version} */\n{a.js}\n</script>")
    return "\n".join(out)
