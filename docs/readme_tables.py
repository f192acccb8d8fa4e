"""The README's tables that restate the code, generated from it: `make docs` rewrites them (with cog),
and `make test` fails when README.md is out of date (`cog --check`)."""

from __future__ import annotations

from pipeline.config import Config
from pipeline.findings import RULES


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        rows += _flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else [(prefix + key, value)]
    return rows


def rules() -> str:
    """Every rule code: severity, when it fires, and what the officer is told (`<...>` filled in)."""
    lines = ["| rule | severity | when | what the officer is told to do |", "| --- | --- | --- | --- |"]
    for rule in RULES.values():
        told = rule.template.replace("{", "&lt;").replace("}", "&gt;")
        lines.append(f"| `{rule.code}` | {rule.severity} | {rule.when} | {told} |")
    return "\n".join(lines) + "\n"


def configuration() -> str:
    """Every configuration key with its default."""
    lines = ["| key | default |", "| --- | --- |"]
    lines += [f"| `{key}` | `{value!r}` |" for key, value in _flatten(Config().as_dict())]
    return "\n".join(lines) + "\n"
