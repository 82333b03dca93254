from __future__ import annotations

import dataclasses
import io
import logging
import re
from pathlib import Path

import geopandas as gpd
import matplotlib.image
import pytest
from _run_example import EVIL, example_run_view
from markupsafe import Markup

from planner.briefs import BriefDocs, md_escape, render_brief, render_static_map, save_brief


@pytest.fixture(scope="module")
def view():
    return example_run_view()


@pytest.fixture(scope="module")
def docs(view) -> BriefDocs:
    return render_brief(view)


SECTIONS = (
    "1. The decision",
    "2. How robust is the choice?",
    "3. Risks, and what is not known",
    "4. Order of opening, and what the plan answers",
    "Annex: method, data and solver report",
)


def _section(md: str, start: str, end: str | None = None) -> str:
    """The Markdown from the heading ``start`` to the next heading ``end`` (or the end)."""
    text = md[md.index(start) :]
    return text[: text.index(end)] if end else text


def test_brief_has_every_section_in_the_order_of_a_decision(docs):
    md, page = docs.markdown, docs.html
    tops = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert tops == list(SECTIONS)
    heads = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    assert heads == [h.replace("&", "&amp;") for h in SECTIONS]
    for sub in ("### A. The centres in detail", "### B. Method and criteria",
                "### C. Constraints and the solver", "### D. What Zhejiang already has",
                "### E. Assumptions, and the stages' raw counts", "### F. Sources and licences",
                "### Suggested order of opening", "#### §3.1 "):  # fmt: skip
        assert sub in md
    assert "![Map of the recommended centres](map.png)" in _section(md, "## 1.", "## 2.")
    assert '<img src="data:image/png;base64,' in page


def test_the_decision_comes_first_with_stability_figures(docs):
    decision = _section(docs.markdown, "## 1. The decision", "## 2.")
    assert "Zhejiang should open **4 new overseas innovation centres**" in decision
    assert "| # | Centre | What for | Why here | How stable |" in decision
    assert (
        "| 1 | Budapest, Hungary | New energy vehicles and Digital economy | share of score: "
        "rail freight time 31%; cooperation zone proximity 24%; innovation capacity: GII 19% "
        "| chosen in 97% of 200 weight draws (firm) |"
    ) in decision
    assert "chosen in 41% of 200 weight draws (fragile)" in decision
    assert "1 of the 4 centres was chosen in at least 80% of the draws (firm) and 2 in under " \
        "50% (fragile)" in decision
    # the plan's own survival, when the sweep measured it
    assert "this exact set of centres came back in 11.5% of the draws" in decision
    page = docs.html
    first = page[page.index("1. The decision</h2>") : page.index("2. How robust")]
    assert "chosen in 97% of 200 weight draws (firm)" in first
    assert "share of score: rail freight time 31%" in first


def test_no_plan_is_called_the_best_without_its_survival(view):
    for v in (
        view,
        dataclasses.replace(view, robustness=None, robustness_runs=0),
        dataclasses.replace(view, status="feasible", gap=0.034),
    ):
        docs = render_brief(v)
        for text in (docs.markdown, docs.html):
            assert not re.search(r"best possible|best plan|plan (is )?the best", text, re.I)
        decision = _section(docs.markdown, "## 1.", "## 2.")
        assert "weight draws" in decision or "Robustness not measured in this run" in decision


def test_draws_0_says_robustness_was_not_measured(view):
    docs = render_brief(dataclasses.replace(view, robustness=None, robustness_runs=0))
    md = docs.markdown
    decision = _section(md, "## 1.", "## 2.")
    assert "**Robustness not measured in this run** (planner run --draws 0)" in decision
    assert "| not measured |" in decision
    robust = _section(md, "## 2.", "## 3.")
    assert "Robustness not measured in this run: it was run with --draws 0" in robust
    assert "Robustness not measured in this run" in docs.html
    assert "uses readiness alone" in _section(md, "## 4.", "## Annex")


def test_reasons_are_shares_of_the_centre_score_not_weights(docs):
    md = docs.markdown
    assert "share of score: rail freight time 31%" in _section(md, "## 1.", "## 2.")
    assert "each criterion's part of this centre's own score, not the criterion's weight" in md
    annex = _section(md, "## Annex")
    assert "**Why here (each criterion's share of this centre's score of 0.74, not its " \
        "weight):** rail freight time 31%" in annex
    assert "| rail freight time | geographic | lower is better | h | 25.0% |" in annex
    assert "Each criterion's share of this centre's score of 0.74 (not its weight)" in docs.html


