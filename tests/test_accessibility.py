"""The HTML pack meets WCAG 2.2 A and AA as far as a machine can tell, in a real browser.

The demo pack (`make report`'s 40 workbooks) and the same year reported with `--previous` (the
change since last year adds a section, a panel of the heat map and a table to every profile) are opened
in the system's headless Chromium, and axe-core checks them against every rule tagged WCAG 2.0, 2.1
and 2.2 A and AA, and its best practices, at a desktop width, and (in `make slow`, which CI runs) the
pack with the change at 320 CSS pixels too (WCAG 1.4.10 Reflow: 1280 px zoomed to 400%). At 320 px
neither page may scroll sideways: wide tables scroll in their own region. The pack with the change
holds every page of the other, so `make test` checks it in the browser, and `make slow` both. A second
year of many moves (tests/year_set.py's MOVES) is checked too, and, at 1280 px, that the register's
column headings are in view when it is scrolled to its middle row, and, in a pack of 60 partnerships,
that no link reached with Tab or Shift+Tab in a table's region is left under its headings. puppeteer-core and axe-core come from npm at the versions pinned in
tests/browser/package-lock.json; `make test` installs them (`npm ci`).

What a machine cannot judge (whether a text alternative says what a chart shows, whether colour alone
carries a meaning) has its own tests below, on the pack's own words and the charts' own marks.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from year_set import MOVES, write_years_of_moves
from pipeline.pack.charts import CHART_TITLES

BROWSER = Path(__file__).parent / "browser"
#: axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its
#: best practices (landmarks, one main, headings), which the pack meets too.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
#: The charts of the strategy's questions (the network chart has tests of its own).
CHARTS = tuple(CHART_TITLES)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and NODE and (BROWSER / "node_modules" / "axe-core").is_dir()),
    reason="needs Chromium, Node.js and tests/browser/node_modules (`make test` runs npm ci; .ci/run installs "
    "chromium and nodejs)",
)


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("a11y")
    run("demo", "--out", str(root / "returns-2025"), "--count", "40", "--seed", "2026", "--year", "2025")
    run("report", str(root / "returns-2025"), "--out", str(root / "2025"), "--as-of", "2025-05-01", "--no-pdf")
    run("demo", "--out", str(root / "returns-2026"), "--count", "40", "--seed", "2026")
    run("report", str(root / "returns-2026"), "--out", str(root / "2026"), "--as-of", "2026-05-01", "--no-pdf")
    run(
        "report",
        str(root / "returns-2026"),
        "--out",
        str(root / "2026-change"),
        "--as-of",
        "2026-05-01",
        "--previous",
        str(root / "2025"),
        "--no-pdf",
    )
    return {"demo": root / "2026" / "review_pack.html", "with change": root / "2026-change" / "review_pack.html"}


def check_pages(pages: list[str], profile: Path) -> list[dict]:
    """tests/browser/check_pages.mjs on the pages (`narrow:PAGE` for axe at 320 px too), in Chromium."""
    result = subprocess.run(
        [NODE, str(BROWSER / "check_pages.mjs"), CHROMIUM, str(profile), ",".join(AXE_TAGS), *pages],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=BROWSER,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def checked(packs, tmp_path_factory):
    """A pack (by name) with axe at 1280 px, whether it reflows at 320 px and its tables at 390 px: each
    checked once, when a test first asks for it."""
    found: dict[str, dict] = {}

    def entry(pack: str) -> dict:
        if pack not in found:
            [found[pack]] = check_pages([str(packs[pack])], tmp_path_factory.mktemp("chromium-profile"))
        return found[pack]

    return entry


#: The packs the browser checks; the plain demo pack's pages are all in the pack with the change (which
#: adds the change pages and each profile's trend), so `make test` checks that one and `make slow` both.
BROWSER_PACKS = [pytest.param("demo", marks=pytest.mark.slow), "with change"]


def _explain(violations: list[dict]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}, {rule['count']} at {rule['width']} px): {rule['help']}")
        lines.extend(f"    {node['target']}: {node['summary'].splitlines()[-1].strip()}" for node in rule["nodes"][:3])
    return "\n".join(lines)


@needs_browser
@pytest.mark.parametrize("pack", BROWSER_PACKS)
def test_axe_core_finds_no_wcag_2_2_aa_violation(checked, pack):
    violations = checked(pack)["violations"]
    assert not violations, "\n" + _explain(violations)


@needs_browser
@pytest.mark.slow  # axe on a whole pack takes about ten seconds a width: kept out of `make test`'s three minutes
def test_axe_core_finds_no_violation_at_320_px_either(packs, tmp_path):
    """axe at 320 px on the pack with earlier years, which has every page of the other and adds the
    change pages and each profile's trend: what only a narrow screen shows (a target too small, a region
    that scrolls) is checked too. `make slow`, which CI runs."""
    [entry] = check_pages([f"narrow:{packs['with change']}"], tmp_path / "chromium-profile")
    violations = entry["violations"]
    assert not violations, "\n" + _explain(violations)


@needs_browser
@pytest.mark.parametrize("pack", BROWSER_PACKS)
def test_the_page_reflows_at_320_px_without_scrolling_sideways(checked, pack):
    reflow = checked(pack)["reflow"]
    assert reflow["scrollWidth"] <= reflow["clientWidth"], reflow["culprits"]


@needs_browser
@pytest.mark.parametrize("pack", BROWSER_PACKS)
def test_on_a_phone_only_tables_of_many_columns_scroll_sideways(checked, pack):
    """At 390 px (a phone held upright) a table of a few columns is read without scrolling sideways: the
    ratings' five columns, the actions by status' two, the shared organisations' three. Wide tables (the
    register, a profile's Improvement Tool) still scroll in their own region."""
    scrolled = checked(pack)["phone"]
    few = [
        f"{table['caption']} ({table['columns']} columns, {table['width']} px in {table['room']})"
        for table in scrolled
        if table["columns"] <= 3
    ]
    assert not few, few
    assert "Partnerships by rating" not in {table["caption"] for table in scrolled}
    assert "The partnership register: one row per workbook" in {table["caption"] for table in scrolled}


