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

import datetime as dt
import dataclasses
import functools
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pipeline import catalogue
from pipeline.catalogue import PERFORMANCE_METHODS
from pipeline.values import folded


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message is one line and names the key."""


@dataclass(frozen=True)
class Rag:
    """When a partnership is Red or Amber (README, "Scores")."""

    red_completeness_below: float = 0.6  # checklist completeness under this is Red
    red_overdue_days_over: int = 90  # an action overdue by more than this many days is Red
    amber_completeness_below: float = 0.9  # checklist completeness under this is Amber
    amber_assurance_below: float = 0.75  # checklist assurance under this is Amber

    def limits(self, measure: str) -> tuple[float, ...]:
        """The thresholds a checklist measure ('completeness' or 'assurance') is rated against."""
        if measure == "completeness":
            return (self.red_completeness_below, self.amber_completeness_below)
        return (self.amber_assurance_below,)


@dataclass(frozen=True)
class Scoring:
    partly_weight: float = 0.5  # a Partly counts as this much of a Yes in checklist assurance
    risk_low_max: int = 4  # risk score (likelihood x impact) up to this is Low
    risk_medium_max: int = 12  # up to this is Medium; above is High

    def risk_band(self, score: float) -> str:
        """The band of `catalogue.RISK_BANDS` a score (or an average score) falls in."""
        low, medium, high = catalogue.RISK_BANDS
        return low if score <= self.risk_low_max else medium if score <= self.risk_medium_max else high

    def risk_bands(self) -> tuple[tuple[str, int, int], ...]:
        """Each band of `catalogue.RISK_BANDS`, lowest first, with the lowest and highest whole score it
        holds: ('Low', 1, 4), ('Medium', 5, 12), ('High', 13, 25) by default."""
        low, medium, high = catalogue.RISK_BANDS
        return (
            (low, 1, self.risk_low_max),
            (medium, self.risk_low_max + 1, self.risk_medium_max),
            (high, self.risk_medium_max + 1, MAX_RISK_SCORE),
        )


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
class Duplication:
    """When two partnerships are listed as "possible duplication: check" (pipeline.portfolio.duplication)."""

    min_shared_organisations: int = 2  # partner organisations both sit with, at least
    min_purpose_similarity: float = 0.6  # how alike their purposes read (duplication.SIMILARITY_MEANS)
    near_identical: float = 0.9  # two names this alike letter by letter are a pair whatever is shared


@dataclass(frozen=True)
class Objective:
    """One of the council's objectives: a short reference and a title (`[objectives]`, `O1 = "..."`)."""

    ref: str
    title: str


#: The objectives of a typical council plan, used when the configuration lists none of its own.
DEFAULT_OBJECTIVES = (
    Objective("O1", "Healthy and independent lives"),
    Objective("O2", "Safe and strong communities"),
    Objective("O3", "A thriving local economy"),
    Objective("O4", "A clean and green environment"),
    Objective("O5", "Children and young people achieve their potential"),
    Objective("O6", "Good digital connections for every community"),
)


@functools.lru_cache(maxsize=8)
def objectives_fingerprint(objectives: tuple[Objective, ...]) -> str:
    """A short mark of an objectives list (refs and titles, in order), written into every workbook made
    with it, so a workbook made with another list is recognised. Case and spaces do not change it.
    Worked out once per list: every workbook is checked against it."""
    text = "\n".join(f"{folded(item.ref)}\t{folded(item.title)}" for item in objectives)
    return "OBJ-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Tier:
    """A significance tier: which partnerships it takes, and the performance management methods that are
    proportionate to it (see README, "Significance")."""

    name: str
    #: A partnership is in this tier when any one of these holds (a blank threshold is not used) ...
    funding_from: float | None = None  # annual council funding (£) at least this
    officer_days_from: float | None = None  # officer days a year at least this
    councillor_days_from: float | None = None  # councillor days a year at least this
    #: ... or any one of these register answers, each "Label = Answer", several joined by " and ".
    when: tuple[str, ...] = ()
    #: The performance management methods proportionate to the tier (Register's list).
    methods: tuple[str, ...] = ()

    @property
    def catches_all(self) -> bool:
        return not self.when and all(
            value is None for value in (self.funding_from, self.officer_days_from, self.councillor_days_from)
        )