def test_each_centre_says_why_how_reached_and_risks(docs):
    md = docs.markdown
    annex = _section(md, "### A. The centres in detail", "### B.")
    budapest = annex[annex.index("#### 1. Budapest") : annex.index("#### 2. Madrid")]
    assert "Rail freight from the province's rail hub: 14 days (336 h)" in budapest
    assert "(one of the province's own), 180 km away" in budapest
    assert "chosen in 97% of the weight draws" in budapest
    jakarta = annex[annex.index("#### 3. Jakarta") : annex.index("#### 4.")]
    assert "Rail freight from the province's rail hub: not reachable" in jakarta
    assert "Where it is weaker:** rail freight time (score 0.00)" in jakarta
    risks = _section(md, "## 3.", "## 4.")
    assert "**1. Budapest, Hungary:** political stability: stable (World Bank WGI estimate " \
        "+0.62" in risks
    line = next(x for x in risks.splitlines() if x.startswith("- **3. Jakarta"))
    assert "cultural distance from China: no data" in line
    assert "science and technology agreement with China: not known" in line
    assert "not known for this city: cultural distance" in line


def test_proposals_of_seed_003_are_answered_honestly(docs):
    md = _section(docs.markdown, "### How the plan answers", "## Annex")
    for section in ("§3.1", "§3.2", "§3.3", "§3.4", "§3.5"):
        assert f"#### {section} " in md
    assert md.count("*Not covered:*") == 5
    # the Zhejiang zone nearest Budapest is 180 km away: not "near one of Zhejiang's own"
    assert "1 of the 4 centres lies within 100 km of an overseas economic and trade " \
        "cooperation zone of any sponsor; 0 within 100 km of a zone Zhejiang itself " \
        "sponsors." in md
    assert "2 of the 4 centres are within 50 km of a node city" in md
    assert "1 of the 4 centres is in a country that leads in science" in md
    assert "does not name the backbone enterprises" in md.replace("\n", " ")
    assert "Constraint applied: near cooperation zones." in md


def test_own_zone_counts_only_zones_the_province_sponsors_within_the_radius(view):
    zones = view.layers["cooperation_zones"].copy()
    # a Zhejiang zone 22 km from Budapest; the zone near Jakarta is another province's
    zones.loc[0, ["lon", "lat"]] = [19.3, 47.6]
    zones.geometry = gpd.points_from_xy(zones["lon"], zones["lat"], crs="EPSG:4326")
    v = dataclasses.replace(view, layers={**view.layers, "cooperation_zones": zones})
    md = render_brief(v).markdown
    assert "1 within 100 km of a zone Zhejiang itself sponsors: Budapest (22 km from " \
        "China-Hungary Borsod Zone)." in md
    assert "22 km from China-Hungary Borsod Zone, a zone Zhejiang sponsors" in (
        _section(md, "## 1.", "## 2.")
    )
    # and the order of opening puts the firm centre that builds on it first
    order = _section(md, "### Suggested order of opening", "### How the plan")
    first = order[order.index("**First wave:**") : order.index("**Third wave")]
    assert "(1) Budapest, Hungary: chosen in 97% of 200 weight draws (firm); 22 km from" in first
    assert "Madrid" not in first


def test_order_of_opening_states_its_rule_and_puts_fragile_centres_last(docs):
    order = _section(docs.markdown, "### Suggested order of opening", "### How the plan")
    assert "The rule: First wave: centres chosen in at least 80% of the weight draws that " \
        "build on something Zhejiang already has abroad (one of Zhejiang's own cooperation " \
        "zones within 100 km, or one of its existing centres within 300 km)." in order
    assert "**First wave:**" not in order  # nothing firm builds on a base in the example
    second = order[order.index("**Second wave:**") : order.index("**Third wave")]
    assert "(1) Budapest" in second
    third = order[order.index("**Third wave") :]
    assert third.index("(2) Madrid") < third.index("(3) Jakarta")  # more often chosen first


def test_the_annex_holds_the_solver_report_and_the_raw_counts(view):
    raw = "rail_time: 1,027 candidate(s) in 112 countries -> unreachable"
    screen = "host-country screen un_sanctions_st (UN sanctions): removed 9, 1,287 left"
    v = dataclasses.replace(view, warnings=[*view.warnings, raw, screen])
    md = render_brief(v).markdown
    body, annex = md[: md.index("## Annex")], _section(md, "## Annex")
    assert "Solver: pulp-cbc; status: optimal (proved by the solver); objective 2.710" in annex
    assert "Solver:" not in body
    for line in (raw, screen):
        assert md_escape(line) in annex
        assert md_escape(line) not in body
    # the notes written as sentences stay in the body, with the risks
    assert "12 candidate cities had no cultural distance value" in _section(md, "## 3.", "## 4.")
    page = render_brief(v).html
    assert page.index("Solver: pulp-cbc") > page.index("Annex: method")
    assert page.index("1,027 candidate(s)") > page.index("Annex: method")


