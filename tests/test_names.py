"""Names of countries, cities and curated-layer features in the language of an output."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planner import names


@pytest.mark.parametrize(
    ("iso3", "expected"),
    [("DEU", "德国"), ("CHN", "中国"), ("KAZ", "哈萨克斯坦"), ("XKX", "科索沃")],
)
def test_country_names_in_chinese_come_from_cldr(iso3, expected):
    assert names.country_name(iso3, "zh", "fallback") == expected


def test_country_name_in_english_and_for_unknown_codes_is_the_fallback():
    assert names.country_name("DEU", "en", "Germany") == "Germany"
    # ZZZ is CLDR's "unknown region", not a country: no name is made up for it
    for code in ("ZZZ", "AAA", "QQQ", "", "DE"):
        assert names.country_name(code, "zh", "Elsewhere") == "Elsewhere"


@pytest.mark.parametrize(
    ("alternates", "expected"),
    [
        # Kobe as GeoNames lists it: Simplified with 市, Traditional, and two Japanese forms
        (["Kobe", "こうべし", "神戶", "神户市", "神戸", "神戸市", "고베 시"], "神户"),
        (["阿拉木圖"], "阿拉木图"),  # Traditional only
        (["横浜", "横浜市", "橫濱", "横滨市"], "横滨"),  # 浜 is the Japanese form
        (["大阪", "大阪市"], "大阪"),  # shared by Japanese and Chinese
        (["廿日市", "廿日市市"], "廿日市"),  # only a final 市 that doubles a name goes
        (["セブ市", "こうべし"], None),  # kana only
        (["神戸", "神戸市"], None),  # Japanese-only kanji
        (["Faisalabad", "Фейсалабад"], None),
        # a Simplified writing beats a converted Traditional one
        (["明尼亞波利斯", "明尼阿波利斯"], "明尼阿波利斯"),
        # more sources beat fewer
        (["巴塞尔", "巴塞爾", "白才尔"], "巴塞尔"),
    ],
)
def test_simplified_city_name_rule(alternates, expected):
    assert names.simplified_city_name(alternates) == expected


@pytest.mark.parametrize(
    ("geonameid", "english", "expected"),
    [
        (1859171, "Kobe", "神户"),
        (2335204, "Kano", "卡诺"),  # GeoNames has only the Traditional 卡諾
        (292223, "Dubai", "迪拜"),  # CLDR's exemplar city of Asia/Dubai
        (323786, "Ankara", "安卡拉"),
        (1717512, "Cebu City", "Cebu City"),  # only a kana name (セブ市)
        (1179400, "Faisalabad", "Faisalabad"),  # no Han name at all
    ],
)
def test_city_names_in_chinese(geonameid, english, expected):
    assert names.city_name(geonameid, "zh", english) == expected


def test_city_name_without_a_geonames_id_or_in_english_is_the_fallback():
    assert names.city_name(1859171, "en", "Kobe") == "Kobe"
    assert names.city_name(None, "zh", "Somewhere") == "Somewhere"
    assert names.city_name(math.nan, "zh", "Somewhere") == "Somewhere"
    assert names.city_name(-12345, "zh", "Somewhere") == "Somewhere"  # a derived id


def test_city_table_is_read_once():
    names._city_names_zh.cache_clear()
    names.city_name(1859171, "zh", "Kobe")
    names.city_name(2335204, "zh", "Kano")
    assert names._city_names_zh.cache_info().misses == 1


def test_layer_name_prefers_name_zh_when_filled():
    row = {"name": "China-Europe Railway Express", "name_zh": "中欧班列"}
    assert names.layer_name(row, "zh") == "中欧班列"
    assert names.layer_name(row, "en") == "China-Europe Railway Express"
    for empty in ("", "  ", None, math.nan, pd.NA):
        assert names.layer_name({"name": "Zone", "name_zh": empty}, "zh") == "Zone"
    assert names.layer_name({"name": "Zone"}, "zh") == "Zone"
    frame = pd.DataFrame({"label": ["A", "B"], "name_zh": ["甲", None]})
    got = [names.layer_name(r, "zh", "label") for _, r in frame.iterrows()]
    assert got == ["甲", "B"]


def test_cldr_exemplar_matches_a_city_by_its_alternate_name():
    # GeoNames writes Ulan Bator; the zone is Asia/Ulaanbaatar, CLDR's city 乌兰巴托
    assert names.city_name(2028462, "zh", "Ulan Bator") == "乌兰巴托"


def test_administrative_suffixes_fold_into_the_bare_name():
    assert names.simplified_city_name(["釜山", "釜山广域市"]) == "釜山"
    # a Korean metropolitan city's title goes when two characters remain, even when the
    # bare name is no alternate of its own
    assert names.simplified_city_name(["仁川广域市", "仁川廣域市"]) == "仁川"
    assert names.simplified_city_name(["世宗特别自治市"]) == "世宗"
    assert names.simplified_city_name(["首尔特别市"]) == "首尔"
    # one character left: kept unless the bare name is an alternate itself
    assert names.simplified_city_name(["甲广域市"]) == "甲广域市"
    assert names.simplified_city_name(["甲广域市", "甲"]) == "甲"


@pytest.mark.parametrize(
    ("geonameid", "english", "expected"),
    [(1843564, "Incheon", "仁川"), (1838524, "Busan", "釜山"), (1835329, "Daegu", "大邱")],
)
def test_korean_metropolitan_cities_without_their_title(geonameid, english, expected):
    assert names.city_name(geonameid, "zh", english) == expected


def test_a_large_city_is_not_named_as_a_town_or_village():
    cape_town = ["Cape Town", "好望角鎮", "開普敦"]
    assert names.simplified_city_name(cape_town, population=4_772_846) == "开普敦"
    # the rule needs the population: without it, or for a town, the tie-break stands
    assert names.simplified_city_name(cape_town) == "好望角镇"
    assert names.simplified_city_name(cape_town, population=20_000) == "好望角镇"
    # a city known only by a name ending in 镇 keeps it
    assert names.simplified_city_name(["景徳鎮", "景德镇", "景德镇市"], population=473_561) == (
        "景德镇"
    )
    assert names.city_name(3369157, "zh", "Cape Town") == "开普敦"
    assert names.city_name(1819400, "zh", "Ma On Shan") == "马鞍山"
    assert names.city_name(1805680, "zh", "Jingdezhen") == "景德镇"


@pytest.mark.parametrize(
    ("iso3", "expected"), [("TWN", "中国台湾"), ("HKG", "中国香港"), ("MAC", "中国澳门")]
)
def test_taiwan_hong_kong_and_macao_are_named_as_parts_of_china(iso3, expected):
    assert names.country_name(iso3, "zh", "fallback") == expected
    assert names.country_name(iso3, "en", "fallback") == "fallback"


def test_city_id_by_geonames_name_and_country():
    assert names.city_id("Kobe", "JPN") == 1859171
    assert names.city_name(names.city_id("Yiwu", "CHN"), "zh", "Yiwu") == "义乌"
    assert names.city_name(names.city_id("Xi’an", "CHN"), "zh", "Xi’an") == "西安"
    assert names.city_id("Brest", "BLR") != names.city_id("Brest", "FRA")
    assert names.city_id("Nowhere-on-Sea", "GBR") is None
    assert names.city_id("Kobe", "ZZZ") is None


def test_province_and_industry_names():
    assert names.province_name("Zhejiang", "zh") == "浙江省"
    assert names.province_name("Zhejiang", "en") == "Zhejiang"
    assert names.province_name("Atlantis", "zh") == "Atlantis"
    assert names.industry_name("digital_creativity", "zh", "Digital creativity") == "数字创意产业"
    assert names.industry_name("no_such_industry", "zh", "Unheard of") == "Unheard of"
    assert names.industry_name("digital_creativity", "en", "Digital creativity") == (
        "Digital creativity"
    )


def test_origins_are_named_by_the_locale_then_by_their_city():
    # the port and the airport have no city of their name: the locale's official names
    assert names.origin_name("Ningbo-Zhoushan", "zh") == "宁波舟山港"
    assert names.origin_name("Hangzhou Xiaoshan International Airport", "zh") == "杭州萧山国际机场"
    # a rail hub named after its city takes the city's Chinese name
    assert names.origin_name("Yiwu", "zh") == "义乌"
    assert names.origin_name("Ningbo-Zhoushan", "en") == "Ningbo-Zhoushan"
    assert names.origin_name("Nowhere Dry Port", "zh") == "Nowhere Dry Port"
