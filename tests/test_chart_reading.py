"""What a reader sees in the charts when the year's figures are at their edges: nothing committed, one
partnership, no risk rated now. Read from the SVG the run writes, or measured on the figure as drawn."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import AS_OF, write_workbook

from pipeline.cli import cli

SVG = "{http://www.w3.org/2000/svg}"


def report(inputs: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf", *extra],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def tick_labels(svg: str, chart: str) -> list[tuple[list[str], list[str]]]:
    """Each panel's (x tick labels, y tick labels), as the SVG draws them."""
    root = ElementTree.fromstring(svg)
    panels = []
    for axes in root.iter(f"{SVG}g"):
        if not re.fullmatch(rf"{chart}-axes_\d+", axes.get("id", "")):
            continue
        ticks = {"x": [], "y": []}
        for group in axes.iter(f"{SVG}g"):
            kind = re.fullmatch(rf"{chart}-([xy])tick_\d+", group.get("id", ""))
            if kind:
                ticks[kind.group(1)] += ["".join(text.itertext()).strip() for text in group.iter(f"{SVG}text")]
        panels.append((ticks["x"], ticks["y"]))
    return panels


def figure_words(page: str, name: str) -> str:
    start = page.index(f'id="chart-{name}"')
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page[start : page.index("</figure>", start)])).split())


@pytest.mark.parametrize(("funding", "officer_days"), [(0, 0), (3, 2)])
def test_the_resources_axes_read_whole_pounds_and_whole_days_each_once(tmp_path, funding, officer_days):
    """Zero or a few pounds of council funding gave a money axis of '£0 £0 £0 £1 £1 £1 £1' and an
    officer days axis of 0.2, 0.4 ...: amounts repeated, and fractions nobody entered."""
    for number in range(3):
        write_workbook(
            tmp_path / "in" / f"p{number}.xlsx",
            partnership_id=f"P-00{number + 1}",
            register={"funding": funding, "officer_days": officer_days, "councillor_days": 0},
        )
    out = report(tmp_path / "in", tmp_path / "out")
    svg = (out / "charts" / "resources_vs_assurance.svg").read_text(encoding="utf-8")
    panels = tick_labels(svg, "resources_vs_assurance")
    (_, money), (_, officer) = panels[:2]
    assert money and officer
    for labels, unit in ((money, "£"), (officer, "")):
        assert len(labels) == len(set(labels)), labels
        assert all(re.fullmatch(rf"{re.escape(unit)}\d[\d,]*", label) for label in labels), labels
    texts = [html.unescape(text) for text in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]
    words = figure_words((out / "review_pack.html").read_text(encoding="utf-8"), "resources_vs_assurance")
    if funding:
        assert money[-1] != "£0" and officer[-1] != "0"
        assert "No council funding:" not in texts
        assert "The largest commitment of money is P-003 (£3, assurance 100%)." in words, words
    else:  # nothing committed: the axis is its one level, and the panel and the words say so
        assert (money, officer) == (["£0"], ["0"])
        assert "No council funding:" in texts and "No officer time:" in texts
        assert "None of them has council money committed: each that gives it gives £0." in words
        assert "None of them has council officer time committed: each that gives it gives 0 days." in words


def resources_figure(inputs: Path):
    """The resources chart drawn as the run draws it, as a matplotlib figure to measure (close it after)."""
    return resources_drawn(inputs)[0]