def test_centres_are_grouped_by_kind_with_their_industry_reasons(view):
    centres = view.centres.copy()
    by_rank = centres.sort_values("rank")["name"].tolist()  # Budapest, Madrid, Jakarta, evil
    kinds = {by_rank[0]: "zone", by_rank[1]: "sourcing", by_rank[2]: "zone",
             by_rank[3]: "sourcing"}  # fmt: skip
    centres["kind"] = centres["name"].map(kinds)
    centres["kind_name"] = centres["kind"].map(
        {"zone": "zone upgrading", "sourcing": "science and technology sourcing"}
    )
    centres["industry_reasons"] = [
        ["Hungary's battery exports", "a strong ICT services trade"] if n == "Budapest"
        else f"{n} reason one | {n} reason two" if n == "Madrid"
        else {"Advanced materials": "nickel processing"} if n == "Jakarta"
        else []
        for n in centres["name"]
    ]  # fmt: skip
    v = dataclasses.replace(view, centres=centres)
    docs = render_brief(v)
    md = docs.markdown
    decision = _section(md, "## 1.", "## 2.")
    assert "of 2 kinds: 2 for zone upgrading and 2 for science and technology sourcing" in decision
    zone = decision[decision.index("### Zone upgrading (2 centres)") :]
    zone = zone[: zone.index("### Science and technology sourcing (2 centres)")]
    assert "| 1 | Budapest, Hungary | New energy vehicles: Hungary's battery exports; " \
        "Digital economy: a strong ICT services trade |" in zone
    assert "| 2 | Jakarta, Indonesia | Advanced materials: nickel processing |" in zone
    sourcing = decision[decision.index("### Science and technology sourcing") :]
    assert "| 3 | Madrid, Spain | Biomedicine (Madrid reason one; Madrid reason two) |" in sourcing
    assert "| 3 | Madrid (science and technology sourcing) | 64% |" in md
    assert "- **Kind:** zone upgrading." in _section(md, "### A.", "### B.")
    assert "<h3>Zone upgrading (2 centres)</h3>" in docs.html
    assert EVIL not in docs.html and "<script>" not in md
    # the static map numbers the centres as the brief does: by kind, then rank
    from planner.briefs import ordered_centres

    assert [r["name"] for r in ordered_centres(v)] == [by_rank[0], by_rank[2], by_rank[1],
                                                        by_rank[3]]  # fmt: skip
    assert render_static_map(v).startswith(b"\x89PNG")


def test_without_kinds_the_brief_has_no_kind_headings(docs):
    decision = _section(docs.markdown, "## 1.", "## 2.")
    assert "### " not in decision
    assert " kinds:" not in decision


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ("a | b", ["a", "b"]),
        ("a\nb", ["a", "b"]),
        ({"X": "a", "Y": None}, ["X: a"]),
        (float("nan"), []),
        (None, []),
    ],
)
def test_industry_reasons_are_read_in_each_form(value, expected):
    from planner.briefs import _industry_reasons

    assert _industry_reasons({"industry_reasons": value}) == expected


def test_data_strings_are_escaped_in_markdown_and_html(docs):
    for text in (docs.markdown, docs.html):
        assert EVIL not in text
        assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; &#34;Co&#34;" in (
        docs.html
    )
    assert '| &lt;script>alert("x")&lt;/script> O\'Brien & "Co", Testland |' in (
        docs.markdown
    )


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("*bold* _it_", "\\*bold\\* \\_it\\_"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("a | b", "a \\| b"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("# title", "\\# title"),
        ("<b>&", "&lt;b>&"),
        ("R&D -> 3 < 4", "R&D -> 3 < 4"),
        ("&amp; &#60;", "&amp;amp; &\\#60;"),
        ("> quoted", "\\> quoted"),
        ("line\nbreak", "line break"),
        (None, ""),
        (Markup("**kept**"), "**kept**"),
        (3.5, "3.5"),
    ],
)
def test_md_escape(raw, escaped):
    assert md_escape(raw) == escaped


def test_a_plan_not_proved_optimal_is_never_called_optimal(view):
    docs = render_brief(dataclasses.replace(view, status="feasible", gap=0.034))
    md = docs.markdown
    assert "did not prove that no other plan scores higher: one could score up to 3.4% more" in (
        _section(md, "## 1.", "## 2.")
    )
    annex = _section(md, "## Annex")
    assert "**The plan is not proved optimal.**" in annex
    assert "status: feasible, not proved optimal; gap to the best bound 3.40%" in annex
    assert "proved that no other plan" not in md
    assert "not proved optimal" in docs.html


