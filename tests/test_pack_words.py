"""The pack reads as one document (issue 13, item 12): every area of practice in full, one date style."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from officer import AS_OF
from pipeline import catalogue
from pipeline.cli import cli
from year_set import write_year


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    inputs = write_year(tmp_path_factory.mktemp("year"))
    out = tmp_path_factory.mktemp("pack") / "out"
    result = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(),
                                      "--no-pdf"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return (out / "review_pack.html").read_text(encoding="utf-8")


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_area_i12_shows_its_whole_text(page):
    profile = plain(page[page.index('class="profile"'):])
    i12 = next(area for area in catalogue.AREAS if area.ref == "I12")
    assert i12.guidance  # its text ends "including:" and goes on in bullets
    text = profile[profile.index(f"I12 {i12.text}"):]
    for point in i12.guidance:
        assert point in text[:2000], point


def test_one_date_style_throughout(page):
    text = plain(page)
    assert not re.findall(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)
    assert not re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert "30 April 2026" in text
