from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
from pathlib import Path

import folium
import pytest
from _run_example import EVIL, example_existing, example_run_view

from planner import _format as fmt
from planner import i18n, names
from planner.maps import _Words, render_map, save_map

_LAYER = re.compile(r"planner\.layer\((\{.*?\}), (feature_group_\w+)\);")
_GROUP = re.compile(r"var (feature_group_\w+) = L\.featureGroup")
_NON_ASCII = re.compile(r"\\u((?:00[89a-f]|0[1-9a-f][0-9a-f]|[1-9a-f][0-9a-f]{2})[0-9a-f])")


def _html(view, **options) -> str:
    return render_map(view, **options).get_root().render()


def _layers(text: str) -> dict[str, dict]:
    """Layer control name -> the GeoJSON payload drawn into that group."""
    # folium writes the names as JSON strings: Chinese letters as \u escapes, decoded here
    names = {
        _NON_ASCII.sub(lambda m: chr(int(m[1], 16)), n): g
        for n, g in re.findall(r'"([^"]+)" : (feature_group_\w+)', text)
    }
    by_group = {g: n for n, g in names.items()}
    out = {}
    for payload, group in _LAYER.findall(text):
        out[by_group[group]] = json.loads(payload)
    return out


@pytest.fixture(scope="module")
def view():
    return example_run_view()


@pytest.fixture(scope="module")
def page(view) -> str:
    return _html(view)


def test_render_map_returns_a_folium_map(view):
    assert isinstance(render_map(view), folium.Map)


def test_every_layer_is_a_toggleable_group(page):
    layers = _layers(page)
    assert set(layers) == {
        "Countries",
        "Belt and Road corridors",
        "International rail lines",
        "Zhejiang\\u0026#x27;s cooperation zones",
        "Other cooperation zones",
        "Ports",
        "Candidate cities (top 56)",
        "Links from Zhejiang",
        "Recommended centres",
    }
    assert "L.control.layers" in page


def test_one_centre_marker_per_chosen_centre(view, page):
    centres = _layers(page)["Recommended centres"]
    assert centres["kind"] == "centre"
    assert len(centres["data"]["features"]) == len(view.centres)
    ranks = sorted(f["properties"]["tip"].split(":")[0] for f in centres["data"]["features"])
    assert ranks == ["Centre 1", "Centre 2", "Centre 3", "Centre 4"]


def test_centre_popup_explains_the_choice(page):
    feats = _layers(page)["Recommended centres"]["data"]["features"]
    budapest = next(f["properties"]["popup"] for f in feats if "Budapest" in f["properties"]["tip"])
    assert "Centre 1: Budapest, Hungary" in budapest
    assert "New energy vehicles and Digital economy" in budapest
    assert "rail freight time" in budapest  # the leading driver, as a bar
    assert budapest.count('class="bar"') == 5
    assert "14 days (336 h)" in budapest  # rail time for people
    assert "chosen in 97% of sensitivity runs" in budapest


def test_centre_with_missing_times_says_so(page):
    feats = _layers(page)["Recommended centres"]["data"]["features"]
    jakarta = next(f["properties"]["popup"] for f in feats if "Jakarta" in f["properties"]["tip"])
    assert "Rail freight</td><td>not reachable" in jakarta
    assert "Estimated (data missing): cultural distance" in jakarta


def test_works_offline_no_external_script_style_or_image(page):
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert not re.search(r"url\((['\"]?)https?:", page)
    for host in ("jsdelivr", "cdnjs", "unpkg", "bootstrapcdn", "code.jquery", "googleapis"):
        assert host not in page
    assert "sourceMappingURL" not in page
    assert "L.tileLayer" not in page  # no tile server unless asked
    assert "/* leaflet 1.9" in page  # Leaflet itself is inlined


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_data_strings_are_escaped(view, lang):
    page = _html(view, lang=lang)
    assert EVIL not in page
    assert "<script>alert" not in page
    html_fields = [
        f["properties"].get(key, "")
        for layer in _layers(page).values()
        for f in layer["data"]["features"]
        for key in ("popup", "tip", "icon")
    ]
    assert not [h for h in html_fields if "<script" in h or "O'Brien" in h]
    assert any(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Brien" in h for h in html_fields
    )
    # search labels are plain text (set as DOM properties), JSON-escaped in the page
    centres = _layers(page)[i18n.text(lang, "map.layer.centres")]
    labels = [f["properties"]["search"] for f in centres["data"]["features"]]
    assert i18n.text(lang, "map.search.centre", name=EVIL, iso3="XXA", n=4) in labels
    # the escaped text travels as JSON with <, > and & escaped again
    assert "\\u0026lt;script\\u0026gt;alert(\\u0026quot;x\\u0026quot;)" in page


