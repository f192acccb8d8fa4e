"""What a reader sees in the charts when the year's figures are at their edges: nothing committed, one
partnership, no risk rated now. Read from the SVG the run writes, or measured on the figure as drawn."""

from __future__ import annotations

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