_ALL_METHODS = PERFORMANCE_METHODS

#: The default tiers, most significant first (reasoning in README, "Significance").
DEFAULT_TIERS = (
    Tier(
        "Major",
        funding_from=250_000,
        officer_days_from=200,
        councillor_days_from=20,
        when=(
            "Strategic or operational = Strategic and Council role = Leading",
            "Legal status = Joint committee",
            "Legal status = Contractual joint venture",
        ),
        methods=(
            "Partnership performance framework",
            "Quarterly performance report",
            "Annual report to Cabinet or committee",
            "Overview and Scrutiny review",
            "Project or programme board",
        ),
    ),
    Tier(
        "Moderate",
        funding_from=50_000,
        officer_days_from=100,
        councillor_days_from=10,
        when=("Strategic or operational = Strategic", "Statutory or voluntary = Statutory", "Council role = Leading"),
        methods=_ALL_METHODS[:-1],
    ),
    Tier("Limited", methods=_ALL_METHODS),
)


@dataclass(frozen=True)
class Config:
    council_name: str = "The Council"
    pack_title: str = "Annual partnership review"
    rag: Rag = field(default_factory=Rag)
    scoring: Scoring = field(default_factory=Scoring)
    limits: Limits = field(default_factory=Limits)
    duplication: Duplication = field(default_factory=Duplication)
    #: A partner organisation's name as officers write it -> the name it stands for, e.g.
    #: "NHS Northshire ICB" = "Northshire Integrated Care Board" (case, punctuation and "&" are
    #: already ignored without an alias; see pipeline.portfolio.organisations).
    organisation_aliases: dict[str, str] = field(default_factory=dict)
    pdf_profiles_per_chunk: int = 10  # profiles rendered to a part of the PDF (a chunk), to bound memory; 0: one part
    #: The council's objectives (`[objectives]`): the Objectives sheet of the template lists them.
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES
    #: Significance tiers, most significant first (`[[significance.tiers]]`); the last takes the rest.
    tiers: tuple[Tier, ...] = DEFAULT_TIERS

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["objectives"] = {item.ref: item.title for item in self.objectives}
        data["significance"] = {
            "tiers": [
                {key: list(value) if isinstance(value, tuple) else value for key, value in tier.items()}
                for tier in data.pop("tiers")
            ]
        }
        return data

    @property
    def objectives_fingerprint(self) -> str:
        return objectives_fingerprint(self.objectives)

    def tier(self, name: str) -> Tier | None:
        return next((item for item in self.tiers if item.name == name), None)


def load_config(path: Path | None) -> Config:
    """The defaults, overridden by the TOML file at `path` when one is given."""
    if path is None:
        return Config()
    if str(path) in ("", "."):
        raise ConfigError("--config names no file (it is empty): give the path of a TOML file, or leave --config out")
    from pipeline.files.reading import CannotRead, read_named_file

    try:
        raw = read_named_file(path)
    except CannotRead as error:
        raise ConfigError(f"config file {path} {error.reason}") from None
    if not raw.strip():
        # An empty file is a save that failed more often than a wish for the defaults (which is no --config).
        raise ConfigError(f"config file {path} is empty: save it again, or leave --config out for the defaults")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as Notepad may save, is not part of the file
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        character = len(raw[raw.rfind(b"\n", 0, error.start) + 1 : error.start].decode("utf-8", "replace")) + 1
        raise ConfigError(
            f"config file {path} is not saved as UTF-8 text (line {line}, character {character}): save it again "
            "with the encoding UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML at {_toml_mistake(str(error))}") from None
    objectives = _objectives(data.pop("objectives")) if "objectives" in data else DEFAULT_OBJECTIVES
    tiers = _tiers(data.pop("significance")) if "significance" in data else DEFAULT_TIERS
    config = dataclasses.replace(
        _build(Config, data, prefix="", sections=_OWN_SECTIONS), objectives=objectives, tiers=tiers
    )
    return check_ranges(config)


