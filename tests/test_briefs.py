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


def test_brief_has_every_section(docs):
    for heading in (
        "## Summary",
        "## The centres",
        "### 1. Budapest, Hungary",
        "## How the plan answers the proposals for Zhejiang",
        "## How robust is the choice?",
        "## Method",
        "## Assumptions and data",
    ):
        assert heading in docs.markdown
    assert "![Map of the recommended centres](map.png)" in docs.markdown
    assert '<img src="data:image/png;base64,' in docs.html


def test_summary_names_the_centres_and_what_they_serve(docs):
    assert "**4 overseas innovation centres**: Budapest (Hungary), Madrid (Spain)" in docs.markdown
    assert "| 1 | Budapest | Hungary | New energy vehicles and Digital economy | 0.74 |" in (
        docs.markdown
    )
    assert "The solver proved this plan the best possible" in docs.markdown


def test_each_centre_says_why_how_reached_and_risks(docs):
    md = docs.markdown
    budapest = md[md.index("### 1. Budapest") : md.index("### 2. Madrid")]
    assert "comes mostly from rail freight time (31%)" in budapest
    assert "Rail freight from the province's rail hub: 14 days (336 h)" in budapest
    assert "(one of the province's own), 180 km away" in budapest
    assert "Political stability: stable (World Bank WGI estimate +0.62" in budapest
    assert "chosen in 97% of the sensitivity runs" in budapest
    jakarta = md[md.index("### 3. Jakarta") : md.index("### 4.")]
    assert "Rail freight from the province's rail hub: not reachable" in jakarta
    assert "Cultural distance from China: no data" in jakarta
    assert "Science and technology agreement with China: not known" in jakarta
    assert "Not known for this city (left out of its score, or counted conservatively): " \
        "cultural distance" in jakarta
    assert "Where it is weaker:** rail freight time (score 0.00)" in jakarta


def test_proposals_of_seed_003_are_answered_honestly(docs):
    md = docs.markdown
    for section in ("§3.1", "§3.2", "§3.3", "§3.4", "§3.5"):
        assert f"### {section} " in md
    assert md.count("*Not covered:*") == 5
    assert "2 of the 4 centres lie within 300 km of an overseas economic and trade" in md
    assert "1 near one of Zhejiang's own zones" in md
    assert "2 of the 4 centres are within 100 km of a node city" in md
    assert "1 of the 4 centres is in a country that leads in science" in md
    assert "does not name the backbone enterprises" in md.replace("\n", " ")
    assert "Constraint applied: near cooperation zones." in md


def test_data_strings_are_escaped_in_markdown_and_html(docs):
    for text in (docs.markdown, docs.html):
        assert EVIL not in text
        assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; &#34;Co&#34;" in (
        docs.html
    )
    assert '&lt;script>alert("x")&lt;/script> O\'Brien & "Co" (Testland)' in (
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
    assert "did not prove it the best possible: a better plan could score up to 3.4% more" in md
    assert "**The plan is not proved optimal.**" in md
    assert "proved this plan the best" not in md
    assert "status: feasible, not proved optimal; gap to the best bound 3.40%" in md
    assert "not proved optimal" in docs.html


def test_no_plan_still_gives_a_brief(view):
    empty = dataclasses.replace(
        view, status="infeasible", centres=view.centres.iloc[0:0], robustness=None, gap=float("nan")
    )
    docs = render_brief(empty)
    assert "**The run produced no plan.** The solver found no plan (infeasible" in docs.markdown
    assert "## The centres\n\n## How the plan" in docs.markdown
    assert "How robust" not in docs.markdown


def test_robustness_section_only_with_a_sensitivity_run(view):
    docs = render_brief(dataclasses.replace(view, robustness=None, robustness_runs=0))
    assert "How robust" not in docs.markdown and "How robust" not in docs.html
    md = render_brief(view).markdown
    assert "over 200 runs" in md
    assert "Firm choices (chosen in at least 80% of runs): Budapest." in md
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
    assert "## What Zhejiang already has" in md
    assert "already runs 3 centres abroad, in Hungary, Israel and United States" in md
    assert "city not given; counted by country" in md
    assert "What it adds to the existing centres:** no new country (Hungary already has" in md
    assert "a new country (Spain)" in md
    # Budapest serves Biomedicine through the existing centre, Madrid's Biomedicine is not new
    madrid = md.split("Madrid, Spain")[1].split("###")[0]
    assert "industries no existing centre" not in madrid
    assert "<script>" not in md and EVIL not in page
    assert "&lt;script&gt;alert" in page
    assert "What Zhejiang already has" not in render_brief(view).markdown


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
    for text in (docs.markdown, docs.html):
        assert "Hosts left out, and what is not known" in text
        assert "North Korea (11 candidate cities): UN Security Council resolution 2321" in text
        assert "Israel (WGI political stability -1.46" in text
        assert "LOW CONFIDENCE: 40%" in text
        assert "top 100" not in text.lower()
    assert f"| {first} (low confidence) |" in docs.markdown


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
    assert "| # | Centre | Country | Serves | Score (0-1) | Rank among candidates |" in (
        docs.markdown
    )
    assert "Rank among candidates</th>" in docs.html