@needs_browser
def test_the_registers_headings_stay_in_view_half_way_down_it(checked):
    """A reader half-way down a long register (row 200 of 300) could not tell which column was which: its
    headings had scrolled away with the page. On a wide screen its region scrolls down as well as sideways,
    no taller than the window, and the headings stay at its top, above the row read."""
    headings = checked("with change")["registerHeadings"]
    assert headings["rows"] >= 40 and headings["seen"], headings
    assert headings["headingsBottom"] <= headings["rowTop"], headings


@pytest.fixture(scope="module")
def long_pack(tmp_path_factory) -> Path:
    """A pack of 60 partnerships: its register and its possible duplication scroll in their regions."""
    root = tmp_path_factory.mktemp("long")
    run("demo", "--out", str(root / "returns"), "--count", "60", "--seed", "2026")
    run("report", str(root / "returns"), "--out", str(root / "2026"), "--as-of", "2026-05-01", "--no-pdf")
    return root / "2026" / "review_pack.html"


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
@needs_browser
def test_a_link_reached_with_the_keyboard_is_never_under_a_tables_headings(long_pack, tmp_path):
    """Moving up the register with Shift+Tab at 1280 px, 6 of its 60 links were focused wholly under its
    column headings, which stay at the top of its region (WCAG 2.4.11, focus not obscured). Every link of
    every region that scrolls down, the register's and the possible duplication's among them, is now seen
    when focused, going forwards and back; and no region's headings, however many lines they wrap to,
    stand taller than the room it keeps above a focused link."""
    [entry] = check_pages([f"keys:{long_pack}"], tmp_path / "chromium-profile")
    walked = {region["label"]: region for region in entry["keyboard"]}
    assert walked["register-table"]["forward"] == walked["register-table"]["backward"] == 60, walked
    assert walked["Possible duplication table"]["backward"] >= 20, walked
    covered = [
        f"{label}: {len(region['covered'])} of {region['forward'] + region['backward']} focused links covered, "
        f"e.g. {region['covered'][0]}"
        for label, region in walked.items()
        if region["covered"]
    ]
    assert not covered, "\n" + "\n".join(covered)
    assert not entry["headingsOverPadding"], entry["headingsOverPadding"]