def resources_drawn(inputs: Path):
    """The resources chart drawn as the run draws it, and the analysis it was drawn from (close it after)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from pipeline.check.rules import check
    from pipeline.check.score import score_batch
    from pipeline.config import Config
    from pipeline.pack import charts, tables
    from pipeline.portfolio.leverage import leverage_by_file
    from pipeline.read.batch import load_folder

    config = Config()
    batch = load_folder(inputs, config)
    scores = score_batch(
        batch.workbooks, check(batch.workbooks, as_of=AS_OF, config=config), as_of=AS_OF, config=config
    )
    leverage = leverage_by_file(scores, batch.workbooks)
    strategy = tables.strategy_questions(tables.partnerships_frame(scores, leverage), config, scores, leverage)
    money = strategy["money"]
    with plt.rc_context(charts._STYLE):
        fig = plt.figure(figsize=(8, 4.8 + 1.3 + 0.3 * len(money)))
        charts._resources(fig, strategy["resources"], config, money)
        fig.canvas.draw()
    return fig, strategy


@pytest.mark.parametrize(
    "partnerships",
    [
        {"P-001": {}},  # one bar, its partners' money not known
        {  # partners' money at many times the council's: the longest labels at the longest bars
            f"P-00{number}": {"funding": 3 * number, "total_budget": None, "partner_contributions": 65000 * number}
            for number in (1, 2, 3)
        },
    ],
)
def test_every_money_bar_label_ends_inside_its_panel_clear_of_the_legend(tmp_path, partnerships):
    """With one partnership the money panel's single bar was labelled 'partners' money not known' past
    the panel's edge, under the legend, which covered its end ('partners' money not kn')."""
    import matplotlib.pyplot as plt

    for partnership_id, register in partnerships.items():
        register = {"total_budget": None, "partner_contributions": None, **register}
        write_workbook(tmp_path / "in" / f"{partnership_id}.xlsx", partnership_id=partnership_id, register=register)
    fig = resources_figure(tmp_path / "in")
    try:
        renderer = fig.canvas.get_renderer()
        panel = fig.axes[2]
        labels = [text for text in panel.texts if "per council £1" in text.get_text() or "not known" in text.get_text()]
        assert len(labels) == len(partnerships)
        legend = panel.get_legend().get_window_extent(renderer)
        frame = panel.get_window_extent(renderer)
        for label in labels:
            box = label.get_window_extent(renderer)
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1, label.get_text()
            assert not box.overlaps(legend), label.get_text()
    finally:
        plt.close(fig)


def marker_boxes(ax, renderer) -> list:
    """Each point's marker as drawn in a panel (its centre, and its box with its edge), in pixels."""
    from matplotlib.transforms import Affine2D, Bbox

    boxes = []
    for points in ax.collections:
        path, size = points.get_paths()[0], Affine2D(points.get_transforms()[0])
        shape = path.get_extents(size).padded(points.get_linewidths()[0] / 2 * ax.figure.dpi / 72)
        for x, y in points.get_offset_transform().transform(points.get_offsets()):
            boxes.append(((x, y), Bbox.from_extents(x + shape.x0, y + shape.y0, x + shape.x1, y + shape.y1)))
    return boxes


def gap(box, point) -> float:
    """How far a point is from a box, in pixels."""
    import math

    return math.dist(point, (min(max(point[0], box.x0), box.x1), min(max(point[1], box.y0), box.y1)))


@pytest.mark.parametrize(
    ("count", "seed"),
    [
        (20, 1),
        pytest.param(90, 3, marks=pytest.mark.slow),  # the set that showed it; kept out of make test's three minutes
        pytest.param(1000, 1, marks=pytest.mark.slow),  # a thousand workbooks take over a minute to write
    ],
)
def test_resources_labels_cover_no_other_label_nor_another_partnerships_point(tmp_path, count, seed):
    """Labels of the resources chart's points overprinted each other at a thousand partnerships, and even
    at 20 and 90 one lay on another partnership's point (P-015's on P-016's), so a reader could not tell
    which point was which partnership. Each label now names the point nearest it and touches no other
    label or point, and the chart's table lists every partnership, labelled or not."""
    import math

    import matplotlib.pyplot as plt

    from pipeline.config import Config
    from pipeline.cycle.demo import write_demo_set
    from pipeline.pack import charts
    from pipeline.pack.chart_figures import chart_figures

    write_demo_set(tmp_path / "in", count=count, seed=seed)
    fig, strategy = resources_drawn(tmp_path / "in")
    try:
        renderer = fig.canvas.get_renderer()
        points = strategy["resources"]
        problems = []
        for ax, attribute in zip(fig.axes[:2], ("funding", "officer_days")):
            at = {item.id: (item.checklist_assurance * 100, getattr(item, attribute)) for item in points}
            labels = [text for text in ax.texts if text.get_text() in at]
            assert 0 < len(labels) <= charts.MAX_LABELS
            boxes = [label.get_window_extent(renderer) for label in labels]
            markers = marker_boxes(ax, renderer)
            frame = ax.get_window_extent(renderer)
            for index, (label, box) in enumerate(zip(labels, boxes)):
                name = label.get_text()
                own = ax.transData.transform(at[name])
                others = [centre for centre, _ in markers if math.dist(centre, own) >= 0.01]
                checks = {
                    "beside another point than its own": label.xy != at[name],
                    "over another label": any(box.overlaps(other) for other in boxes[:index] + boxes[index + 1 :]),
                    "out of its panel": not (frame.x0 <= box.x0 and box.x1 <= frame.x1)
                    or not (frame.y0 <= box.y0 and box.y1 <= frame.y1),
                    "over a point": any(box.overlaps(marker) for _, marker in markers),
                    "on a point shared with another partnership": len(others) != len(markers) - 1,
                    "as near another point as its own": gap(box, own) >= min(gap(box, centre) for centre in others),
                }
                problems += [(attribute, name, problem) for problem, found in checks.items() if found]
        assert problems == []
        table = chart_figures([], Config(), strategy=strategy)["resources_vs_assurance"].table
        assert sorted(row[0] for row in table.rows) == sorted(f"{item.id} {item.name}".strip() for item in points)
        assert "where the label has room" in fig.get_suptitle() and "lists every partnership" in fig.get_suptitle()
    finally:
        plt.close(fig)