#: The settings read from sections of their own above, by field: the key each has in the file.
_OWN_SECTIONS = {"objectives": "objectives", "tiers": "significance"}


_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")
#: More objectives than this would not fit a page of the pack's matrix, nor an officer's patience.
MAX_OBJECTIVES = 30


#: What to mend, in words, for the mistakes the TOML reader names (by the start of its message).
_TOML_MISTAKES = (
    ("Invalid value", 'text goes in double quotes (name = "The Council"), numbers and true or false without'),
    ("Illegal character", "a text in double quotes is not closed on its line, or holds a character TOML refuses"),
    ("Unterminated string", "a text in quotes is not closed"),
    ("Cannot ", "a section or setting is given twice: keep one"),
    ("Expected ']'", "a [section] name is not closed with ]"),
    ("Unclosed array", "a list in [ ] is not closed"),
    ("Unclosed inline table", "a table in { } is not closed"),
)
_NOT_A_SETTING = "a line is not a setting (name = value), a [section] or a # comment"
_TOML_PLACE = re.compile(r"^(?P<what>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$")


def _toml_mistake(reader_says: str) -> str:
    """Where the file breaks TOML's rules and what to mend there ('line 3, column 5: a section or setting
    is given twice: keep one'), from the reader's message, whose own words are for developers."""
    match = _TOML_PLACE.match(reader_says)
    if match is None:  # not a message of the reader's usual form: where is not known
        return f"a line of it: {_NOT_A_SETTING}"
    place = f"line {match['line']}, column {match['column']}" if match["line"] else "the end of the file"
    hint = next((words for start, words in _TOML_MISTAKES if match["what"].startswith(start)), _NOT_A_SETTING)
    return f"{place}: {hint}"


def _objectives(data: Any) -> tuple[Objective, ...]:
    """`[objectives]`: reference = title, in the file's order."""
    if not isinstance(data, dict):
        raise ConfigError("config: 'objectives' must be an [objectives] section of ref = \"title\" lines")
    if not data:
        raise ConfigError("config: '[objectives]' lists no objective: list at least one, e.g. O1 = \"Healthy lives\"")
    if len(data) > MAX_OBJECTIVES:
        raise ConfigError(f"config: '[objectives]' lists {len(data)} objectives; at most {MAX_OBJECTIVES}")
    seen: set[str] = set()
    items = []
    for ref, title in data.items():
        if not _REF.match(ref):
            raise ConfigError(
                f"config: 'objectives.{ref}' is not a usable reference: use letters and digits (and '.', '_' "
                "or '-' after the first), up to 16 characters, e.g. O1"
            )
        if ref.casefold() in seen:
            raise ConfigError(f"config: 'objectives.{ref}' is listed twice (references ignore case)")
        seen.add(ref.casefold())
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise ConfigError(
                f"config: 'objectives.{ref}' must be the objective's title, text of 1 to 200 characters, not {said(title)}"
            )
        items.append(Objective(ref, " ".join(title.split())))
    return tuple(items)


_TIER_KEYS = {item.name for item in dataclasses.fields(Tier)}


def _tiers(data: Any) -> tuple[Tier, ...]:
    """`[[significance.tiers]]`, most significant first; each checked against the register's answers."""
    if not isinstance(data, dict) or set(data) != {"tiers"} or not isinstance(data["tiers"], list):
        raise ConfigError(
            "config: 'significance' must hold only [[significance.tiers]] tables, most significant "
            "first (see README, Significance)"
        )
    tiers = []
    for number, table in enumerate(data["tiers"], start=1):
        key = f"significance.tiers[{number}]"
        if not isinstance(table, dict):
            raise ConfigError(f"config: '{key}' must be a [[significance.tiers]] table")
        unknown = sorted(set(table) - _TIER_KEYS)
        if unknown:
            raise ConfigError(f"config: unknown key '{key}.{unknown[0]}' (known: {', '.join(sorted(_TIER_KEYS))})")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 40:
            raise ConfigError(f"config: '{key}.name' must be the tier's name, text of 1 to 40 characters")
        values: dict[str, Any] = {"name": name.strip()}
        for threshold in ("funding_from", "officer_days_from", "councillor_days_from"):
            if threshold in table:
                values[threshold] = _checked(f"{key}.{threshold}", table[threshold], float)
        for listed in ("when", "methods"):
            items = table.get(listed, [])
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                raise ConfigError(f"config: '{key}.{listed}' must be a list of text")
            values[listed] = tuple(" ".join(item.split()) for item in items)
        tiers.append(Tier(**values))
    return tuple(tiers)