@pytest.fixture(scope="module")
def many_moves(tmp_path_factory) -> Path:
    """The second year of tests/year_set.py's MOVES: 20 partnerships got worse, 8 of them now Red."""
    root = tmp_path_factory.mktemp("moves")
    first, second = write_years_of_moves(root)
    run("report", str(first), "--out", str(root / "2026"), "--as-of", "2026-04-30", "--no-pdf")
    previous = ("--previous", str(root / "2026"))
    run("report", str(second), "--out", str(root / "2027"), "--as-of", "2027-04-30", *previous, "--no-pdf")
    return root / "2027" / "review_pack.html"


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
@needs_browser
def test_a_year_of_many_moves_passes_too(many_moves, tmp_path):
    """The summary's counts and worst moves, and the section listing every move, pass axe at 1280 px
    and reflow at 320 px."""
    assert f"{MOVES['worse']} partnerships got worse" in many_moves.read_text(encoding="utf-8")
    [entry] = check_pages([str(many_moves)], tmp_path / "chromium-profile")
    assert not entry["violations"], "\n" + _explain(entry["violations"])
    assert entry["reflow"]["scrollWidth"] <= entry["reflow"]["clientWidth"], entry["reflow"]["culprits"]


@needs_browser
def test_the_browser_fetches_nothing_for_the_pack(checked):
    assert not checked("with change")["requested"]


@pytest.mark.parametrize("pack", ["demo", "with change"])
def test_every_table_has_a_caption_and_every_link_more_than_an_id(packs, pack):
    page = packs[pack].read_text(encoding="utf-8")
    tables = re.findall(r"<table\b[^>]*>\s*(<caption\b)?", page)
    assert tables and all(tables), f"{tables.count('')} of {len(tables)} tables have no caption"
    for text in re.findall(r"<a\b[^>]*>(.*?)</a>", page, flags=re.S):
        assert not re.fullmatch(r"\s*[A-Z]-\d+\s*", text), text  # a bare ID says nothing on its own


# --- What a machine cannot judge: the charts' words, tables and marks ------------------------------


def _results(pack: Path) -> dict:
    return json.loads((pack.parent / "results.json").read_text(encoding="utf-8"))


def _chart(pack: Path, name: str) -> str:
    return (pack.parent / "charts" / f"{name}.svg").read_text(encoding="utf-8")


def _desc(svg: str) -> str:
    return html.unescape(re.search(r"<desc [^>]*>(.*?)</desc>", svg, flags=re.S).group(1))


def _counted(data: dict) -> list[dict]:
    """The returns the charts count: assessed, in scope, each Partnership ID once."""
    return [item for item in data["partnerships"] if item["assessed"] and item["in_scope"] and item["counted"]]


@pytest.mark.parametrize("pack", ["demo", "with change"])
def test_every_chart_is_an_image_named_and_described_for_screen_readers(packs, pack):
    page = packs[pack].read_text(encoding="utf-8")
    for name in CHARTS:
        svg = _chart(packs[pack], name)
        root = svg[: svg.index(">")]
        assert 'role="img"' in root and f'aria-labelledby="{name}-title"' in root, name
        assert f'aria-describedby="{name}-desc"' in root, name
        assert len(_desc(svg)) > 60, name  # a sentence or more, not the heading again
        description = re.search(r"<desc .*?</desc>", svg, flags=re.S).group(0)
        assert root in page and description in page, name  # the pack inlines this very chart
        # ... with the figures behind it in a table a screen reader can walk, behind a <details>.
        details = page[page.index(f'id="chart-{name}"') :]
        details = details[: details.index("</figure>")]
        assert "<details" in details and "<summary>" in details and '<th scope="row">' in details, name


def test_the_heat_maps_text_gives_the_counts_by_band(packs):
    data = _results(packs["demo"])
    bands = Counter(risk["band"] for item in _counted(data) for risk in item["risks"])
    text = _desc(_chart(packs["demo"], "risk_heat_map"))
    assert f"{sum(bands.values())} rated risks" in text
    for band in ("Low", "Medium", "High"):
        assert f"{bands[band]} {band} " in text, band
    cells = Counter((risk["likelihood"], risk["impact"]) for item in _counted(data) for risk in item["risks"])
    for (likelihood, impact), count in cells.items():
        if likelihood * impact > 12:
            assert f"{count} at likelihood {likelihood} and impact {impact}" in text