def risk_year(folder: Path, as_of: str, risks: dict, *extra: str) -> Path:
    # In 2027 the next review is a year on, so no review is overdue.
    register = {"next_review": dt.date(2028, 3, 31), "review_completed_on": dt.date(2027, 4, 15)}
    register = register if as_of.startswith("2027") else {}
    write_workbook(folder / "in" / "p1.xlsx", partnership_id="P-001", register=register, risks=risks)
    result = CliRunner().invoke(
        cli, ["report", str(folder / "in"), "--out", str(folder / "out"), "--as-of", as_of, "--no-pdf", *extra]
    )
    assert result.exit_code == 0, result.output
    return folder / "out"


NOT_RATED = {"Likelihood": None, "Impact": None, "Mitigation": None, "Owner": None}


def test_no_risk_rated_this_year_draws_no_movement_and_says_so(tmp_path):
    """With --previous and no risk rated this year, the movement panel was drawn anyway: nine labels
    'R01 (not rated now)' ... piled on last year's one point (R01, R02 hidden), under a caption
    promising arrows from last year's position to this year's."""
    from pipeline import catalogue

    then = risk_year(tmp_path / "2026", "2026-04-30", {})
    now = risk_year(
        tmp_path / "2027", "2027-04-30", {risk.ref: NOT_RATED for risk in catalogue.RISKS}, "--previous", str(then)
    )
    svg = (now / "charts" / "risk_heat_map.svg").read_text(encoding="utf-8")
    texts = [html.unescape(text) for text in re.findall(r"<text [^>]*>([^<]*)</text>", svg)]
    assert not [text for text in texts if re.match(r"R0\d", text) or "Average" in text or "moved" in text]
    page = (now / "review_pack.html").read_text(encoding="utf-8")
    words = figure_words(page, "risk_heat_map")
    assert "each arrow" not in words and "enlarged" not in words
    assert (
        "No partnership in scope has rated a risk yet. No risk is rated both this year and in 2026, so no "
        "movement is drawn; the Risk movement table gives each one's average score in the year it was rated."
    ) in words
    assert 'id="risk-movement"' in page  # the table still gives last year's scores


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_movement_labels_of_risks_at_one_point_do_not_overprint(tmp_path):
    """Risks rated last year and not this year are labelled 'R02 (not rated now)' at last year's
    position; eight of them at one point printed over one another."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from pipeline import catalogue
    from pipeline.config import Config
    from pipeline.cycle.compare import compare, load_previous
    from pipeline.pack import charts

    then = risk_year(tmp_path / "2026", "2026-04-30", {})  # R01 4 x 4, the others 2 x 2
    now = risk_year(
        tmp_path / "2027",
        "2027-04-30",
        {risk.ref: NOT_RATED for risk in catalogue.RISKS[1:]},
        "--previous",
        str(then),
    )
    comparison = compare(load_previous(now), load_previous(then))
    assert [risk.ref for risk in comparison.risks if risk.then and risk.now] == ["R01"]
    with plt.rc_context(charts._STYLE):
        fig = plt.figure(figsize=(10.4, 6.0))
        try:
            charts._risk_heat_map(fig, {(4, 4): 1}, Config(), comparison)
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            zoom = fig.axes[1]
            notes = [text for text in zoom.texts if re.match(r"R0\d", text.get_text())]
            expected = ["R01"] + [f"{risk.ref} (not rated now)" for risk in catalogue.RISKS[1:]]
            assert sorted(note.get_text() for note in notes) == expected
            boxes = [note.get_bbox_patch().get_window_extent(renderer) for note in notes]
            frame = zoom.get_window_extent(renderer)
            for index, (note, box) in enumerate(zip(notes, boxes)):
                assert not any(box.overlaps(other) for other in boxes[index + 1 :]), note.get_text()
                assert frame.x0 <= box.x0 and box.x1 <= frame.x1, note.get_text()
                assert frame.y0 <= box.y0 and box.y1 <= frame.y1, note.get_text()
        finally:
            plt.close(fig)