def _text_table(name: str, value: Any) -> dict[str, str]:
    """A [section] of text = text, such as `organisation_aliases`: each side non-blank text."""
    if not isinstance(value, dict):
        raise ConfigError(f'config: \'{name}\' must be a [{name}] section of "name" = "name" lines')
    for key, item in value.items():
        if not isinstance(item, str) or not item.strip() or not key.strip():
            raise ConfigError(f"config: '{name}.{key}' must be a name in quotes, not {said(item)}")
    return dict(sorted(value.items()))


#: Settings that are fractions (a share of the questions, or of a Yes): 0.6 means 60%.
FRACTIONS = (
    "rag.red_completeness_below",
    "rag.amber_completeness_below",
    "rag.amber_assurance_below",
    "scoring.partly_weight",
    "duplication.min_purpose_similarity",
    "duplication.near_identical",
)
#: The whole numbers' ranges, lowest and highest allowed. A limit is never below what the standard
#: workbook itself needs (its sheets run to row 50 and column G, it unpacks to about 100 KB and its
#: parts pack about 7 to 1), so that a limit can never refuse an officer's correct return; and no
#: setting is so large that the system cannot use it ("no limit, really" is its highest).
RANGES = {
    "rag.red_overdue_days_over": (0, 36_500),
    "limits.max_file_bytes": (1_000_000, 2_000_000_000),
    "limits.max_uncompressed_bytes": (5_000_000, 20_000_000_000),
    "limits.max_compression_ratio": (20, 100_000),
    "limits.max_rows": (100, 1_048_576),  # Excel's own last row
    "limits.max_columns": (16, 16_384),  # Excel's own last column, XFD
    "limits.load_timeout_seconds": (1, 86_400),  # a day
    "duplication.min_shared_organisations": (1, 10_000),
    "pdf_profiles_per_chunk": (0, 100_000),
}
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
            raise ConfigError(f"config: '{key}' is a fraction from 0 to 1 (0.6 means 60%), not {said(value(key))}")
    for key, (lowest, highest) in RANGES.items():
        if not lowest <= value(key) <= highest:
            raise ConfigError(f"config: '{key}' must be from {lowest:,} to {highest:,}, not {said(value(key))}")
    for key in ("council_name", "pack_title"):
        if not value(key).strip():
            raise ConfigError(f"config: '{key}' is blank: the pack's cover and title need it (or leave it out)")
    from pipeline.portfolio.organisations import AliasError, resolver

    try:
        resolver(config.organisation_aliases)
    except AliasError as error:
        raise ConfigError(f"config: {error}") from None
    rag, scoring = config.rag, config.scoring
    if rag.red_completeness_below > rag.amber_completeness_below:
        raise ConfigError(
            f"config: 'rag.red_completeness_below' ({said(rag.red_completeness_below)}) must not be "
            f"above 'rag.amber_completeness_below' ({said(rag.amber_completeness_below)}): "
            "Red is for less complete checklists than Amber"
        )
    if not 1 <= scoring.risk_low_max < scoring.risk_medium_max < MAX_RISK_SCORE:
        key = (
            "scoring.risk_low_max"
            if not 1 <= scoring.risk_low_max < scoring.risk_medium_max
            else "scoring.risk_medium_max"
        )
        raise ConfigError(
            f"config: '{key}' puts the risk bands out of order (low max {scoring.risk_low_max}, "
            f"medium max {scoring.risk_medium_max}): they need 1 <= low max < medium max < "
            f"{MAX_RISK_SCORE}, so that {', '.join(catalogue.RISK_BANDS[:-1])} and {catalogue.RISK_BANDS[-1]} "
            "each hold some scores"
        )
    _check_tiers(config.tiers)
    return config