def test_no_plan_still_gives_a_brief(view):
    empty = dataclasses.replace(
        view, status="infeasible", centres=view.centres.iloc[0:0], robustness=None, gap=float("nan")
    )
    docs = render_brief(empty)
    md = docs.markdown
    assert "**The run produced no plan.** The solver found no plan (infeasible" in md
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == list(SECTIONS)
    assert "### A. The centres" not in md and "Suggested order" not in md
    assert "Relax the constraints listed in the annex" in md


def test_robustness_section_gives_each_centre_its_share_and_rank_interval(docs):
    md = _section(docs.markdown, "## 2.", "## 3.")
    assert "changed at random 200 times around the scenario's own weights" in md
    assert "This exact set of 4 centres came back in 11.5% of the draws." in md
    assert "| 1 | Budapest | 97% | 1-2 | firm |" in md
    assert "| 2 | Madrid | 64% | 1-4 | in between |" in md
    assert "Firm choices (chosen in at least 80% of the draws): Budapest." in md
    assert "Fragile choices (under 50%): Jakarta and" in md


def _pixels(png: bytes):
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_static_map_is_a_picture_not_a_blank(view):
    png = render_static_map(view)
    assert png.startswith(b"\x89PNG")
    img = _pixels(png)
    assert img.shape[1] == 1200  # 10 in at 120 dpi
    assert img[..., :3].std() > 0.05
    assert render_static_map(view) == png  # deterministic


