"""Every key results.json holds is named in README's "Outputs of a run", so an analyst reading the file
finds what each one is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from click.testing import CliRunner

from pipeline.cli import cli

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Objects keyed by data, not by names of their own: ratings, action statuses, checklist sections'
#: titles, libraries, and the configuration (whose keys README's Configuration gives).
KEYED_BY_DATA = {"rag", "rag_now", "rag_then", "ratings_now", "ratings_then", "counts", "actions"}
KEYED_BY_DATA |= {"section_completeness", "libraries", "config"}


def outputs_section() -> str:
    start = README.index("## Outputs of a run")
    return README[start : README.index("### `register.xlsx`", start)]


def keys(data: object, path: str = "") -> set[tuple[str, str]]:
    """Every (path, key) of `data`, a list's items under `path[]`, below objects keyed by data none."""
    found: set[tuple[str, str]] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if not KEYED_BY_DATA & set(re.split(r"[.\[\]]+", path)):
                found.add((path, key))
            found |= keys(value, f"{path}.{key}")
    elif isinstance(data, list):
        for item in data:
            found |= keys(item, f"{path}[]")
    return found


def not_named(data: dict) -> list[str]:
    section = outputs_section()
    return sorted(
        f"{path}.{key}"
        for path, key in keys(data)
        if not re.search(r"(?<![\w.])" + re.escape(key) + r"(?!\w)", section)
    )


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_every_key_of_a_real_results_json_is_named_in_readme(tmp_path):
    """improvement_coverage, improvement_score, section_completeness, rag_reasons, totals.reviews_overdue,
    totals.duplicates_not_counted and change_since_previous's keys were in no README line. Two demo
    years, as `make report` runs them (duplicates, shared organisations, actions carried), hold them all."""
    config = str(ROOT / "docs" / "demo-review.toml")
    for year in (2025, 2026):
        run("demo", "--out", str(tmp_path / f"in{year}"), "--count", "40", "--seed", "2026", "--year", str(year))
        previous = ["--previous", str(tmp_path / str(year - 1))] if year == 2026 else []
        run(
            "report", str(tmp_path / f"in{year}"), "--out", str(tmp_path / str(year)), "--year", str(year),
            "--as-of", f"{year}-05-01", "--config", config, "--no-pdf", *previous,
        )  # fmt: skip
    data = json.loads((tmp_path / "2026" / "results.json").read_text(encoding="utf-8"))
    assert data["change_since_previous"]["partnerships"] and data["possible_duplicates"]
    assert not_named(data) == []


def test_the_keys_analysts_missed_are_named_and_section_completeness_is_keyed_by_title():
    section = " ".join(outputs_section().split())
    data = {
        "partnerships": [
            {"improvement_coverage": 1, "improvement_score": 1, "section_completeness": {}, "rag_reasons": []}
        ],
        "totals": {"reviews_overdue": 0, "duplicates_not_counted": 0},
        "change_since_previous": {
            "rag_then": {},
            "rag_now": {},
            "partnerships": [
                {key: 0 for key in ("completeness_then", "completeness_now", "status", "movement", "what_changed")}
            ],
        },
    }
    assert not_named(data) == []
    assert "`section_completeness`, keyed by each checklist section's title" in section
