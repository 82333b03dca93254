"""The languages of the outputs: strings per language in step, names of files, codes."""

from __future__ import annotations

import pytest

from planner import i18n
from planner._errors import ScenarioError


def test_every_language_has_the_same_keys():
    assert i18n.missing_keys() == {lang: [] for lang in i18n.LANGUAGES}


def test_missing_keys_names_a_key_one_language_lacks(monkeypatch):
    real = i18n.strings

    def fake(lang):
        table = dict(real(lang))
        if lang == "zh":
            table.pop("language.name")
        return table

    monkeypatch.setattr(i18n, "strings", fake)
    assert i18n.missing_keys()["zh"] == ["language.name"]


def test_text_fills_fields_and_refuses_unknown_keys():
    assert i18n.text("zh", "language.name") == "简体中文"
    with pytest.raises(KeyError, match="no string 'no.such' in planner/locales/en.toml"):
        i18n.text("en", "no.such")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("en",)),
        ("", ("en",)),
        ("zh", ("zh",)),
        ("zh,en", ("zh", "en")),
        (" ZH , en, zh ", ("zh", "en")),
        ("zh-Hans", ("zh",)),
        (["en", "zh"], ("en", "zh")),
    ],
)
def test_parse_languages(value, expected):
    assert i18n.parse_languages(value) == expected


def test_parse_languages_names_the_unknown_code_and_where():
    with pytest.raises(ScenarioError, match=r"outputs\.lang: unknown language 'fr'.*en, zh"):
        i18n.parse_languages("zh,fr", where="outputs.lang")


def test_output_names_do_not_collide():
    assert i18n.output_name("brief.md", "en") == "brief.md"
    assert i18n.output_name("brief.md", "zh") == "brief.zh.md"
    assert i18n.output_name("map.html", "zh") == "map.zh.html"
    names = {i18n.output_name(f, lang) for f in ("brief.md", "map.html") for lang in i18n.LANGUAGES}
    assert len(names) == 4