def test_save_brief_writes_every_file(view, tmp_path: Path):
    pytest.importorskip("fpdf", reason="the PDF brief needs fpdf2: pip install fpdf2")
    files = save_brief(view, tmp_path, pdf=True)
    assert [f.name for f in files] == ["brief.md", "brief.html", "map.png", "brief.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)
    pdf = (tmp_path / "brief.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) >= 2  # summary, map and centres do not fit on one page


def test_pdf_with_chinese_names_says_once_what_font_it_lacks(view, tmp_path: Path, caplog):
    pytest.importorskip("fpdf", reason="the PDF brief needs fpdf2: pip install fpdf2")
    from planner import briefs

    v = dataclasses.replace(view, title="中欧测试: " + view.title)  # the static map has no title
    with caplog.at_level(logging.WARNING):
        save_brief(v, tmp_path, pdf=True)
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")
    glyphs = [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    assert not glyphs  # not one line per glyph from fpdf
    ours = [r for r in caplog.records if "no font with Chinese glyphs" in r.getMessage()]
    assert len(ours) == (0 if briefs._cjk_font() else 1)


def test_save_brief_without_pdf(view, tmp_path: Path):
    files = save_brief(view, tmp_path, pdf=False)
    assert [f.name for f in files] == ["brief.md", "brief.html", "map.png"]


def test_bad_pdf_option_is_refused(view, tmp_path: Path):
    with pytest.raises(ValueError, match="pdf must be True, False or 'auto', got 'yes'"):
        save_brief(view, tmp_path, pdf="yes")  # type: ignore[arg-type]


def test_static_map_with_a_real_countries_frame(view):
    world = gpd.GeoDataFrame(
        {"name": ["a"]},
        geometry=gpd.GeoSeries.from_wkt(["POLYGON((0 0,10 0,10 10,0 0))"]),
        crs="EPSG:4326",
    )
    png = render_static_map(dataclasses.replace(view, layers={"countries": world}))
    assert _pixels(png)[..., :3].std() > 0.05


def test_brief_lists_existing_centres_and_what_each_new_one_adds(view):
    from _run_example import EVIL, example_existing

    docs = render_brief(dataclasses.replace(view, existing=example_existing()))
    md, page = docs.markdown, docs.html
    assert "They join the 3 centres Zhejiang already runs abroad, in Hungary, Israel and " \
        "United States (annex D)." in _section(md, "## 1.", "## 2.")
    annex = _section(md, "### D. What Zhejiang already has")
    assert "already runs 3 centres abroad, in Hungary, Israel and United States" in annex
    assert "city not given; counted by country" in annex
    assert "What it adds to the existing centres:** no new country (Hungary already has" in md
    assert "a new country (Spain)" in md
    # Budapest serves Biomedicine through the existing centre, Madrid's Biomedicine is not new
    madrid = _section(md, "#### 2. Madrid, Spain", "#### 3.")
    assert "industries no existing centre" not in madrid
    assert "<script>" not in md and EVIL not in page
    assert "&lt;script&gt;alert" in page
    blank = render_brief(view).markdown
    assert "They join the" not in blank
    assert "The run knows of no centre Zhejiang already runs abroad" in blank


def test_brief_lists_hosts_left_out_and_low_confidence(view):
    import pandas as pd

    excluded = pd.DataFrame(
        [
            {"rule": "screen:un_sanctions_st", "iso3": "PRK", "country": "North Korea",
             "reason": "UN Security Council resolution 2321 (2016)", "n_cities": 11},
            {"rule": "min_political_stability", "iso3": "ISR", "country": "Israel",
             "reason": "WGI political stability -1.46, below the floor -1.00", "n_cities": 3},
        ]
    )  # fmt: skip
    centres = view.centres.copy()
    centres["low_confidence"] = [True] + [False] * (len(centres) - 1)
    centres["imputed_weight_share"] = [0.4] + [0.05] * (len(centres) - 1)
    first = centres.sort_values("rank").iloc[0]["name"]
    v = dataclasses.replace(view, centres=centres, excluded=excluded, low_confidence_share=0.25)
    docs = render_brief(v)
    risks = _section(docs.markdown, "## 3.", "## 4.")
    for text in (risks, docs.html):
        assert "Risks, and what is not known" in text or text is risks
        assert "North Korea (11 candidate cities): UN Security Council resolution 2321" in text
        assert "Israel (WGI political stability -1.46" in text
        assert "LOW CONFIDENCE: 40%" in text
        assert "top 100" not in text.lower()
    assert f"| 1 | {first}, Hungary (low confidence) |" in docs.markdown


def test_static_map_labels_do_not_collide():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from planner.briefs import _overlaps, _place_label

    fig = Figure(figsize=(6, 3), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 50)
    renderer = FigureCanvasAgg(fig).get_renderer()
    placed: list = []
    # four centres within a few km of one another on the page (London, Amsterdam, ...)
    for i, xy in enumerate([(50, 25), (51, 25.5), (50.5, 24), (49.5, 25.2)]):
        _place_label(ax, renderer, f"{i + 1} A long city name", xy, placed)
    assert len(placed) == 4
    assert not any(_overlaps(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :])


def test_brief_numbers_centres_as_the_map_and_keeps_their_rank(docs):
    assert "| 1 | Budapest, Hungary |" in docs.markdown
    assert "#### 1. Budapest, Hungary" in docs.markdown
    assert "- **Rank among the candidates:** 1." in docs.markdown
    assert "<dt>Rank among the candidates</dt>" in docs.html


def test_static_map_keeps_the_train_line_ends_near_the_plan(view):
    from planner.briefs import _line_ends_near

    rail = view.layers["rail_lines"]
    # Madrid, the end of the Yiwu-Madrid line, is within reach of Budapest; Yiwu is not
    ends = _line_ends_near(rail, [(19.04, 47.5)])
    assert (-3.7, 40.42) in ends and (120.08, 29.31) not in ends
    assert _line_ends_near(rail, [(106.85, -6.21)]) == []  # a plan in Asia keeps its frame


def test_a_low_confidence_centre_opens_a_wave_later(view):
    centres = view.centres.copy()
    centres["low_confidence"] = [n == "Budapest" for n in centres["name"]]
    centres["imputed_weight_share"] = [0.4 if n == "Budapest" else 0.0 for n in centres["name"]]
    md = render_brief(dataclasses.replace(view, centres=centres)).markdown
    order = _section(md, "### Suggested order of opening", "### How the plan")
    third = order[order.index("**Third wave") :]
    assert "(1) Budapest, Hungary: chosen in 97% of 200 weight draws (firm); no base of " \
        "Zhejiang's within reach; low confidence in its data." in third
    assert "**Second wave:**" not in order


# ---------------------------------------------------------------------------- Chinese


@pytest.fixture(scope="module")
def zh_docs(view) -> BriefDocs:
    return render_brief(view, lang="zh")


def test_zh_brief_names_the_centres_countries_in_chinese(view, zh_docs):
    from planner.names import country_name

    iso3 = [str(i) for i in view.centres["iso3"] if str(i) in ("HUN", "ESP", "IDN")]
    assert iso3
    for code in iso3:
        zh = country_name(code, "zh", fallback=code)
        assert zh != code and zh in zh_docs.markdown and zh in zh_docs.html
    assert "海外创新中心" in zh_docs.markdown
    assert "境外经济贸易合作区" in zh_docs.markdown
    assert "义新欧" in zh_docs.markdown


def _used_brief_keys() -> set[str]:
    import re
    from pathlib import Path

    import planner.briefs

    source = Path(planner.briefs.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'_tr\(\s*lang,\s*"(brief\.[a-z0-9_.]+)"', source))


def test_every_brief_key_used_exists_in_every_language():
    from planner import i18n

    used = _used_brief_keys()
    assert len(used) > 80
    for lang in i18n.LANGUAGES:
        assert sorted(used - set(i18n.strings(lang))) == [], lang
    # the keys built at run time
    for tier in ("firm", "in_between", "fragile"):
        assert f"brief.tier.{tier}" in i18n.strings("zh")
    for m in ("method", "population", "random"):
        assert f"brief.backtest.method_{m}" in i18n.strings("zh")


def test_zh_templates_use_the_same_context_as_the_english_ones():
    import jinja2.meta

    from planner.briefs import _TEMPLATES, _template

    env = jinja2.Environment()
    for name in ("brief.md.j2", "brief.html.j2", "brief.pdf.j2", "brief_backtest.md.j2",
                 "brief_backtest.html.j2"):  # fmt: skip
        en = (_TEMPLATES / name).read_text(encoding="utf-8")
        zh = (_TEMPLATES / _template(name, "zh")).read_text(encoding="utf-8")
        assert jinja2.meta.find_undeclared_variables(env.parse(en)) == (
            jinja2.meta.find_undeclared_variables(env.parse(zh))
        ), name


ENGLISH_FRAGMENTS = (
    "The decision",
    "How robust is the choice",
    "of the weight draws",
    "Rail freight from the province",
    "higher is better",
    "Build on the overseas economic",
    "Not covered",
    "The solver",
    "what is not known",
    "a new country",
)


def test_zh_brief_has_no_english_sentence(zh_docs):
    for text in (zh_docs.markdown, zh_docs.html):
        for fragment in ENGLISH_FRAGMENTS:
            assert fragment.lower() not in text.lower(), fragment


def test_zh_brief_has_no_mojibake(zh_docs):
    for text in (zh_docs.markdown, zh_docs.html):
        assert "\ufffd" not in text
        assert "Ã" not in text and "â€" not in text
    assert '<html lang="zh-Hans">' in zh_docs.html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_data_strings_are_escaped_in_both_languages(view, lang):
    docs = render_brief(view, lang=lang)
    for text in (docs.markdown, docs.html):
        assert EVIL not in text
        assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; &#34;Co&#34;" in (
        docs.html
    )
    assert '&lt;script>alert("x")&lt;/script> O\'Brien & "Co"' in docs.markdown


def test_zh_files_are_named_apart_and_the_pdf_holds_chinese(view, tmp_path):
    pytest.importorskip("fpdf")
    pypdf = pytest.importorskip("pypdf")
    from planner import briefs

    if briefs._cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    en = {p.name for p in briefs.save_brief(view, tmp_path, lang="en")}
    zh = {p.name for p in briefs.save_brief(view, tmp_path, lang="zh")}
    assert {"brief.zh.md", "brief.zh.html", "map.zh.png", "brief.zh.pdf"} <= zh
    assert {"brief.md", "brief.html", "map.png", "brief.pdf"} <= en
    pages = pypdf.PdfReader(tmp_path / "brief.zh.pdf").pages
    # pypdf reads fpdf2's two-byte glyph codes with a NUL between characters
    text = "".join(p.extract_text() for p in pages).replace("\x00", "")
    assert "海外创新中心" in text and "决策建议" in text
    assert "\ufffd" not in text


def test_zh_without_a_cjk_font_warns_and_writes_markdown_and_html(view, tmp_path, monkeypatch,
                                                                  caplog):  # fmt: skip
    pytest.importorskip("fpdf")
    from planner import briefs

    monkeypatch.setattr(briefs, "_cjk_font", lambda: None)
    with caplog.at_level("WARNING", logger="planner.briefs"):
        names = {p.name for p in briefs.save_brief(view, tmp_path, lang="zh")}
    assert {"brief.zh.md", "brief.zh.html"} <= names
    assert "brief.zh.pdf" not in names and not (tmp_path / "brief.zh.pdf").exists()
    assert "fonts-noto-cjk" in caplog.text and "brief.zh.pdf not written" in caplog.text
    with pytest.raises(briefs.OutputError, match="fonts-noto-cjk"):
        briefs.save_brief(view, tmp_path / "strict", lang="zh", pdf=True)


def test_format_helpers_in_chinese():
    from planner import _format as fmt

    assert fmt.money_usd(318.8e9, lang="zh") == "3,188亿美元"
    assert fmt.money_usd(318.8e9) == "US$ 318.8 billion"
    assert fmt.date("2025-10-03", lang="zh") == "2025年10月3日"
    assert fmt.date("2025-10-03") == "2025-10-03"
    assert fmt.km(1234.4, lang="zh") == "1,234公里"
    assert fmt.hours(312, lang="zh") == "13天（312小时）"
    assert fmt.join_words(["甲", "乙", "丙"], lang="zh") == "甲、乙和丙"


# --------------------------------------------------------------- the Chinese brief of a real run


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the default scenario in Chinese and English (a few weight draws)."""
    from click.testing import CliRunner

    from planner.cli import main

    out = tmp_path_factory.mktemp("runs") / "zh"
    result = CliRunner().invoke(
        main, ["-q", "run", "--out", str(out), "--draws", "5", "--lang", "zh,en"]
    )
    assert result.exit_code == 0, result.output
    return out


def _latin_allowed(run: Path) -> set[str]:
    """Latin words the Chinese brief may hold before its annex B: city names GeoNames has
    no Chinese name for (written in English, never transliterated), the sections folded
    into a city, airport codes, file names, the commands it names and the author of design
    source 003 (her name is published in Latin letters only)."""
    import pandas as pd

    from planner.names import city_name

    cand = pd.read_csv(run / "candidates.csv")
    words: set[str] = {"zhejiang", "planner", "criteria", "draws", "robustness", "png", "map"}
    for r in cand.to_dict("records"):
        if city_name(r["city_id"], "zh", str(r["name"])) == str(r["name"]):
            words |= set(re.findall(r"[A-Za-z]+", str(r["name"])))
        if isinstance(r.get("merged_from"), str):
            words |= set(re.findall(r"[A-Za-z]+", r["merged_from"]))
    words |= {"OpenFlights", "Hangzhou", "Xiaoshan", "International", "Airport", "Ningbo",
              "Zhoushan", "ODbL", "Lingling"}  # fmt: skip
    return {w.casefold() for w in words}


def test_zh_brief_of_a_real_run_has_no_english_before_its_reference_annexes(zh_run):
    allowed = _latin_allowed(zh_run)
    md = (zh_run / "brief.zh.md").read_text(encoding="utf-8")
    html = (zh_run / "brief.zh.html").read_text(encoding="utf-8")
    body_html = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])
    body_html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", " ", body_html)
    for text, end in ((md, "### B."), (body_html, "B. 方法与指标")):
        head = text.split(end, 1)[0]
        # the annexes B-F hold bibliographic references and the stages' raw English records,
        # under headings that say so
        latin = {w for w in re.findall(r"[A-Za-z]{5,}", head) if w.casefold() not in allowed}
        assert not latin, sorted(latin)
    assert "原始英文记录" in md
    head = md.split("### B.", 1)[0]
    for english in ("Biotechnology and new medicine", "Vietnam Longjiang", "新加坡新加坡",
                    "at least", "UN Security Council", "below the floor",
                    "candidate cities folded", "Countries that already have"):  # fmt: skip
        assert english not in head, english


def test_zh_brief_of_a_real_run_writes_every_constraint_family_in_chinese(zh_run):
    import json

    record = json.loads((zh_run / "run.json").read_text(encoding="utf-8"))
    md = (zh_run / "brief.zh.md").read_text(encoding="utf-8")
    table = md.split("### C.", 1)[1].split("### D.", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    families = [c["name"] for c in record["constraints"]]
    assert len(rows) == len(families) + 1  # and the header
    for row in rows[1:]:
        first = row.split("|")[1]
        assert not re.search(r"[A-Za-z]{3,}", first), row
    assert (
        "“沿走廊合作区转型升级”类新设中心2至3个，"
        "每个中心须距浙江省建设的境外经济贸易合作区不超过150公里"
    ) in md
    assert "新设中心8个，另有现有中心9个（共17个）" in md
    assert "至少2个中心距国际班列节点城市不超过50公里" in md
    assert "政治稳定性不低于-1（数据缺失视为不满足）" in md
    assert "任意两个中心（新设或现有）相距不少于100公里" in md
    en = (zh_run / "brief.md").read_text(encoding="utf-8")
    assert "exactly 8 new centres beside 9 existing (17 in all)" in en


def test_zh_brief_of_a_real_run_gives_the_screens_and_the_floor_in_chinese(zh_run):
    md = (zh_run / "brief.zh.md").read_text(encoding="utf-8")
    assert "联合国安全理事会第2321（2016）号决议" in md
    assert "与台湾当局维持所谓“外交关系”" in md
    assert re.search(r"阿富汗（世界银行全球治理指标政治稳定性估计值为-\d\.\d\d，低于下限-1\.00", md)
    en = (zh_run / "brief.md").read_text(encoding="utf-8")
    assert "below the floor -1.00" in en and "联合国" not in en


def test_zh_brief_of_a_real_run_gives_each_industry_its_reason_in_chinese(zh_run):
    import pandas as pd

    from planner import names
    from planner.criteria import reason_parts_from_json

    md = (zh_run / "brief.zh.md").read_text(encoding="utf-8")
    decision = md.split("## 二、", 1)[0]
    rows = {line.split("|")[2].strip(): line.split("|")[3] for line in decision.splitlines()
            if re.match(r"\| \d+ \|", line)}  # fmt: skip
    plan = pd.read_csv(zh_run / "plan.csv")
    assert len(rows) == len(plan)
    for r in plan.to_dict("records"):
        place = names.country_name(r["iso3"], "zh", r["country"]) + names.city_name(
            r["city_id"], "zh", r["name"]
        )
        what_for = rows[place if place in rows else names.city_name(r["city_id"], "zh", r["name"])]
        served = str(r["industries"]).split("; ")
        parts = reason_parts_from_json(r["industry_reason_parts"])
        assert [p["industry_id"] for p in parts] and len(parts) == len(served)
        # one reason per industry served, each led by the industry's Chinese name
        heads = re.findall(r"(?:^|；)\s*([^；：]+)：", what_for)
        assert [h.strip() for h in heads] == [
            names.industry_name(p["industry_id"], "zh", "") for p in parts
        ], what_for
        assert "居候选国家" in what_for
    hcmc = next(v for k, v in rows.items() if "胡志明" in k)
    assert hcmc.count("浙江省建设的越南龙江工业园（相距59公里），产业涵盖") == 2
    assert "Longjiang" not in hcmc and "candidate countries" not in hcmc
    # English unchanged
    en = (zh_run / "brief.md").read_text(encoding="utf-8")
    assert "Information technology: Zhejiang's Vietnam Longjiang Industrial Park (59 km away) " \
        "works in electronics; high-technology exports" in en


def test_zh_run_draws_its_own_robustness_chart_and_links_it(zh_run):
    import json

    zh_chart = (zh_run / "robustness.zh.png").read_bytes()
    assert zh_chart.startswith(b"\x89PNG") and zh_chart != (zh_run / "robustness.png").read_bytes()
    md = (zh_run / "brief.zh.md").read_text(encoding="utf-8")
    assert "](robustness.zh.png)" in md and "](robustness.png)" not in md
    assert "](robustness.png)" in (zh_run / "brief.md").read_text(encoding="utf-8")
    outputs = json.loads((zh_run / "run.json").read_text(encoding="utf-8"))["outputs"]
    assert "robustness.zh.png" in outputs["zh"] and "robustness.png" not in outputs["zh"]
    assert "robustness.png" in outputs["en"]


def test_zh_robustness_chart_is_drawn_in_chinese_and_falls_back_without_a_font(
    view, tmp_path, monkeypatch, caplog
):
    import base64

    import numpy as np

    from planner import briefs
    from planner.analysis import robustness_chart_png

    if briefs._cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    english = robustness_chart_png(
        ["a (HUN)"], np.array([0.5]), np.array([0.1]), np.array([True]), xlabel="x", title="t"
    )
    v = dataclasses.replace(view, robustness_png=english)
    docs = briefs.render_brief(v, lang="zh")
    assert docs.robustness_file == "robustness.zh.png"
    assert docs.robustness_png.startswith(b"\x89PNG") and docs.robustness_png != english
    assert "](robustness.zh.png)" in docs.markdown
    assert base64.b64encode(docs.robustness_png).decode("ascii") in docs.html
    # English: the run's own chart, as it is
    en = briefs.render_brief(v)
    assert (en.robustness_file, en.robustness_png) == ("robustness.png", english)
    assert "](robustness.png)" in en.markdown
    # the chart's labels and title are the locale's, the city names Chinese ones
    from planner import i18n

    labels: list[str] = []
    real = briefs._tr

    def spy(lang, key, /, **values):
        text = real(lang, key, **values)
        if key.startswith("brief.robustness_chart."):
            labels.append(text)
        return text

    monkeypatch.setattr(briefs, "_tr", spy)
    briefs.render_brief(v, lang="zh")
    assert i18n.text("zh", "brief.robustness_chart.title") in labels
    assert "布达佩斯（匈牙利）" in labels
    assert not any(re.search(r"[A-Za-z]{4,}", t) for t in labels if "script" not in t)
    monkeypatch.setattr(briefs, "_tr", real)
    # without a CJK font: the English chart under its English name, and a warning
    monkeypatch.setattr(briefs, "_cjk_font", lambda: None)
    with caplog.at_level("WARNING", logger="planner.briefs"):
        names = {p.name for p in briefs.save_brief(v, tmp_path, pdf=False, lang="zh")}
    assert "robustness.png" in names and "robustness.zh.png" not in names
    assert (tmp_path / "robustness.png").read_bytes() == english
    assert "](robustness.png)" in (tmp_path / "brief.zh.md").read_text(encoding="utf-8")
    assert "robustness.zh.png not drawn" in caplog.text and "fonts-noto-cjk" in caplog.text
