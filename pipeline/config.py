"""Thresholds, bands, limits and names: every tunable number of the review, with its default.

The defaults are the product's (see README, "Configuration"). A TOML file given with `--config` may
override any of them, section by section, e.g.::

    council_name = "Northshire County Council"
    [rag]
    red_completeness_below = 0.5

An unknown key, a value of the wrong type or out of its range (a fraction outside 0 to 1, a limit
of 0), thresholds out of order (a Red threshold above the Amber one, risk bands that overlap) or a
TOML syntax error raises `ConfigError` with a one-line message naming the key; nothing else in the
project holds a threshold literal.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.catalogue import HIGH, LOW, MEDIUM


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message is one line and names the key."""


@dataclass(frozen=True)
class Rag:
    """When a partnership is Red or Amber (README, "Scores")."""

    red_completeness_below: float = 0.6  # checklist completeness under this is Red
    red_overdue_days_over: int = 90  # an action overdue by more than this many days is Red
    amber_completeness_below: float = 0.9  # checklist completeness under this is Amber
    amber_assurance_below: float = 0.75  # checklist assurance under this is Amber


@dataclass(frozen=True)
class Scoring:
    partly_weight: float = 0.5  # a Partly counts as this much of a Yes in checklist assurance
    risk_low_max: int = 4  # risk score (likelihood x impact) up to this is Low
    risk_medium_max: int = 12  # up to this is Medium; above is High

    def risk_band(self, score: int) -> str:
        if score <= self.risk_low_max:
            return LOW
        if score <= self.risk_medium_max:
            return MEDIUM
        return HIGH


@dataclass(frozen=True)
class Limits:
    """What a returned file may be before it is refused unread (hostile or broken files)."""

    max_file_bytes: int = 20_000_000  # size on disk
    max_uncompressed_bytes: int = 100_000_000  # sum of the zip's declared member sizes
    max_compression_ratio: int = 200  # a member that inflates more than this is a zip bomb
    max_rows: int = 5_000  # highest row a sheet may use
    max_columns: int = 64  # highest column a sheet may use
    load_timeout_seconds: int = 30  # one workbook's reading, in its own process


@dataclass(frozen=True)
class Config:
    council_name: str = "The Council"
    pack_title: str = "Annual partnership review"
    rag: Rag = field(default_factory=Rag)
    scoring: Scoring = field(default_factory=Scoring)
    limits: Limits = field(default_factory=Limits)
    pdf_profiles_per_chunk: int = 10  # the PDF is rendered in chunks to bound memory

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_config(path: Path | None) -> Config:
    """The defaults, overridden by the TOML file at `path` when one is given."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    return check_ranges(_build(Config, data, prefix=""))


#: Settings that are fractions (a share of the questions, or of a Yes): 0.6 means 60%.
FRACTIONS = ("rag.red_completeness_below", "rag.amber_completeness_below", "rag.amber_assurance_below",
             "scoring.partly_weight")
#: Settings that must be at least 1: a limit of 0 would refuse every workbook.
AT_LEAST_ONE = ("limits.max_file_bytes", "limits.max_uncompressed_bytes", "limits.max_compression_ratio",
                "limits.max_rows", "limits.max_columns", "limits.load_timeout_seconds")
#: The highest risk score, likelihood x impact, 5 x 5.
MAX_RISK_SCORE = 25


def check_ranges(config: Config) -> Config:
    """`config` when every value is within its range and the thresholds are in order, else `ConfigError`
    naming the first key that is not."""
    def value(key: str) -> Any:
        section, _, name = key.rpartition(".")
        return getattr(getattr(config, section) if section else config, name)

    for key in FRACTIONS:
        if not 0 <= value(key) <= 1:
            raise ConfigError(f"config: '{key}' is a fraction from 0 to 1 (0.6 means 60%), not {value(key)!r}")
    for key in AT_LEAST_ONE:
        if value(key) < 1:
            raise ConfigError(f"config: '{key}' must be at least 1, not {value(key)!r}")
    rag, scoring = config.rag, config.scoring
    if rag.red_completeness_below > rag.amber_completeness_below:
        raise ConfigError(f"config: 'rag.red_completeness_below' ({rag.red_completeness_below!r}) must not be "
                          f"above 'rag.amber_completeness_below' ({rag.amber_completeness_below!r}): "
                          "Red is for less complete checklists than Amber")
    if not 1 <= scoring.risk_low_max < scoring.risk_medium_max < MAX_RISK_SCORE:
        key = "scoring.risk_low_max" if not 1 <= scoring.risk_low_max < scoring.risk_medium_max \
            else "scoring.risk_medium_max"
        raise ConfigError(f"config: '{key}' puts the risk bands out of order (low max {scoring.risk_low_max!r}, "
                          f"medium max {scoring.risk_medium_max!r}): they need 1 <= low max < medium max < "
                          f"{MAX_RISK_SCORE}, so that Low, Medium and High each hold some scores")
    return config


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    fields = {item.name: item for item in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = prefix + key
        if key not in fields:
            raise ConfigError(f"config: unknown key '{name}' (known: {', '.join(prefix + k for k in fields)})")
        default = getattr(cls(), key)
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise ConfigError(f"config: '{name}' must be a [{name}] section")
            values[key] = _build(type(default), value, prefix=f"{name}.")
        else:
            values[key] = _checked(name, value, type(default))
    return cls(**values)


def _checked(name: str, value: Any, expected: type) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not expected:
        kind = {float: "a number", int: "a whole number", str: "text"}[expected]
        raise ConfigError(f"config: '{name}' must be {kind}, not {value!r}")
    if expected in (int, float) and value < 0:
        raise ConfigError(f"config: '{name}' must not be negative, not {value!r}")
    return value