def test_the_heat_maps_table_holds_every_cell(packs):
    data = _results(packs["demo"])
    cells = Counter((risk["likelihood"], risk["impact"]) for item in _counted(data) for risk in item["risks"])
    page = packs["demo"].read_text(encoding="utf-8")
    table = page[page.index('id="chart-risk_heat_map-data"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(\d) [^<]*</th>(.*?)</tr>", table)
    assert [int(impact) for impact, _ in rows] == [5, 4, 3, 2, 1]
    for impact, cells_html in rows:
        shown = [int(count) for count in re.findall(r"<td>(\d+) \((?:Low|Medium|High)\)</td>", cells_html)]
        assert shown == [cells.get((likelihood, int(impact)), 0) for likelihood in range(1, 6)], impact


def test_the_ranked_risks_text_names_them_in_order_with_their_averages(packs):
    scores: dict[str, list[int]] = {}
    for item in _counted(_results(packs["demo"])):
        for risk in item["risks"]:
            scores.setdefault(risk["ref"], []).append(risk["score"])
    ranked = sorted((-sum(values) / len(values), ref) for ref, values in scores.items() if ref <= "R09")
    text = _desc(_chart(packs["demo"], "strategy_risks_ranked"))
    assert re.findall(r"\bR0[1-9]\b", text) == [ref for _, ref in ranked], text
    for average, ref in ranked:
        assert f"{-average:.1f}" in text, ref


def test_the_action_chart_says_the_totals(packs):
    totals = Counter()
    for item in _counted(_results(packs["demo"])):
        totals.update(item["actions"])
    text = _desc(_chart(packs["demo"], "action_status"))
    assert f"{totals['Not started'] + totals['In progress'] + totals['Complete']} improvement actions" in text
    assert (
        f"{totals['Not started']} not started, {totals['In progress']} in progress and "
        f"{totals['Complete']} complete. {totals['overdue']} are overdue" in text
    )


def test_the_heat_map_with_change_says_which_risks_moved(packs):
    text = _desc(_chart(packs["with change"], "risk_heat_map"))
    moved = json.loads((packs["with change"].parent / "results.json").read_text(encoding="utf-8"))
    risks = moved["change_since_previous"]["risks"]
    for risk in risks:
        if risk.get("direction") in ("up", "down"):
            assert risk["ref"] in text, risk["ref"]
    assert "Risk movement table" in text


def test_no_chart_carries_a_meaning_by_colour_alone(packs):
    """Ratings and bands are hatched as well as coloured (each its own pattern), the heat map's bands
    step clearly from light to dark, and no label is white on a colour (under 4.5:1 on the palette)."""
    from pipeline.pack import charts, palette

    hatches = [hatch for hatch in charts.RAG_HATCHES.values()]
    assert len(set(hatches)) == len(hatches)
    assert len(set(charts.BAND_HATCHES.values())) == len(charts.BAND_HATCHES)
    low, medium, high = (palette.BAND_COLOURS[band] for band in ("Low", "Medium", "High"))
    assert _contrast(low, medium) >= 1.4 and _contrast(medium, high) >= 1.4 and _contrast(low, high) >= 2.5
    for colour in palette.BAND_COLOURS.values():
        assert _contrast(colour, palette.CHART_INK) >= 4.5 and _contrast(colour, palette.TEXT) >= 4.5
    for name in CHARTS:
        svg = _chart(packs["demo"], name)
        assert not re.search(r"<text[^>]*style=\"[^\"]*fill: ?#ffffff", svg), name
    assert _chart(packs["demo"], "rag_by_service_area").count("<pattern") >= 3  # Red, Amber and Out of scope


def test_the_page_takes_every_colour_from_the_palette_the_charts_draw_with():
    """The stylesheet and the templates write no colour of their own (each is the palette's), and the
    page's coloured words read at 4.5:1 on white."""
    from pipeline.pack import palette
    from pipeline.pack.html import stylesheet

    templates = Path(__file__).parent.parent / "report_templates"
    for path in templates.glob("*.j2"):
        assert not re.search(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b", path.read_text(encoding="utf-8")), path.name
    source = (templates / "pack.css.j2").read_text(encoding="utf-8")
    css = stylesheet()
    for name, colour in palette.STYLESHEET.items():
        assert f"colour.{name} }}}}" in source and colour in css, name
    for colour in (palette.TEXT, palette.TEXT_MUTED, palette.ACCENT, palette.WORSE_TEXT, palette.BETTER_TEXT):
        assert _contrast(colour, "#ffffff") >= 4.5, colour


def _contrast(first: str, second: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[index : index + 2], 16) / 255 for index in (0, 2, 4)]
        linear = [value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_chart_draws_its_own_white_ground_for_dark_pages(packs):
    """In Windows High Contrast (dark) or a dark page the profiles' trends had no ground of their own:
    their dark text sat on black at 1.3:1, while the other charts kept their white ground."""
    page = packs["with change"].read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    trends = [svg for svg in svgs if 'class="trend-chart"' in svg]
    assert trends
    for svg in svgs:
        drawing = re.sub(
            r"<(title|desc)\b.*?</\1>|<defs\b.*?</defs>|<metadata\b.*?</metadata>|<style\b.*?</style>",
            "",
            svg,
            flags=re.S,
        )
        first = re.search(r"<(?!svg\b|g\b|/)(\w+)[^>]*>", drawing)
        assert first, svg[:200]
        element = first.group(0)
        assert element.startswith(("<rect", "<path")) and re.search(
            r"fill(:|=\")\s*#f{3}(f{3})?\b", element, flags=re.I
        ), element


def test_each_register_value_has_its_one_field_as_header(packs):
    """A profile's register was two fields to a row: by the table header rules the second value had
    both fields as headers (in the tagged PDF too), and at 320 px the fields' names broke mid-word."""
    page = packs["demo"].read_text(encoding="utf-8")
    tables = re.findall(r'<table class="fields">.*?</table>', page, flags=re.S)
    assert tables
    for table in tables:
        for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S):
            assert row.count("<th") == 1 and row.count("<td") == 1, row


def test_every_link_says_where_it_goes_out_of_its_sentence(packs):
    """A screen reader's list of links read "appendix" for the tiers' method, and the summary sent its
    reader "(see below)": a link's words (with its hidden ones) now name what it reaches, and nothing
    points only "below" or "above"."""
    page = packs["with change"].read_text(encoding="utf-8")
    vague = {"appendix", "here", "click here", "more", "below", "above", "link", "this"}
    links = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
        for text in re.findall(r"<a\b[^>]*>(.*?)</a>", page, flags=re.S)
    ]
    assert links and not [text for text in links if text.casefold() in vague]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "(see below)" not in text and "(see above)" not in text


def test_every_picture_is_named_by_its_title_and_described_by_its_words(packs):
    """The shared organisations' picture put its 400 characters of words in an aria-label, where the
    other pictures are named by their <title> and described by their <desc> (a reader hears the name,
    then may ask for the description): it is now described as they are."""
    page = packs["with change"].read_text(encoding="utf-8")
    pictures = re.findall(r'<svg\b[^>]*role="img"[^>]*>.*?</svg>', page, flags=re.S)
    assert any("shared_organisations-desc" in svg for svg in pictures)
    for svg in pictures:
        opening = svg[: svg.index(">")]
        assert "aria-label=" not in opening
        named, told = (
            re.search(r'aria-labelledby="([^"]+)"', opening),
            re.search(r'aria-describedby="([^"]+)"', opening),
        )
        assert named and told, opening[:200]
        assert f'<title id="{named.group(1)}">' in svg and f'<desc id="{told.group(1)}">' in svg


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_browser_printing_the_page_prints_each_charts_figures(packs, tmp_path):
    """Printed from Chromium, the pack gave each chart's "The figures behind ..." and no figures: its
    table stayed in a closed <details>. Printed, it is open, as in the PDF the tool writes."""
    pdf = tmp_path / "printed.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            packs["with change"].as_uri(),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = packs["with change"].read_text(encoding="utf-8")
    hidden = re.findall(r'<details class="chart-data">.*?</details>', page, flags=re.S)
    captions = [re.search(r"<caption[^>]*>(.*?)</caption>", item, flags=re.S).group(1) for item in hidden]
    assert len(captions) >= len(CHART_TITLES)
    printed = " ".join(text.split())
    for caption in captions:
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", caption)).split())
        assert words[:40] in printed, words


@needs_browser
def test_an_answer_written_over_lines_is_read_on_its_lines(tmp_path):
    """An action an officer wrote over lines (Alt+Enter) read run together in the pack ('Review governance
    Agree new terms Report to Cabinet'); in the browser each line now shows on a line of its own, as do a
    purpose's, and a one-line answer reads as before."""
    from officer import AS_OF, write_workbook

    write_workbook(
        tmp_path / "in" / "p1.xlsx",
        register={"purpose": "Reduce crime.\r\n\r\nJoin up services."},
        improvement={"I14": {"Action": "Review governance\nAgree new terms\n\nReport to Cabinet"}},
    )
    run("report", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(), "--no-pdf")
    [entry] = check_pages([f"text:{tmp_path / 'out' / 'review_pack.html'}"], tmp_path / "chromium-profile")
    cells = entry["cells"]
    assert "Review governance\nAgree new terms\nReport to Cabinet" in cells
    assert "Reduce crime.\nJoin up services." in cells
    assert "Sam Patel" in cells and "Safer Communities Partnership P-001" in cells
