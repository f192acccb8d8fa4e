"""Change since last year: this year's results against last year's `results.json`.

Pure functions over the two years' results (the shape `results.json` is written in), so the pack,
`results.json` and the tests share one reading. Partnerships are matched by Partnership ID, ignoring
case and spaces, as the duplicate-ID rule compares them; one that took a new ID, as rollover asked of
two partnerships sharing one, is followed into it by name (`followed`). A partnership with no return last year is new
unless its `history` in this year's results (pipeline.cycle.history) holds an earlier review: then it
is back after a gap.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from statistics import mean
from typing import Any, Iterator, Mapping, Sequence

from pipeline import catalogue, values
from pipeline.check.rules import id_key
from pipeline.check.score import partnership_order
from pipeline.config import said

RESULTS_FILE = "results.json"
#: The ratings that are a judgement, least to most serious: a move along this scale is "worse" or
#: "better"; a move to or from Out of scope or Not assessed is neither.
RAG_SCALE = (catalogue.GREEN, catalogue.AMBER, catalogue.RED)
#: What a carried action's status is this year when last year's area of practice has no action now.
NOT_CARRIED_OVER = "Not carried over"
#: ... when its partnership returned no workbook this year.
NO_RETURN = "No return this year"
#: ... when this year's workbook of its partnership could not be assessed (its answers cannot be trusted).
NOT_ASSESSED_NOW = "Not assessed this year"
#: Why an action open at last year's review, followed here as rollover sent it on, is not among the open
#: actions last year's pack counted (the Not started and In progress of its assessed, counted returns).
SECOND_RETURN = "second return"  # of a return that did not count: its Partnership ID's other return did
NOT_ASSESSED_THEN = "not assessed"  # of a return that could not be assessed
STATUS_UNREAD = "status unread"  # its status is none of the allowed ones ('Done')
NOT_IN_LAST_PACK = (SECOND_RETURN, NOT_ASSESSED_THEN, STATUS_UNREAD)


class PreviousError(ValueError):
    """Last year's output cannot be used; the message is one line."""