_THRESHOLDS = ("funding_from", "officer_days_from", "councillor_days_from")


def _check_tiers(tiers: tuple[Tier, ...]) -> None:
    """At least one tier; names unique; the last catches every partnership the others do not; each
    threshold lower in a less significant tier; conditions and methods from the register's lists."""
    from pipeline.significance import parse_condition  # the register's labels and answers

    if not tiers:
        raise ConfigError("config: 'significance.tiers' lists no tier: give at least one")
    names = [tier.name.casefold() for tier in tiers]
    for number, tier in enumerate(tiers, start=1):
        key = f"significance.tiers[{number}]"
        if names.count(tier.name.casefold()) > 1:
            raise ConfigError(f"config: '{key}.name' ({said(tier.name)}) is the name of another tier too")
        if number == len(tiers) and not tier.catches_all:
            raise ConfigError(
                f"config: '{key}' is the last tier, which takes every partnership the tiers above "
                "do not: give it no thresholds and no 'when'"
            )
        if number < len(tiers) and tier.catches_all:
            raise ConfigError(
                f"config: '{key}' ({tier.name}) has no thresholds and no 'when', so no partnership "
                "would reach the tiers below it: only the last tier may have none"
            )
        for condition in tier.when:
            try:
                parse_condition(condition)
            except ValueError as error:
                raise ConfigError(f"config: '{key}.when' {error}") from None
        if not tier.methods:
            raise ConfigError(
                f"config: '{key}.methods' lists no method: list the performance management methods "
                "proportionate to the tier"
            )
        for method in tier.methods:
            if method.casefold() not in {item.casefold() for item in _ALL_METHODS}:
                raise ConfigError(
                    f"config: '{key}.methods' has {said(method)}, which is not on the Register's list "
                    f"({'; '.join(_ALL_METHODS)})"
                )
    for threshold in _THRESHOLDS:
        set_ = [
            (number, getattr(tier, threshold))
            for number, tier in enumerate(tiers, start=1)
            if getattr(tier, threshold) is not None
        ]
        for (upper, high), (lower, low) in zip(set_, set_[1:]):
            if low >= high:
                raise ConfigError(
                    f"config: 'significance.tiers[{lower}].{threshold}' ({said(low)}) must be below "
                    f"'significance.tiers[{upper}].{threshold}' ({said(high)}): a less significant tier "
                    "starts lower"
                )


def _build(cls: type, data: dict[str, Any], prefix: str, sections: Mapping[str, str] | None = None) -> Any:
    """`cls` from a table of the file; `sections` are its fields read elsewhere, by their key in the file."""
    sections = sections or {}
    fields = {item.name: item for item in dataclasses.fields(cls) if item.name not in sections}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = prefix + key
        if key not in fields:
            known = (prefix + sections.get(item.name, item.name) for item in dataclasses.fields(cls))
            raise ConfigError(f"config: unknown key '{name}' (known: {', '.join(known)})")
        default = getattr(cls(), key)
        if isinstance(default, dict):
            values[key] = _text_table(name, value)
        elif dataclasses.is_dataclass(default):
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
        raise ConfigError(f"config: '{name}' must be {kind}, not {said(value)}")
    if expected is float and not math.isfinite(value):  # TOML's nan and inf
        raise ConfigError(f"config: '{name}' must be a number, not {said(value)}")
    if expected in (int, float) and value < 0:
        raise ConfigError(f"config: '{name}' must not be negative, not {said(value)}")
    return value


def said(value: Any) -> str:
    """`value` as it is written in the TOML file, for a message: true, 60, 2026-01-01, "text"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(said(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {said(item)}" for key, item in value.items()) + "}"
    return str(value)