def test_top_n_limits_candidates_and_zero_clusters_all(view):
    few = _layers(_html(view, top_n=10))
    assert len(few["Candidate cities (top 10)"]["data"]["features"]) == 10
    every = _html(view, top_n=0)
    layers = _layers(every)
    cand = layers["Candidate cities (all)"]
    assert cand["cluster"] is True
    assert len(cand["data"]["features"]) == len(view.candidates) - len(view.centres)
    assert "markerClusterGroup" in every
    assert "L.MarkerClusterGroup" in every  # the plugin itself is inlined


def test_candidates_are_shaded_by_score(page):
    feats = _layers(page)["Candidate cities (top 56)"]["data"]["features"]
    colours = {f["properties"]["style"]["fillColor"] for f in feats}
    assert len(colours) > 20


def test_home_province_zones_set_apart(page):
    layers = _layers(page)
    home = layers["Zhejiang\\u0026#x27;s cooperation zones"]["data"]["features"]
    other = layers["Other cooperation zones"]["data"]["features"]
    assert [f["properties"]["tip"] for f in home] == ["China-Hungary Borsod Zone"]
    assert len(other) == 2
    assert (
        home[0]["properties"]["style"]["fillColor"] != other[0]["properties"]["style"]["fillColor"]
    )


def test_routed_and_straight_rail_lines_differ(page):
    feats = _layers(page)["International rail lines"]["data"]["features"]
    dashes = [f["properties"]["style"]["dashArray"] for f in feats]
    assert dashes[0] is None and dashes[1]
    assert "drawn straight" in feats[1]["properties"]["tip"]


def test_links_from_origins_to_every_centre(view, page):
    feats = _layers(page)["Links from Zhejiang"]["data"]["features"]
    lines = [f for f in feats if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(view.centres)
    budapest = next(f for f in lines if "Budapest" in f["properties"]["tip"])
    assert budapest["properties"]["tip"].startswith("Yiwu")  # by rail, from the rail hub
    start = budapest["geometry"]["coordinates"][0]
    assert start == pytest.approx([120.08, 29.31], abs=1e-3)
    jakarta = next(f for f in lines if "Jakarta" in f["properties"]["tip"])
    assert jakarta["properties"]["tip"].startswith("Ningbo")


def test_robustness_shading(view):
    plain = _layers(_html(view))["Recommended centres"]["data"]["features"]
    shaded = _layers(_html(view, robustness=True))["Recommended centres"]["data"]["features"]
    assert len({f["properties"]["icon"] for f in plain}) == 4  # rank differs, colour not
    assert len({re.search("#[0-9a-f]{6}", f["properties"]["icon"])[0] for f in plain}) == 1
    assert len({re.search("#[0-9a-f]{6}", f["properties"]["icon"])[0] for f in shaded}) == 4


def test_title_never_calls_a_feasible_plan_optimal(view):
    text = _html(dataclasses.replace(view, status="feasible", gap=0.034))
    assert "feasible, not proved optimal; gap to the best bound 3.40%" in text
    assert "optimal (proved" not in text


def test_legend_search_and_fullscreen_present(page):
    assert "planner.controls(" in page
    assert "\\u003cb\\u003eLegend" in page
    assert "planner-search" in page and "requestFullscreen" in page


def test_no_countries_layer_warns_and_still_renders(view, caplog):
    layers = {k: v for k, v in view.layers.items() if k != "countries"}
    with caplog.at_level(logging.WARNING, logger="planner.maps"):
        text = _html(dataclasses.replace(view, layers=layers))
    assert "no countries layer" in caplog.text
    assert "Countries" not in _layers(text)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "10"])