def load_previous(folder: Path) -> dict[str, Any]:
    """Last year's results.json from its output folder."""
    path = Path(folder) / RESULTS_FILE
    if not Path(folder).is_dir():
        raise PreviousError(f"--previous: {folder} is not a folder (give last year's report output folder)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreviousError(
            f"--previous: {folder} has no {RESULTS_FILE}; give last year's report output folder"
        ) from None
    except json.JSONDecodeError as error:
        raise PreviousError(
            f"--previous: {path} cannot be read: it is cut short or damaged (line {error.lineno}, character "
            f"{error.colno}); copy it again from that year's output folder, or run that year's report again"
        ) from None
    except UnicodeDecodeError:
        raise PreviousError(
            f"--previous: {path} cannot be read: it is damaged (it is not the text the report writes); copy it "
            "again from that year's output folder, or run that year's report again"
        ) from None
    except OSError as error:
        raise PreviousError(f"--previous: {path} cannot be read ({error.strerror or error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("partnerships"), list):
        raise PreviousError(f"--previous: {path} is not a results file written by partnerships report")
    return data


@dataclass(frozen=True)
class CarriedAction:
    ref: str
    action: str
    status_then: str
    status_now: str  # this year's Action status, "Complete" when closed, "Not carried over" if gone
    #: What the area's action reads this year when that is not last year's (case and spaces aside): the
    #: officer wrote another action over it, so `status_now` is that one's; "" when it is the same.
    action_now: str = ""
    #: Why last year's pack did not count it among the open actions (`NOT_IN_LAST_PACK`), though rollover
    #: sent it on; "" when it did.
    not_in_pack_then: str = ""

    @property
    def still_open(self) -> bool:
        return self.status_now != catalogue.COMPLETE


def not_closed(actions: Sequence[CarriedAction]) -> int:
    """How many of the actions followed are not closed now."""
    return sum(action.still_open for action in actions)


@dataclass(frozen=True)
class PartnershipChange:
    id: str
    name: str
    status: str  # "continuing", "new", "ended" or "back" (no return last year, but one in an earlier year)
    rag_then: str | None
    rag_now: str | None
    completeness_then: float | None
    completeness_now: float | None
    assurance_then: float | None
    assurance_now: float | None
    carried_actions: tuple[CarriedAction, ...]
    reasons_then: tuple[str, ...] = ()  # why it had its rating last year (results.json `rag_reasons`)
    reasons_now: tuple[str, ...] = ()
    #: Actions open at last year's review as counted there, when its results.json does not list them
    #: (`Comparison.actions_listed`); None when they are listed, and followed as `carried_actions`.
    open_actions_then: int | None = None
    name_then: str = ""  # last year's name of a continuing partnership (`name` is this year's)
    #: The year of the latest review before last year's, of a partnership with no return last year
    #: that had one earlier ("back"); None for every other.
    last_review: int | None = None
    #: When the rating rules changed since last year: last year's figures rated under this year's rules
    #: (`score.rating_under`); None when the rules did not change or it cannot be told.
    rag_then_under_rules_now: str | None = None
    #: Whether last year's return counted there (False for a second return of a Partnership ID): last
    #: year's ratings count each ID once.
    counted_then: bool | None = True  # None: no return last year
    #: Whether this year's return counts (False for another partnership that still shares the ID, followed
    #: with its own return of last year); None: no return this year.
    counted_now: bool | None = True
    file: str = ""  # this year's return compared; "" when none
    #: Last year's Partnership ID of a partnership that took a new one, as rollover asked of two that shared
    #: it, the other keeping it (`followed`); "" for every other.
    id_then: str = ""
    #: Of a partnership back after a year or more without a return ("back"): the actions open at its last
    #: review (`last_review`), which rollover from that year's register sent on, each with how it stands
    #: now, as last year's results.json carries them (`history.no_return`); none for every other. They
    #: are not among last year's open actions (`carried_actions` and the figures that count them).
    actions_at_last_review: tuple[CarriedAction, ...] = ()

    @property
    def same_under_rules_now(self) -> bool:
        """Whether last year's figures earn this year's rating under this year's rules: the move then
        says more of the rules' change than of the partnership's."""
        return self.movement in ("worse", "better") and self.rag_then_under_rules_now == self.rag_now

    @property
    def what_changed(self) -> str:
        """Why the rating moved, in a sentence: 'Green to Red because 1 High risk with no mitigation', or
        for one that got better, what made it worse last year: 'Amber to Green; last year's reason: the
        review was due on 20 July 2025'."""
        if self.rag_then == self.rag_now or not self.rag_then or not self.rag_now:
            return ""
        move = f"{self.rag_then} to {self.rag_now}"
        if self.same_under_rules_now:
            rules = f"under this year's rules, last year's figures would have been {self.rag_now} too"
            if self.movement == "worse" and self.reasons_now:
                return f"{move} because {_within_sentence(self.reasons_now)}; {rules}"
            return f"{move}; {rules}"
        if self.movement == "worse" and self.reasons_now:
            return f"{move} because {_within_sentence(self.reasons_now)}"
        if self.movement == "better" and self.reasons_then:
            reasons = "reason" if len(self.reasons_then) == 1 else "reasons"
            return f"{move}; last year's {reasons}: {_within_sentence(self.reasons_then)}"
        if self.reasons_now:
            return f"{move}: {'; '.join(self.reasons_now)}"
        return move

    @property
    def completeness_change(self) -> float | None:
        return _change(self.completeness_then, self.completeness_now)

    @property
    def assurance_change(self) -> float | None:
        return _change(self.assurance_then, self.assurance_now)

    @property
    def open_carried_actions(self) -> int:
        return not_closed(self.carried_actions)

    @property
    def movement(self) -> str | None:
        """ "worse", "better" or "same" on Green < Amber < Red; None when a year has no such rating."""
        if self.rag_then not in RAG_SCALE or self.rag_now not in RAG_SCALE:
            return None
        step = RAG_SCALE.index(self.rag_now) - RAG_SCALE.index(self.rag_then)
        return "worse" if step > 0 else "better" if step < 0 else "same"

    @property
    def rag_step(self) -> int:
        """How many steps along Green < Amber < Red the rating moved (0 when not comparable)."""
        if self.movement is None:
            return 0
        return RAG_SCALE.index(self.rag_now) - RAG_SCALE.index(self.rag_then)


@dataclass(frozen=True)
class RiskMovement:
    """Where one of the strategy's risks sits on average, last year and this year."""

    ref: str
    text: str
    then: tuple[float, float] | None  # average (likelihood, impact)
    now: tuple[float, float] | None
    score_then: float | None
    score_now: float | None

    @property
    def direction(self) -> str:
        if self.score_then is None or self.score_now is None:
            return "not comparable"
        if round(self.score_now - self.score_then, 2) > 0:
            return "up"
        if round(self.score_now - self.score_then, 2) < 0:
            return "down"
        return "no change"


@dataclass(frozen=True)
class Comparison:
    previous_year: int | None
    previous_as_of: str | None
    partnerships: tuple[PartnershipChange, ...]
    risks: tuple[RiskMovement, ...]
    #: Each year's ratings as its pack gave them (each Partnership ID once), as the years side by side.
    ratings_then: Mapping[str, int] | None = None
    ratings_now: Mapping[str, int] | None = None
    #: This year's files that are, byte for byte, a file returned last year: (this year's, last year's).
    returned_unchanged: tuple[tuple[str, str], ...] = ()
    #: Whether last year's results.json lists each action (`action_items`, beyond the contract's counts
    #: by status): when not, last year's open actions are counted but cannot be followed.
    actions_listed: bool = True
    #: The settings of the ratings (`RATING_SETTINGS`) that are not last year's: (key, then, now), each
    #: as written in the configuration file. A rating may move with them alone.
    settings_changed: tuple[tuple[str, str, str], ...] = ()
    #: The actions last year's pack counted open (Not started and In progress, its results.json totals);
    #: None when it does not say.
    open_in_pack_then: int | None = None

    @property
    def not_in_pack_then(self) -> dict[str, int]:
        """Of the actions followed from last year's review, those its pack did not count open, by why
        (`NOT_IN_LAST_PACK`): what makes the two figures differ."""
        found = Counter(
            action.not_in_pack_then
            for change in self.partnerships
            for action in change.carried_actions
            if action.not_in_pack_then
        )
        return {why: found[why] for why in NOT_IN_LAST_PACK if found[why]}

    @property
    def unread_statuses_then(self) -> tuple[str, ...]:
        """The statuses of last year's open actions that could not be read, as typed, each once."""
        return tuple(
            sorted(
                {
                    action.status_then
                    for change in self.partnerships
                    for action in change.carried_actions
                    if action.not_in_pack_then == STATUS_UNREAD
                }
            )
        )

    @property
    def open_actions_then(self) -> int | None:
        """Last year's open actions as its results.json counts them, when it does not list them."""
        if self.actions_listed:
            return None
        return sum(change.open_actions_then or 0 for change in self.partnerships)

    @property
    def new(self) -> tuple[PartnershipChange, ...]:
        return tuple(change for change in self.partnerships if change.status == "new")

    @property
    def ended(self) -> tuple[PartnershipChange, ...]:
        return tuple(change for change in self.partnerships if change.status == "ended")

    @property
    def back(self) -> tuple[PartnershipChange, ...]:
        """Partnerships with no return last year that were reviewed in an earlier year: not new."""
        return tuple(change for change in self.partnerships if change.status == "back")

    @property
    def names_changed(self) -> tuple[PartnershipChange, ...]:
        """Partnerships matched by ID whose name is not last year's (case and spaces aside): renamed, or an
        ID given to another partnership, which the years would then compare as one."""
        return tuple(
            change
            for change in self.partnerships
            if change.status == "continuing"
            and change.name_then
            and change.name
            and values.folded(change.name_then) != values.folded(change.name)
        )

    @property
    def ids_followed(self) -> tuple[PartnershipChange, ...]:
        """The partnerships followed from last year's Partnership ID into a new one (`followed`): continuing."""
        return tuple(change for change in self.partnerships if change.id_then)

    @property
    def ids_changed(self) -> tuple[tuple[PartnershipChange, PartnershipChange], ...]:
        """(new, ended) pairs of the same name (case and spaces aside): most likely one partnership whose
        Partnership ID was typed differently this year, which is then matched with nothing (one that took a
        new ID as rollover asked is followed into it instead: `ids_followed`)."""
        new, ended = _by_name(self.new), _by_name(self.ended)
        return tuple(
            (new[name][0], ended[name][0])
            for name in sorted(new.keys() & ended.keys(), key=lambda name: new[name][0].id)
            if name and len(new[name]) == len(ended[name]) == 1
        )

    def rag_counts(self, year: str) -> dict[str, int]:
        attribute = "rag_then" if year == "then" else "rag_now"
        return dict(
            sorted(
                Counter(
                    getattr(change, attribute)
                    for change in self.partnerships
                    if getattr(change, attribute) and getattr(change, f"counted_{year}")
                ).items()
            )
        )

    @property
    def carried_actions(self) -> int:
        return sum(len(change.carried_actions) for change in self.partnerships)

    @property
    def carried_still_open(self) -> int:
        return sum(change.open_carried_actions for change in self.partnerships)

    @property
    def carried_closed(self) -> int:
        return self.carried_actions - self.carried_still_open

    def _carried_now(self, status: str) -> int:
        return sum(action.status_now == status for change in self.partnerships for action in change.carried_actions)

    @property
    def carried_not_carried_over(self) -> int:
        """Open last year, and no action in that area this year: dropped without being completed."""
        return self._carried_now(NOT_CARRIED_OVER)

    @property
    def carried_no_return(self) -> int:
        """Open last year in a partnership that returned no workbook this year."""
        return self._carried_now(NO_RETURN)

    @property
    def carried_not_assessed(self) -> int:
        """Open last year in a partnership whose workbook this year could not be assessed."""
        return self._carried_now(NOT_ASSESSED_NOW)

    @property
    def carried_open_now(self) -> int:
        """Open last year and still listed, not Complete, this year."""
        return (
            self.carried_still_open - self.carried_not_carried_over - self.carried_no_return - self.carried_not_assessed
        )

    @property
    def counted(self) -> tuple[PartnershipChange, ...]:
        """The partnerships whose return this year counts in the figures (or that sent none): the moves of
        the year are theirs, as the ratings then and now count each Partnership ID once. Another
        partnership still sharing an ID is followed with its own actions, but moves in no count."""
        return tuple(change for change in self.partnerships if change.counted_now is not False)

    @property
    def worse(self) -> tuple[PartnershipChange, ...]:
        """Partnerships whose rating got worse, the biggest moves (Green to Red) first."""
        return tuple(
            sorted(
                (change for change in self.counted if change.movement == "worse"),
                key=lambda change: -change.rag_step,
            )
        )

    @property
    def better(self) -> tuple[PartnershipChange, ...]:
        return tuple(
            sorted(
                (change for change in self.counted if change.movement == "better"),
                key=lambda change: change.rag_step,
            )
        )

    def of_file(self, file: str) -> PartnershipChange | None:
        """The change of the partnership whose return this year is `file`: none for a second return of a
        partnership (a draft, a copy) or of an ID whose other partnership had no return of its name last year."""
        return next((change for change in self.partnerships if file and change.file == file), None)

    def find(self, partnership_id: object) -> PartnershipChange | None:
        """The change of the partnership with this ID (matched as `compare` matches), if any."""
        key = id_key(partnership_id)
        found = [change for change in self.partnerships if key and id_key(change.id) == key]
        # This year's partnership of an ID before last year's other one that shared it (ended).
        return next((change for change in found if change.status != "ended"), found[0] if found else None)

    def as_dict(self) -> dict[str, Any]:
        """For results.json: the comparison, with the derived figures a reader would want, as JSON data."""
        return json.loads(
            json.dumps(
                {
                    "previous_year": self.previous_year,
                    "previous_as_of": self.previous_as_of,
                    # As each year's pack gave them, when its results.json says (a partnership that
                    # counted last year may have no change entry: its ID's other return counts now).
                    "rag_then": _nonzero(self.ratings_then) if self.ratings_then else self.rag_counts("then"),
                    "rag_now": _nonzero(self.ratings_now) if self.ratings_now else self.rag_counts("now"),
                    "new": [change.id for change in self.new],
                    # As the pack: an entry out of scope last year is not a partnership, not expected again.
                    "ended": [change.id for change in self.ended if change.rag_then != catalogue.OUT_OF_SCOPE],
                    "ended_out_of_scope": [
                        change.id for change in self.ended if change.rag_then == catalogue.OUT_OF_SCOPE
                    ],
                    "back": [change.id for change in self.back],
                    # Last year's ID (`ended`) and this year's (`new`) of each partnership whose ID changed:
                    # a new one matched by name with one not returned, and one followed into its new ID.
                    "ids_changed": sorted(
                        [{"new": new.id, "ended": ended.id} for new, ended in self.ids_changed]
                        + [{"new": change.id, "ended": change.id_then} for change in self.ids_followed],
                        key=lambda pair: (pair["new"], pair["ended"]),
                    ),
                    "names_changed": [
                        {"id": change.id, "then": change.name_then, "now": change.name} for change in self.names_changed
                    ],
                    "returned_unchanged": [{"file": now, "last_year": then} for now, then in self.returned_unchanged],
                    "settings_changed": [
                        {"setting": key, "then": then, "now": now} for key, then, now in self.settings_changed
                    ],
                    "previous_actions_listed": self.actions_listed,
                    "previous_open_actions": self.open_actions_then,
                    **{
                        name: count if self.actions_listed else None  # not known: nothing could be followed
                        for name, count in (
                            ("carried_actions", self.carried_actions),
                            ("carried_actions_still_open", self.carried_still_open),
                            ("carried_actions_closed", self.carried_closed),
                            ("carried_actions_not_carried_over", self.carried_not_carried_over),
                            ("carried_actions_no_return", self.carried_no_return),
                            ("carried_actions_not_assessed", self.carried_not_assessed),
                            ("carried_actions_open_now", self.carried_open_now),
                        )
                    },
                    "worse": [change.id for change in self.worse],
                    "better": [change.id for change in self.better],
                    "ratings_then": self.ratings_then,
                    "ratings_now": self.ratings_now,
                    "partnerships": [
                        {
                            **asdict(change),
                            "what_changed": change.what_changed,
                            "completeness_change": change.completeness_change,
                            "assurance_change": change.assurance_change,
                            "movement": change.movement,
                        }
                        for change in self.partnerships
                    ],
                    "risks": [{**asdict(risk), "direction": risk.direction} for risk in self.risks],
                }
            )
        )


def compare(current: Mapping[str, Any], previous: Mapping[str, Any], config: Any = None) -> Comparison:
    """How this year's results differ from last year's, partnership by partnership and risk by risk.
    With this year's `config`, when the rules that rate a partnership changed, last year's figures are
    rated under this year's rules too, so a move the rules alone made is told apart (the Partly weight
    changes assurance itself, which results.json gives as a figure: then nothing is re-rated)."""
    from pipeline.check.score import rating_under

    settings_changed = _settings_changed(current.get("config"), previous.get("config"))
    rerate = (
        config is not None
        and settings_changed
        and all(key != "scoring.partly_weight" for key, _, _ in settings_changed)
    )
    now_returns = returns_by_identity(current["partnerships"])
    listed = _lists_actions(previous["partnerships"])
    changes, this_of, last_of = [], [], []
    for this, last in followed(now_returns, returns_by_identity(previous["partnerships"])):
        either = this or last
        reviewed_before = None if last else _last_review(this, current["year"])
        new_id = bool(this and last and id_key(this["id"]) != id_key(last["id"]))
        changes.append(
            PartnershipChange(
                id=str(either["id"]),
                name=str(either.get("name") or ""),
                status="continuing" if this and last else "ended" if last else "back" if reviewed_before else "new",
                rag_then=last and last.get("rag"),
                rag_now=this and this.get("rag"),
                completeness_then=last and last.get("checklist_completeness"),
                completeness_now=this and this.get("checklist_completeness"),
                assurance_then=last and last.get("checklist_assurance"),
                assurance_now=this and this.get("checklist_assurance"),
                carried_actions=_carried(last, this, listed),
                reasons_then=tuple(str(reason) for reason in (last or {}).get("rag_reasons") or ()),
                reasons_now=tuple(str(reason) for reason in (this or {}).get("rag_reasons") or ()),
                open_actions_then=None if listed or not last else _open_count(last),
                name_then=str(last.get("name") or "") if this and last else "",
                last_review=reviewed_before,
                rag_then_under_rules_now=rating_under(last, config) if rerate and this and last else None,
                counted_then=bool(last.get("counted", True)) if last else None,
                counted_now=bool(this.get("counted", True)) if this else None,
                file=str(this.get("file") or "") if this else "",
                id_then=str(last["id"]) if new_id else "",
                actions_at_last_review=_carried(_at_last_review(this, previous, now_returns), this, True)
                if reviewed_before
                else (),
            )
        )
        this_of.append(this)
        last_of.append(last)
    # A partnership whose ID changed took last year's open actions with it: they are followed in its
    # workbook under the new ID, not counted as in a partnership that returned nothing.
    index = {id(change): position for position, change in enumerate(changes)}
    for new, ended in Comparison(
        previous_year=None, previous_as_of=None, partnerships=tuple(changes), risks=()
    ).ids_changed:
        moved = _carried(last_of[index[id(ended)]], this_of[index[id(new)]], listed)
        changes[index[id(new)]] = replace(new, carried_actions=moved)
        changes[index[id(ended)]] = replace(ended, carried_actions=())
    return Comparison(
        previous_year=previous.get("year"),
        previous_as_of=previous.get("as_of"),
        partnerships=tuple(changes),
        risks=tuple(_movement(risk, previous["partnerships"], current["partnerships"]) for risk in catalogue.RISKS),
        ratings_then=_ratings(previous),
        ratings_now=_ratings(current),
        returned_unchanged=_same_files(current, previous),
        actions_listed=listed,
        settings_changed=settings_changed,
        open_in_pack_then=_open_in_pack(previous),
    )


def _open_in_pack(results: Mapping[str, Any]) -> int | None:
    """The actions a year's pack counted open (its totals' Not started and In progress); None when its
    results.json does not say."""
    counts = (results.get("totals") or {}).get("actions")
    if not isinstance(counts, Mapping):
        return None
    open_now = [counts.get(status) for status in (catalogue.NOT_STARTED, catalogue.IN_PROGRESS)]
    return sum(open_now) if all(isinstance(count, int) for count in open_now) else None


#: The sections of the configuration that rate a partnership: Red and Amber's thresholds, the Partly
#: weight of assurance and the risk bands.
RATING_SETTINGS = ("rag", "scoring")


def _settings_changed(now: Any, then: Any) -> tuple[tuple[str, str, str], ...]:
    """The rating settings whose value last year's results.json records and this year's differs from."""
    if not isinstance(now, Mapping) or not isinstance(then, Mapping):
        return ()  # a results.json of another tool, which records no settings
    changed = []
    for section in RATING_SETTINGS:
        settings_then, settings_now = then.get(section), now.get(section)
        if isinstance(settings_then, Mapping) and isinstance(settings_now, Mapping):
            changed += [
                (f"{section}.{key}", said(settings_then[key]), said(value))
                for key, value in settings_now.items()
                if key in settings_then and settings_then[key] != value
            ]
    return tuple(changed)


def _last_review(partnership: Mapping[str, Any] | None, year: int) -> int | None:
    """The year of the partnership's latest review before `year` (this year's), from its `history`; None
    when it has none."""
    years = [
        entry["year"]
        for entry in (partnership or {}).get("history") or ()
        if isinstance(entry, Mapping) and isinstance(entry.get("year"), int) and entry["year"] < year
    ]
    return max(years, default=None)


def _at_last_review(
    partnership: Mapping[str, Any], previous: Mapping[str, Any], now: Mapping[str, Sequence[Mapping[str, Any]]]
) -> Mapping[str, Any] | None:
    """A partnership with no return last year, as its last review left it: its entry of last year's
    `history.no_return` (its own, as `own_return` takes it; `now` are this year's returns by ID), whose
    `open_actions` are read as a return's `action_items`; None when last year's results do not carry them."""
    carried = previous.get("history")
    carried = carried.get("no_return") if isinstance(carried, Mapping) else None
    key = id_key(partnership.get("id"))
    entries = [item for item in carried or () if isinstance(item, Mapping) and id_key(item.get("id")) == key and key]
    own = own_return(partnership, entries, now.get(key, ())) if entries else None
    if own is None or not isinstance(own.get("open_actions"), list):
        return None
    return {"action_items": [item for item in own["open_actions"] if isinstance(item, Mapping) and item.get("ref")]}


def _same_files(current: Mapping[str, Any], previous: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """This year's input files whose SHA-256 is that of a file returned last year, each with that file:
    last year's workbook sent again, not this year's review."""
    then: dict[str, str] = {}
    for item in previous.get("inputs") or ():
        if isinstance(item, Mapping) and item.get("sha256"):
            then.setdefault(str(item["sha256"]), str(item.get("file") or ""))
    return tuple(
        (str(item["file"]), then[item["sha256"]]) for item in current.get("inputs") or () if item.get("sha256") in then
    )


def _ratings(results: Mapping[str, Any]) -> dict[str, int] | None:
    """A year's ratings as its pack gave them (its totals); None for a results.json without them."""
    rag = (results.get("totals") or {}).get("rag")
    return {name: int(count) for name, count in sorted(rag.items())} if isinstance(rag, Mapping) else None


def _nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {name: count for name, count in sorted(counts.items()) if count}


def _by_name(changes: Sequence[PartnershipChange]) -> dict[str, list[PartnershipChange]]:
    """The changes by name, case and spaces aside."""
    found: dict[str, list[PartnershipChange]] = {}
    for change in changes:
        found.setdefault(values.folded(change.name), []).append(change)
    return found


def returns_by_identity(partnerships: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Every return of each Partnership ID, the one that counted first, the others in the order that takes
    a partnership's own return first, as rollover does (`score.partnership_order`)."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for partnership in sorted(partnerships, key=_partnership_order):
        key = id_key(partnership.get("id"))
        if key:
            found.setdefault(key, []).append(partnership)
    return found


def _partnership_order(partnership: Mapping[str, Any]) -> tuple:
    day = values.date(partnership.get("review_completed_on"))
    return partnership_order(
        bool(partnership.get("counted", True)),
        bool(partnership.get("copy_of")),
        day if isinstance(day, dt.date) else None,
        str(partnership.get("file") or ""),
    )


def own_return(
    partnership: Mapping[str, Any], then: Sequence[Mapping[str, Any]], now: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """Which of an earlier year's returns of a Partnership ID (`then`, as `returns_by_identity` gives
    them) is the same partnership as `partnership`, one of this year's returns of the ID (`now`): the
    first with its name (case and spaces aside); else, when the ID has one return in each year, that
    one (renamed, or the ID given to another partnership: `Comparison.names_changed` points it out);
    else none, as the ID was shared and no return of that year has this one's name."""
    name = name_key(partnership)
    named = [item for item in then if name_key(item) == name]
    if named:
        return named[0]
    return then[0] if len(then) == len(now) == 1 else None


def followed(
    now: Mapping[str, Sequence[Mapping[str, Any]]], then: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """`_matched`'s pairs, with each partnership that took a new Partnership ID as rollover asked followed
    into it: of an ID two partnerships shared last year, one returned it this year and the other returned
    under an ID with no return last year, and its name (case and spaces aside) is that return's alone, of
    those with no return last year, and last year's alone, of those not returned under their ID. Its two
    pairs (new, and ended) are one: (this year's return, last year's). Where the old ID has no return this
    year the two stay apart (`Comparison.ids_changed`): an ID typed differently is corrected, not followed."""
    pairs = list(_matched(now, then))
    alone_now, alone_then = {}, {}
    for this, last in pairs:
        if last is None:
            alone_now.setdefault(name_key(this), []).append(this)
        elif this is None:
            alone_then.setdefault(name_key(last), []).append(last)
    moves = {
        id(alone_now[name][0]): alone_then[name][0]
        for name in alone_now.keys() & alone_then.keys()
        if name and len(alone_now[name]) == len(alone_then[name]) == 1 and id_key(alone_then[name][0].get("id")) in now
    }
    moved_then = {id(last) for last in moves.values()}
    return [(this, moves.get(id(this), last)) for this, last in pairs if not (this is None and id(last) in moved_then)]


def _matched(
    now: Mapping[str, Sequence[Mapping[str, Any]]], then: Mapping[str, Sequence[Mapping[str, Any]]]
) -> Iterator[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """This year's return of each Partnership ID (the one that counts) with last year's return of the same
    partnership (`own_return`; else the one that counted, unless that is the return of another partnership
    still sharing the ID), by ID; then each other partnership still sharing the ID this year (another
    name) with its own return of last year, so that its open actions follow it; then, of an ID two
    partnerships shared last year, each other partnership's return (another name) with no return of that
    name this year under the ID: it ended under that ID, or came back under an ID of its own
    (`Comparison.ids_changed`), as rollover asked. Of two returns of one partnership (the same ID and
    name: a draft sent as well as the final) only one is taken, as rollover takes it."""
    for key in sorted(now.keys() | then.keys(), key=lambda key: (now.get(key) or then[key])[0]["id"]):
        returns, earlier = now.get(key, ()), then.get(key, ())
        names_now = [name_key(item) for item in returns]
        # Returned this year too under the ID, or taken: not ended.
        taken = set(names_now)
        if not returns:
            yield None, earlier[0]
            taken.add(name_key(earlier[0]))
        for position, this in enumerate(returns):
            if names_now.index(name_key(this)) != position:
                continue  # a second return of a partnership already compared
            last = own_return(this, earlier, returns)
            if position == 0 and last is None:
                last = next((item for item in earlier if name_key(item) not in names_now), None)
            if position == 0 or last is not None:
                yield this, last
                taken.add(name_key(last or {}))
        for other in earlier:
            if name_key(other) not in taken:
                taken.add(name_key(other))
                yield None, other


def name_key(partnership: Mapping[str, Any]) -> str:
    """A return's partnership name as returns are matched by it: case and spaces aside."""
    return values.folded(str(partnership.get("name") or ""))


def open_actions(partnership: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The actions open at last year's review of a return, which rollover carried into this year's
    workbook: none for an entry out of scope (a return not assessed had its actions rolled over all the same)."""
    if not _in_scope(partnership):
        return []
    return [item for item in partnership.get("action_items", ()) if _status(item) != catalogue.COMPLETE]


def _lists_actions(partnerships: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a results.json lists each partnership's actions (`action_items`), as every one this tool
    writes does; a results.json with only the contract's fields counts them by status."""
    return not partnerships or any("action_items" in partnership for partnership in partnerships)


def _open_count(partnership: Mapping[str, Any]) -> int:
    """For a results.json that counts actions by status without listing them: how many of a return's
    were open at that review (none for an entry out of scope, as `open_actions`)."""
    counts = partnership.get("actions")
    if not _in_scope(partnership) or not isinstance(counts, Mapping):
        return 0
    open_now = (counts.get(status) for status in (catalogue.NOT_STARTED, catalogue.IN_PROGRESS))
    return sum(count for count in open_now if isinstance(count, int))


def _in_scope(partnership: Mapping[str, Any]) -> bool:
    """A return of a partnership under the strategy, assessed or not."""
    return bool(partnership.get("in_scope", True))


def _carried(last: Mapping[str, Any] | None, this: Mapping[str, Any] | None, listed: bool) -> tuple[CarriedAction, ...]:
    """The actions open at `last` (last year's return; none when last year's results do not list actions),
    each with one outcome this year in `this`: its status now (matched by area ref), not carried over, no
    return this year, or not assessed this year, and why last year's pack did not count it open, if it
    did not."""
    now_by_ref = {item["ref"]: item for item in (this or {}).get("action_items", ())}

    def now(item: Mapping[str, Any]) -> str:
        if this is None:
            return NO_RETURN
        if not this.get("assessed", True):
            return NOT_ASSESSED_NOW
        return _status(now_by_ref[item["ref"]]) if item["ref"] in now_by_ref else NOT_CARRIED_OVER

    def text_now(item: Mapping[str, Any]) -> str:
        then, found = str(item.get("action") or ""), now_by_ref.get(item["ref"])
        written = str((found or {}).get("action") or "")
        return written if found and written and values.folded(written) != values.folded(then) else ""

    def not_in_pack(item: Mapping[str, Any]) -> str:
        if not (last or {}).get("counted", True):
            return SECOND_RETURN
        if not (last or {}).get("assessed", True):
            return NOT_ASSESSED_THEN
        return "" if _status(item) in catalogue.ACTION_STATUSES else STATUS_UNREAD

    return tuple(
        CarriedAction(
            ref=item["ref"],
            action=str(item.get("action") or ""),
            status_then=_status(item),
            status_now=now(item),
            action_now=text_now(item) if this is not None and this.get("assessed", True) else "",
            not_in_pack_then=not_in_pack(item),
        )
        for item in (open_actions(last) if last and listed else ())
    )


def _status(item: Mapping[str, Any]) -> str:
    # The scores count an action with no status as Not started; so does the comparison.
    return str(item.get("status") or catalogue.NOT_STARTED)


def _movement(
    risk: catalogue.StrategyRisk, then: Sequence[Mapping[str, Any]], now: Sequence[Mapping[str, Any]]
) -> RiskMovement:
    position_then, score_then = _average_position(risk.ref, then)
    position_now, score_now = _average_position(risk.ref, now)
    return RiskMovement(risk.ref, risk.text, position_then, position_now, score_then, score_now)


def _average_position(ref: str, partnerships: Sequence[Mapping[str, Any]]):
    # As the heat map and the ranked risks count them: assessed partnerships in scope only, each Partnership
    # ID once (the second return of an ID is not counted).
    rated = [
        entry
        for partnership in partnerships
        for entry in partnership.get("risks", ())
        if partnership.get("in_scope", True)
        and partnership.get("assessed", True)
        and partnership.get("counted", True)
        and entry.get("ref") == ref
        and entry.get("score") is not None
    ]
    if not rated:
        return None, None
    # The position is a point on the heat map; the score is kept whole, to be rounded once where it is
    # shown (4.852 is 4.9, as the ranked risks show it, where 4.85 kept here was shown as 4.8).
    return (
        (round(mean(entry["likelihood"] for entry in rated), 2), round(mean(entry["impact"] for entry in rated), 2)),
        mean(entry["score"] for entry in rated),
    )


def _change(then: float | None, now: float | None) -> float | None:
    return None if then is None or now is None else round(now - then, 4)


def _within_sentence(reasons: tuple[str, ...]) -> str:
    """Reasons for a rating (each a sentence of its own elsewhere: 'An action is overdue ...') as the
    rest of a sentence: 'because an action is overdue ...; checklist assurance 70% is below 75%'."""
    return "; ".join(reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason for reason in reasons)
