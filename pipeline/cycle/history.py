"""The years side by side: this year's results with every earlier year's `results.json`.

`--previous` may be given more than once, and each may be a year's output folder or a folder holding
earlier years' output folders (`load_years`). The latest earlier year is the one "Change since last
year" compares with (pipeline.cycle.compare); every year gives each partnership's rating, checklist
completeness and assurance (`history`, matched by Partnership ID as the comparison matches it), and
the year its RAG split and the money and time its summary gave (`YEAR_TOTALS`). Where an ID was used by more than one return, in that year or this one,
each return is given the figures of that year's return with its name (`compare.own_return`), and a
year whose returns of the ID all have other names is left out of its history (`history_left_out`
says so): no partnership is shown another's figures as its own. One that took a new ID, as rollover
asked of two partnerships sharing one, is followed under its old ID (`compare.followed`). A results.json written with its own
history (a run that was itself given `--previous`) brings its earlier years too, and its
`history.no_return` the years of every partnership seen in an earlier year with no return that year,
and the actions open at its last review (followed when it comes back: `compare`), so giving last year
alone is enough once the chain exists. Each of those says the year of its last
review and the years since with no return; those with none for `NO_RETURN_YEARS` years or more are
listed, as the year before's change no longer names them.

Pure functions over results.json data, apart from `load_years`, which reads the folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from pipeline.check.rules import id_key
from pipeline.check.score import OUT_OF_SCOPE, RAG_ORDER, RED
from pipeline.cycle.compare import (
    RESULTS_FILE,
    PreviousError,
    followed,
    load_previous,
    name_key,
    open_actions,
    own_return,
    returns_by_identity,
)

#: A partnership Red at this many of its reviews running, up to this year's, is listed in the summary.
RED_REVIEWS = 2
#: A partnership with no return in this many of the years known (given or carried) running, up to this
#: year's, is listed.
NO_RETURN_YEARS = 2
#: What each year records of a partnership (results.json `history` entries).
MEASURES = ("rag", "checklist_completeness", "checklist_assurance")
#: What each year records of its money and time, as its own summary gave them (results.json
#: `history.years[].totals`, from that year's `totals`).
YEAR_TOTALS = ("in_scope", "funding", "funding_given", "officer_days", "officer_days_given", "leverage")


def year_folders(given: Path) -> list[Path]:
    """The output folders `--previous` names: the folder itself when it holds a results.json, else
    each folder inside it (hidden ones aside) that holds one."""
    given = Path(given)
    if not given.is_dir():
        raise PreviousError(f"--previous: {given} is not a folder (give last year's report output folder)")
    if (given / RESULTS_FILE).exists():
        return [given]
    found = sorted(
        child
        for child in given.iterdir()
        if child.is_dir() and not child.name.startswith(".") and (child / RESULTS_FILE).exists()
    )
    if not found:
        raise PreviousError(
            f"--previous: {given} has no {RESULTS_FILE}; give last year's report output folder, "
            "or a folder holding earlier years' output folders"
        )
    return found


def load_years(given: Iterable[Path], before: int) -> list[dict[str, Any]]:
    """Every year's results before the year `before` (the review's), oldest first. A year that cannot be
    read, two folders of the same year, or a folder given by name that reviews `before` or a later
    year stop the run (PreviousError, one line). In a folder holding years, those from `before` on
    are passed over: the year's own output, from a run before this one, is one of them when the
    year is run again with `--previous output`."""
    years: dict[int, tuple[Path, dict[str, Any]]] = {}
    for folder, named in ((folder, folder == Path(path)) for path in given for folder in year_folders(path)):
        data = load_previous(folder)
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise PreviousError(f"--previous: {folder / RESULTS_FILE} does not say which year it reviews")
        if year >= before:
            if named:
                raise PreviousError(f"--previous: {folder} is the review of {year}; give years before {before}")
            continue
        if year in years and years[year][0].resolve() != folder.resolve():
            raise PreviousError(
                f"--previous: {years[year][0]} and {folder} are both the review of {year}; give each year once"
            )
        years[year] = (folder, data)
    return [years[year][1] for year in sorted(years)]


def _entry(year: int, partnership: Mapping[str, Any]) -> dict[str, Any]:
    return {"year": year, **{key: partnership.get(key) for key in MEASURES}}


@dataclass(frozen=True)
class _Year:
    """An earlier year's results.json as the history reads it: its returns by Partnership ID, and the
    partnerships it carried with no return that year (`history.no_return`) by ID."""

    year: int
    returns: Mapping[str, Sequence[Mapping[str, Any]]]
    no_return: Mapping[str, Sequence[Mapping[str, Any]]]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> _Year:
        carried = data.get("history")
        carried = carried.get("no_return") if isinstance(carried, Mapping) else None
        carried = [item for item in carried if isinstance(item, Mapping)] if isinstance(carried, list) else []
        return cls(data["year"], returns_by_identity(data["partnerships"]), returns_by_identity(carried))


def _earlier_entries(
    partnership: Mapping[str, Any],
    now: Sequence[Mapping[str, Any]],
    earlier: Sequence[_Year],
    this_year: int,
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """The partnership's entry of every earlier year, from its own return of each year given (see
    `own_return`; `now` is this year's returns of its ID), then from the histories those returns carry
    and those a year carries of partnerships with no return that year (a year given counts over one
    carried); and the years given whose returns of its ID are all another partnership's, each with
    their names."""
    key = id_key(partnership.get("id"))
    found: dict[int, dict[str, Any]] = {}
    left_out: list[dict[str, Any]] = []
    for given in reversed(earlier):  # the latest year's carried history first; given years overwrite it
        for returns in (given.returns, given.no_return):
            own = own_return(partnership, returns.get(key, ()), now)
            for item in (own or {}).get("history") or ():
                if isinstance(item, Mapping) and isinstance(item.get("year"), int) and item["year"] < this_year:
                    found.setdefault(item["year"], {"year": item["year"], **{k: item.get(k) for k in MEASURES}})
    for year, returns in ((given.year, given.returns) for given in earlier):  # every one before this year
        own = own_return(partnership, returns.get(key, ()), now)
        if own is not None:
            found[year] = _entry(year, own)
        elif returns.get(key):
            found.pop(year, None)
            left_out.append({"year": year, "names": [str(item.get("name") or "") for item in returns[key]]})
    return found, left_out


def add_history(current: dict[str, Any], earlier: Sequence[Mapping[str, Any]]) -> None:
    """Give every partnership of `current` (results.json data) its `history`, oldest first, this year
    last, with `history_left_out` (the earlier years whose returns of its ID were another
    partnership's: `year` and their `names`), and `current["history"]`: the RAG split and the
    `totals` of money and time (`YEAR_TOTALS`; `current["totals"]` needs its `leverage`) year by year and
    the IDs Red at `RED_REVIEWS` or more reviews running, the partnerships of earlier years with no
    return this year, each with its years, its `last_review` and its `years_without_return` (`no_return`:
    a later year given this year's folder alone still knows them), and the IDs of those with no return
    for `NO_RETURN_YEARS` years or more running (`no_return_for_two_years_or_more`)."""
    year = current["year"]
    now = returns_by_identity(current["partnerships"])
    years = [_Year.of(data) for data in earlier]
    # A partnership that took a new ID, as rollover asked of two sharing one, is followed under its old ID
    # (`compare.followed`), beside the partnership that keeps it: not under the new.
    moved = {
        id(this): last
        for this, last in (followed(now, years[-1].returns) if years else ())
        if this and last and id_key(this["id"]) != id_key(last["id"])
    }
    for partnership in current["partnerships"]:
        key = id_key(partnership.get("id"))
        if id(partnership) in moved:
            old = moved[id(partnership)]
            under_old = [*now.get(id_key(old["id"]), ()), partnership]
            past, left_out = _earlier_entries({**partnership, "id": old["id"]}, under_old, years, year)
        else:
            past, left_out = _earlier_entries(partnership, now.get(key, ()), years, year)
        partnership["history"] = [past[key] for key in sorted(past)] + [_entry(year, partnership)]
        partnership["history_left_out"] = left_out
    splits: dict[int, dict[str, Any]] = {}
    for data in reversed(earlier):
        for item in (data.get("history") or {}).get("years", ()) if isinstance(data.get("history"), Mapping) else ():
            if isinstance(item, Mapping) and isinstance(item.get("year"), int) and item["year"] < year:
                splits.setdefault(item["year"], _year(item.get("rag"), item.get("totals")))
    for data in earlier:
        if data["year"] != year:
            totals = data.get("totals") or {}
            splits[data["year"]] = _year(totals.get("rag"), totals)
    splits[year] = _year(current["totals"]["rag"], current["totals"])
    no_return = _no_return(now, years, year, sorted(splits))
    current["history"] = {
        "years": [{"year": key, **splits[key]} for key in sorted(splits)],
        "red_for_two_reviews_or_more": [
            partnership["id"]
            for partnership in current["partnerships"]
            if partnership.get("counted", True) and red_run(partnership["history"]) >= RED_REVIEWS
        ],
        "no_return": no_return,
        "no_return_for_two_years_or_more": list(
            dict.fromkeys(item["id"] for item in long_without_return(no_return, current["partnerships"]))
        ),
    }


def _no_return(
    now: Mapping[str, Sequence[Mapping[str, Any]]], earlier: Sequence[_Year], this_year: int, known: Sequence[int]
) -> list[dict[str, Any]]:
    """Each partnership of an earlier year (given, or carried by one) whose Partnership ID has no return
    this year: its ID, its name and its years, from the latest year that knew it, by ID; the year of its
    last review, and the years since, of those `known` (every year given or carried, this one's too),
    which had no return of it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for given in reversed(earlier):
        for key, returns in (*given.returns.items(), *given.no_return.items()):
            if key in now or key in found:
                continue
            found[key] = []
            for item in returns:
                past, _ = _earlier_entries(item, returns, earlier, this_year)
                last_review = max(past, default=None)
                found[key].append(
                    {
                        "id": item.get("id"),
                        "name": item.get("name"),
                        "history": [past[year] for year in sorted(past)],
                        "last_review": last_review,
                        # None without a review: no year can be said to have been without its return.
                        "years_without_return": [
                            year for year in known if last_review is not None and year > last_review
                        ],
                        "open_actions": _open_at_last_review(item, key in given.returns, returns, earlier, last_review),
                    }
                )
    return [item for key in sorted(found) for item in found[key]]


def _open_at_last_review(
    item: Mapping[str, Any],
    is_return: bool,
    returns: Sequence[Mapping[str, Any]],
    earlier: Sequence[_Year],
    last_review: int | None,
) -> list[dict[str, Any]] | None:
    """The actions open at the last review of a partnership with no return this year (`ref`, `action`,
    `status`), which rollover from that year's register sends on, so that they are followed when it
    comes back: from its return (`item` itself, or its own return of that year when given), else as an
    earlier year carried them; None when neither says (a results.json from before they were carried)."""
    if not is_return and last_review is not None:
        given = next((year for year in earlier if year.year == last_review), None)
        own = own_return(item, given.returns.get(id_key(item.get("id")), ()), returns) if given else None
        item, is_return = (own, True) if own is not None else (item, False)
    if is_return:
        return [
            {"ref": action.get("ref"), "action": action.get("action"), "status": action.get("status")}
            for action in open_actions(item)
        ]
    carried = item.get("open_actions")
    return [dict(action) for action in carried if isinstance(action, Mapping)] if isinstance(carried, list) else None


def long_without_return(
    no_return: Sequence[Mapping[str, Any]], now: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Those of `no_return` (`history.no_return`) with no return for `NO_RETURN_YEARS` years or more
    running: not one out of scope at its last review (not a partnership, not expected again), nor one
    whose name has a return this year (`now`) under another ID (its ID was most likely typed
    differently, which the change since last year pointed out the year it happened)."""
    names_now = {name_key(item) for item in now} - {""}
    return [
        item
        for item in no_return
        if len(item.get("years_without_return") or ()) >= NO_RETURN_YEARS
        and item["history"][-1].get("rag") != OUT_OF_SCOPE
        and name_key(item) not in names_now
    ]


def _year(rag: Any, totals: Any) -> dict[str, Any]:
    """A year of `history.years`: its RAG split and its `totals` (`YEAR_TOTALS`) as its own results.json
    gave them; None for each it does not give (a results.json of an older release), and for a sum
    without the count of partnerships giving it, which an older release added blanks into as nothing."""
    totals = totals if isinstance(totals, Mapping) else {}
    figures = {key: totals.get(key) for key in YEAR_TOTALS}
    for total in ("funding", "officer_days"):
        if figures[total] is None or figures[f"{total}_given"] is None:
            figures[total] = figures[f"{total}_given"] = None
    return {"rag": _split(rag), "totals": figures}


def _split(rag: Any) -> dict[str, int]:
    rag = rag if isinstance(rag, Mapping) else {}
    return {name: int(rag.get(name) or 0) for name in RAG_ORDER}


def red_run(history: Sequence[Mapping[str, Any]]) -> int:
    """How many of the partnership's reviews running, up to the latest, rated it Red."""
    count = 0
    for item in reversed(history):
        if item.get("rag") != RED:
            break
        count += 1
    return count