def test_bad_top_n_is_refused(view, bad):
    with pytest.raises(ValueError, match="top_n must be a whole number"):
        render_map(view, top_n=bad)


def test_save_map_writes_the_page(view, tmp_path: Path):
    path = save_map(view, tmp_path / "out" / "map.html")
    assert path == tmp_path / "out" / "map.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>Zhejiang overseas innovation centres (test)</title>" in text
    assert [p.name for p in path.parent.iterdir()] == ["map.html"]  # no temporary left


def test_map_has_a_zoom_range_without_tiles(page):
    # Leaflet.markercluster refuses a map without maxZoom; tiles would set it.
    assert '"maxZoom": 18' in page


def test_online_tiles_only_when_asked(view):
    text = _html(view, tiles="OpenStreetMap")
    assert "L.tileLayer" in text
    assert "Tiles (online)" in text


def test_outputs_do_not_import_other_stages():
    import subprocess
    import sys

    code = (
        "import sys, planner.maps, planner.briefs; "
        "bad = [m for m in ('pulp', 'ortools', 'highspy', 'planner.optimise', "
        "'planner.criteria', 'planner.accessibility') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_existing_centres_have_their_own_marker_and_layer(view):
    from _run_example import example_existing

    with_existing = dataclasses.replace(view, existing=example_existing())
    page = _html(with_existing)
    layers = _layers(page)
    group = layers["Zhejiang\\u0026#x27;s existing centres"]
    assert group["kind"] == "centre"
    # the country-only centre has no marker; the two located ones do
    assert len(group["data"]["features"]) == 2
    assert len(layers["Recommended centres"]["data"]["features"]) == len(view.centres)
    icons = {f["properties"]["icon"] for f in group["data"]["features"]}
    assert all(">E</div>" in i for i in icons)
    popup = next(f["properties"]["popup"] for f in group["data"]["features"] if "Boston" in
                 f["properties"]["popup"])  # fmt: skip
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in popup and "2016" in popup
    assert "1 more known by country only, not drawn" in page
    # without existing centres there is no such layer
    assert not any("existing" in name for name in _layers(_html(view)))



def test_air_link_is_straight_when_nonstop_and_goes_through_the_connection(view):
    import pandas as pd

    airports = pd.DataFrame(
        {"iata": ["HGH", "KMG", "XXA"], "lon": [120.434, 102.929, 55.3], "lat": [30.23, 25.1, 25.2]}
    )

    def air_link(route: str) -> dict:
        # the fourth centre has no freight route, so its link is by air
        centres = view.centres.copy()
        centres["air_route"] = ["", "", "", route]
        layers = {**view.layers, "airports": airports}
        page = _html(dataclasses.replace(view, centres=centres, layers=layers))
        feats = _layers(page)["Links from Zhejiang"]["data"]["features"]
        return next(f for f in feats if " by air: " in f["properties"]["tip"])

    kunming = [102.929, 25.1]
    via = air_link("HGH-KMG-XXA")
    assert "1 connection HGH-KMG-XXA" in via["properties"]["tip"]
    assert kunming in via["geometry"]["coordinates"]
    nonstop = air_link("HGH-XXA")
    assert "nonstop HGH-XXA" in nonstop["properties"]["tip"]
    assert kunming not in nonstop["geometry"]["coordinates"]
    assert len(nonstop["geometry"]["coordinates"]) == 50  # one great circle


def test_centres_are_numbered_as_in_the_brief_not_by_candidate_rank(view):
    centres = view.centres.copy()
    centres["rank"] = [5 + 40 * i for i in range(len(centres))]  # ranks with gaps
    page = _html(dataclasses.replace(view, centres=centres))
    feats = _layers(page)["Recommended centres"]["data"]["features"]
    badges = [re.search(r">(\d+)</div>", f["properties"]["icon"]).group(1) for f in feats]
    assert badges == [str(i) for i in range(1, len(centres) + 1)]
    assert "<h3>Centre 2: " in feats[1]["properties"]["popup"]


# ---------------------------------------------------------------------------- languages


@pytest.fixture(scope="module")
def page_zh(view) -> str:
    return _html(view, lang="zh")


def test_chinese_map_names_the_centres_countries_in_chinese(view, page_zh):
    countries = [
        names.country_name(iso3, "zh", "")
        for iso3 in view.centres["iso3"]
        if names.country_name(iso3, "zh", "")
    ]
    assert countries  # the example has real countries (HUN, ESP, ...)
    for country in countries:
        assert country in page_zh
    centres = _layers(page_zh)["推荐的海外创新中心"]["data"]["features"]
    popups = " ".join(f["properties"]["popup"] for f in centres)
    assert "匈牙利" in popups and "布达佩斯" in popups
    assert "<title>浙江省海外创新中心布局</title>" in page_zh
    assert "document.documentElement.lang" in page_zh


def test_chinese_map_has_no_english_words_of_the_map_itself(page_zh):
    for key in ("map.legend.title", "map.search.placeholder", "map.centre.why_here"):
        assert i18n.text("en", key) not in page_zh
        assert i18n.text("zh", key) in page_zh
    assert "国家和地区" in _layers(page_zh)
    assert "Recommended centres" not in page_zh and "Countries" not in page_zh


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_mojibake(view, lang):
    page = _html(view, lang=lang)
    assert "\ufffd" not in page
    for bad in ("Ã", "Â", "å\x8c", "æ\x96", "ä¸"):
        assert bad not in page
    page.encode("utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_boundary_source_and_not_official_in_the_legend(page, page_zh, lang):
    text = page if lang == "en" else page_zh
    view_name = i18n.text(lang, "map.boundary_view_deu")
    note = i18n.text(lang, "map.boundary_note", view=view_name)
    assert json.dumps(note, ensure_ascii=False)[1:-1] in text
    assert "Natural Earth" in note


def test_every_map_key_is_in_both_languages_and_used():
    source = (
        Path(__file__).resolve().parents[1] / "planner" / "maps.py"
    ).read_text(encoding="utf-8")
    # keys looked up with a computed last part: map.criterion.<id>, map.status.<code>, ...
    dynamic = ("criterion.", "status.", "mode.", "role.", "boundary_view_", "sector.",
               "zone_level.", "origin.", "stage.")  # fmt: skip
    for lang in i18n.LANGUAGES:
        keys = [k.removeprefix("map.") for k in i18n.strings(lang) if k.startswith("map.")]
        assert keys
        unused = [
            k
            for k in keys
            if f'"{k}"' not in source
            and f"'{k}'" not in source
            and not (k.startswith(dynamic) and any(f'"map.{d}' in source or d in source
                                                     for d in dynamic if k.startswith(d)))
        ]
        assert unused == [], f"{lang}: map keys no code uses: {unused}"
    en = {k for k in i18n.strings("en") if k.startswith("map.")}
    zh = {k for k in i18n.strings("zh") if k.startswith("map.")}
    assert en == zh


def test_english_units_are_what_planner_format_writes(view):
    w = _Words("en", view)
    for h in (None, float("nan"), 0.25, 9.5, 13.0, 47.9, 312.0, 1234.5):
        assert w.hours(h) == fmt.hours(h)
    for km in (None, 12, 1234.4):
        assert w.km(km) == fmt.km(km)
    for route in ("HGH-KIX", "HGH-AMS-BUD", "HGH-PEK-AMS-BUD", None):
        row = {"air_time_h": 20.0, "air_route": route}
        assert w.air_trip(row) == fmt.air_trip(row)
    assert w.air_trip({"air_time_h": None, "air_route": "HGH-KIX"}) == fmt.air_trip(
        {"air_time_h": None, "air_route": "HGH-KIX"}
    )
    for items in ([], ["a"], ["a", "b"], ["a", "b", "c"]):
        assert w.join(items, empty="none") == fmt.join_words(items)
    assert w.status() == view.status_text()
    for status in ("feasible", "time_limit", "infeasible"):
        other = dataclasses.replace(view, status=status, gap=0.0123)
        assert _Words("en", other).status() == other.status_text()


def test_chinese_units_and_lists():
    w = _Words("zh", example_run_view())
    assert w.hours(9.5) == "9.5 小时"
    assert w.hours(312.0) == "13 天（312 小时）"
    assert w.km(1234) == "1,234 公里"
    assert w.join(["甲", "乙", "丙"], empty="") == "甲、乙和丙"
    assert w.air_trip({"air_time_h": 7.1, "air_route": "HGH-KIX"}) == "7.1 小时，直飞 HGH-KIX"


def test_bad_language_is_refused(view):
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        render_map(view, lang="fr")


def test_save_map_in_chinese_writes_utf8(view, tmp_path: Path):
    path = save_map(view, tmp_path / "map.zh.html", lang="zh")
    text = path.read_bytes().decode("utf-8")
    assert "推荐的海外创新中心" in text or "\\u63a8\\u8350" in text


# ---------------------------------------------------------------------------- visible text


def _visible(text: str) -> list[str]:
    """What a reader of the page can see: the title, the legend, the layer names, and
    every popup and tooltip (HTML stripped and unescaped); the search index is left out."""
    out = [re.search(r"<title>(.*?)</title>", text, re.S)[1]]
    out += list(_layers(text))
    controls = re.search(r"planner\.controls\(\w+, (\{.*?\})\);\n", text)[1]
    options = json.loads(controls)
    out += [options["title"], options["legend"], *options["strings"].values()]
    for layer in _layers(text).values():
        for f in layer["data"]["features"]:
            out += [f["properties"][k] for k in ("popup", "tip") if k in f["properties"]]
    return [html.unescape(re.sub(r"<[^>]+>", " ", s)) for s in out]


def _latin_whitelist(view) -> list[str]:
    """Latin text the Chinese map may show, longest first: names from the data that have
    no Chinese form (cities without a GeoNames Chinese name, countries without a CLDR one,
    zones without ``name_zh``, industries outside ``geodata/industries.csv``, ports, rail
    nodes, origins and provinces that are not China's), names of organisations as
    published (companies, sponsors, partners), citations of sources, criteria the example
    lists by English label rather than id or a nearest zone not in its zone layer, and
    the source names the map cites itself (OpenFlights, Natural Earth). Airport and ISO
    codes are :data:`_CODES`."""
    allowed = {"OpenFlights", "Natural Earth"}
    zones = set(view.layers["cooperation_zones"]["name"])
    for frame in (view.centres, view.candidates):
        for r in frame.to_dict("records"):
            if names.city_name(r["city_id"], "zh", r["name"]) == r["name"]:
                allowed.add(r["name"])
            if names.country_name(r["iso3"], "zh", r["country"]) == r["country"]:
                allowed.add(r["country"])
            allowed |= {str(v) for v in fmt.as_list(r.get("nearest_rail_node"))}
            if r.get("nearest_coop_zone") not in zones:  # the example's "Hungary zone"
                allowed |= {str(v) for v in fmt.as_list(r.get("nearest_coop_zone"))}
            ids = set(view.criteria["id"])
            allowed |= {m for m in fmt.as_list(r.get("missing_criteria")) if m not in ids}
    for r in view.industries.to_dict("records"):
        if names.industry_name(r["industry_id"], "zh", r["name"]) == r["name"]:
            allowed.add(r["name"])
    allowed |= {o.name for o in view.origins}
    published = ("city", "sponsor_company", "source", "sponsor", "partner", "name_published",
                 "from_city", "to_city", "line")  # fmt: skip
    for frame in (view.existing, *view.layers.values()):
        if frame is None:
            continue
        for r in frame.to_dict("records"):
            allowed |= {str(r[c]) for c in published if isinstance(r.get(c), str)}
            if isinstance(r.get("name"), str) and names.layer_name(r, "zh") == r["name"]:
                allowed.add(r["name"])
            province = r.get("sponsor_province")
            if isinstance(province, str) and names.province_name(province, "zh") == province:
                allowed.add(province)
    return sorted(allowed, key=len, reverse=True)


# Airport codes and routes ("HGH-IST-BUD", "2 stops ... HGH-DXB-XXX") and ISO 3166 codes.
_CODES = re.compile(r"\b[A-Z]{3}(?:-[A-Z]{3})*\b")


@pytest.fixture(scope="module")
def view_existing(view):
    return dataclasses.replace(view, existing=example_existing())


def test_chinese_map_shows_no_latin_words_but_names_and_sources(view_existing):
    allowed = _latin_whitelist(view_existing)
    left = []
    for text in _visible(_html(view_existing, lang="zh")):
        for phrase in allowed:
            text = text.replace(phrase, " ")
        text = _CODES.sub(" ", text)
        left += re.findall(r"[A-Za-z]{2,}", text)
    assert left == []


def test_latin_word_check_can_fail(view):
    # the same check on the English map finds the map's own English words
    allowed = _latin_whitelist(view)
    left = []
    for text in _visible(_html(view)):
        for phrase in allowed:
            text = text.replace(phrase, " ")
        left += re.findall(r"[A-Za-z]{2,}", _CODES.sub(" ", text))
    assert {"Legend", "Founded", "Sectors"} <= set(left)


def _zone_popups(page: str) -> str:
    layers = _layers(page)
    return " ".join(
        f["properties"]["popup"]
        for name, layer in layers.items()
        if name.endswith(("cooperation zones", "境外经贸合作区"))
        for f in layer["data"]["features"]
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_zone_founding_year_has_no_thousands_separator(view, page, page_zh, lang):
    popups = _zone_popups(page if lang == "en" else page_zh)
    assert "<td>2009</td>" in popups and "<td>2011</td>" in popups
    assert "2,009" not in popups and "2,011" not in popups


def test_english_map_keeps_the_data_words(view_existing, page):
    popups = _zone_popups(page)
    for raw in ("<td>chemicals</td>", "<td>national</td>", "<td>Zhejiang</td>",
                "<td>A company</td>"):  # fmt: skip
        assert raw in popups
    links = _layers(page)["Links from Zhejiang"]["data"]["features"]
    tips = " ".join(f["properties"]["tip"] for f in links)
    assert "Ningbo-Zhoushan (port), Zhejiang" in tips
    page = _html(view_existing)
    existing = _layers(page)["Zhejiang\\u0026#x27;s existing centres"]["data"]["features"]
    popups = " ".join(f["properties"]["popup"] for f in existing)
    assert "opened (2016-05-14)" in popups


def test_chinese_map_translates_the_data_words(view_existing, page_zh):
    popups = _zone_popups(page_zh)
    for text in ("<td>化工</td>", "<td>工业</td>", "<td>国家级（通过商务部确认考核）</td>",
                 "<td>省级</td>", "<td>浙江省</td>"):  # fmt: skip
        assert text in popups
    links = _layers(page_zh)["浙江省出发的联系"]["data"]["features"]
    tips = " ".join(f["properties"]["tip"] for f in links)
    assert "宁波舟山港（港口），浙江省" in tips and "义乌（铁路枢纽），浙江省" in tips
    page_zh = _html(view_existing, lang="zh")
    existing = _layers(page_zh)["浙江省已有海外创新中心"]["data"]["features"]
    popups = " ".join(f["properties"]["popup"] for f in existing)
    assert "已开设（2016年5月14日）" in popups and "已开设（2018年）" in popups


def test_words_for_zone_fields_and_dates(view):
    w = _Words("zh", view)
    assert w.provinces("Zhejiang; Heilongjiang") == "浙江省、黑龙江省"
    got = w.zone_sectors("auto parts; machinery; something new")
    assert got == "汽车零部件、机械、something new"
    assert w.zone_level("intergovernmental") == "政府间合作项目"
    assert w.zone_level("unheard of") == "unheard of"
    assert [w.date(d) for d in ("2016-05-14", "2023-01", "2016", "soon")] == [
        "2016年5月14日", "2023年1月", "2016年", "soon"
    ]  # fmt: skip
    assert w.origin("Hangzhou Xiaoshan International Airport") == "杭州萧山国际机场"
    assert w.origin("Wenzhou") == "温州"
    en = _Words("en", view)
    assert en.zone_sectors("auto parts; machinery") == "auto parts; machinery"
    assert en.origin("Ningbo-Zhoushan") == "Ningbo-Zhoushan"
