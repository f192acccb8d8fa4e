"""Realistic filled workbooks for trying the review, the tests and the benchmarks.

Each workbook is the real template filled through `pipeline.cycle.fill`, as an officer would fill it. The
set has the spread a policy team sees in a real year: most returns complete, some half done, a few
with the slips officers make (some forgiven by the reader, some real errors), at least one entry
that the strategy's scope tests rule out, overdue actions and High risks. It also shows what the
strategy's own questions find: every significance tier, a performance management method that is not
proportionate to its tier, a partnership that supports none of the council's objectives, an objective
that no partnership supports (the last of the default list) and a return made with template version 1.

Everything depends only on the seed and the year the set is for: dates are placed around that
year's review season (`season`; `REFERENCE_DATE` by default), never around today, so a seed gives the
same cells (and the same bytes) in any year it is run. A set for another year than `DEMO_YEAR` holds the
same partnerships (IDs, names, partners), their dates in that year's season and some of their reviews a
little better or worse (`_in_another_year`), so that two years of one seed show the change between them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import catalogue, values
from pipeline.config import DEFAULT_OBJECTIVES, Scoring
from pipeline.cycle import DEMO_KEYWORDS, DEMO_YEAR, template
from pipeline.cycle.fill import fill
from pipeline.cycle.rollover import file_name
from pipeline.files.staging import staged_set
from pipeline.files.xlsx import save
from pipeline.formats import uk_date
from pipeline.records import Value


def season(year: int) -> dt.date:
    """The review season of `year`'s demo set: its reviews were completed in the months before, its
    actions fall due around it; reported as of a month after, as `make report` does."""
    return dt.date(year, 4, 1)


REFERENCE_DATE = season(DEMO_YEAR)

COMPLETE, PARTIAL, MISTAKES, OUT_OF_SCOPE = "complete", "partial", "mistakes", "out of scope"
#: Share of each quality in a large set; small sets still get one of each (see `_qualities`).
QUALITY_SHARES = ((OUT_OF_SCOPE, 0.05), (MISTAKES, 0.12), (PARTIAL, 0.15))
#: The spread of ratings a real council year has (roughly 15-25% Red, a healthy Green share) comes
#: from these: Red is mostly an action overdue by more than 90 days or a High risk left without
#: mitigation, so both are kept rare.
#: Chance that an action due more than LONG_PAST_DAYS before the season has been completed.
DONE_WHEN_LONG_PAST, LONG_PAST_DAYS = 0.95, 60
#: Chance that a High risk has a mitigation recorded.
HIGH_MITIGATED = 0.97
#: Chance that a return with mistakes also leaves a High risk unmitigated (the first one always does).
UNMITIGATED_HIGH_SHARE = 0.25
#: From this many workbooks on, one reuses another's Partnership ID, as happens when a new
#: partnership is registered by copying last year's workbook of another.
DUPLICATE_ID_FROM = 30
#: From this many workbooks on, one partnership is set up again by another team of the same service
#: under another name, with a reworded purpose and most of the same partners: the "possible
#: duplication" the pack asks the policy team to check.
LIKELY_DUPLICATE_FROM = 10
#: Chance that an officer writes a partner organisation another way ("&" for "and", capitals, an
#: abbreviation): the pack still counts it as the same organisation.
OTHER_SPELLING = 0.25

COUNCIL_DOMAIN = "northshire.gov.uk"
PLACES = ("Northshire", "Eastbrook", "Kingsmead", "Westvale", "Riverside", "Ashcombe", "Millford", "Thornbury")


@dataclass(frozen=True)
class PartnershipKind:
    """A kind of partnership a council joins, with what typically goes with it."""

    name: str
    service_area: str
    purpose: str
    partners: tuple[str, ...]
    statutory: bool
    strategic: bool
    level: str


KINDS = (
    PartnershipKind(
        "Community Safety Partnership",
        "Communities",
        "Reduce crime, disorder, anti-social behaviour and reoffending across the district.",
        (
            "{place} Police",
            "{place} Fire and Rescue Service",
            "Probation Service",
            "NHS {place} Integrated Care Board",
            "Riverside Housing Association",
        ),
        True,
        True,
        "Local",
    ),
    PartnershipKind(
        "Health and Wellbeing Board",
        "Adult social care and health",
        "Improve the health and wellbeing of residents and reduce health inequalities.",
        (
            "NHS {place} Integrated Care Board",
            "Healthwatch {place}",
            "{place} Community Health Trust",
            "{place} Council for Voluntary Service",
        ),
        True,
        True,
        "Local",
    ),
    PartnershipKind(
        "Local Enterprise Partnership",
        "Economic development",
        "Lead economic growth and job creation across the sub-region.",
        (
            "{place} Chamber of Commerce",
            "University of {place}",
            "Federation of Small Businesses",
            "Neighbouring district councils",
            "{place} College",
        ),
        False,
        True,
        "Regional",
    ),
    PartnershipKind(
        "Safeguarding Children Partnership",
        "Children's services",
        "Keep children safe by coordinating the work of the safeguarding partners.",
        (
            "{place} Police",
            "NHS {place} Integrated Care Board",
            "Schools forum",
            "Children and Family Court Advisory Service",
        ),
        True,
        True,
        "Local",
    ),
    PartnershipKind(
        "Safeguarding Adults Board",
        "Adult social care and health",
        "Help and protect adults at risk of abuse or neglect.",
        ("{place} Police", "NHS {place} Integrated Care Board", "Age UK {place}", "{place} Community Health Trust"),
        True,
        True,
        "Local",
    ),
    PartnershipKind(
        "Youth Justice Partnership Board",
        "Children's services",
        "Prevent offending and reoffending by children and young people.",
        (
            "{place} Police",
            "Probation Service",
            "NHS {place} Integrated Care Board",
            "Department for Work and Pensions",
        ),
        True,
        False,
        "Local",
    ),
    PartnershipKind(
        "Local Nature Partnership",
        "Environment",
        "Protect and improve the natural environment and people's access to it.",
        (
            "Natural England",
            "Environment Agency",
            "{place} Wildlife Trust",
            "National Farmers' Union",
            "Woodland Trust",
        ),
        False,
        True,
        "Regional",
    ),
    PartnershipKind(
        "Joint Waste Partnership",
        "Environment",
        "Reduce waste and increase recycling through joint collection and disposal arrangements.",
        ("Neighbouring district councils", "{place} County Council waste disposal authority"),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Flood Risk Management Partnership",
        "Environment",
        "Reduce the risk of flooding to homes and businesses.",
        ("Environment Agency", "{place} Internal Drainage Board", "Water company", "{place} County Council"),
        True,
        False,
        "Regional",
    ),
    PartnershipKind(
        "Homelessness Forum",
        "Housing",
        "Prevent homelessness and end rough sleeping in the district.",
        (
            "Riverside Housing Association",
            "Shelter",
            "Citizens Advice {place}",
            "Probation Service",
            "Department for Work and Pensions",
        ),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Affordable Warmth Partnership",
        "Housing",
        "Help households out of fuel poverty through advice and home improvements.",
        ("Citizens Advice {place}", "Energy supplier", "Age UK {place}", "NHS {place} Integrated Care Board"),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Town Centre Partnership",
        "Economic development",
        "Bring visitors, events and investment into the town centre.",
        ("{place} Business Improvement District", "{place} Chamber of Commerce", "{place} Police", "Town council"),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Tourism Partnership",
        "Culture and leisure",
        "Promote the area as a visitor destination.",
        ("Visit {place}", "Hotels association", "National Trust", "{place} Chamber of Commerce"),
        False,
        False,
        "Regional",
    ),
    PartnershipKind(
        "Active Lifestyles Partnership",
        "Culture and leisure",
        "Get more residents active, more often.",
        (
            "Sport England",
            "Active {place} county sports partnership",
            "Leisure trust",
            "NHS {place} Integrated Care Board",
        ),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Cultural Partnership",
        "Culture and leisure",
        "Grow arts and heritage activity and the creative economy.",
        ("Arts Council England", "{place} Museums Trust", "University of {place}", "Theatre trust"),
        False,
        True,
        "Local",
    ),
    PartnershipKind(
        "Road Safety Partnership",
        "Transport",
        "Reduce the number of people killed or seriously injured on the roads.",
        ("{place} Police", "{place} Fire and Rescue Service", "National Highways", "{place} County Council"),
        False,
        False,
        "Regional",
    ),
    PartnershipKind(
        "Rural Transport Partnership",
        "Transport",
        "Keep rural communities connected by community and demand-responsive transport.",
        ("Community transport operator", "Bus operator", "{place} County Council", "Parish councils"),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Domestic Abuse Partnership Board",
        "Communities",
        "Support victims of domestic abuse and their children, and hold perpetrators to account.",
        ("{place} Police", "Women's Aid {place}", "Riverside Housing Association", "NHS {place} Integrated Care Board"),
        True,
        True,
        "Local",
    ),
    PartnershipKind(
        "Armed Forces Covenant Partnership",
        "Communities",
        "Make sure the armed forces community is treated fairly in local services.",
        ("Royal British Legion", "Ministry of Defence", "Department for Work and Pensions", "SSAFA"),
        False,
        False,
        "Local",
    ),
    PartnershipKind(
        "Employment and Skills Board",
        "Economic development",
        "Match local skills to the jobs employers need.",
        ("{place} College", "Department for Work and Pensions", "University of {place}", "{place} Chamber of Commerce"),
        False,
        True,
        "Local",
    ),
)

FIRST_NAMES = (
    "Amira",
    "Ben",
    "Chloe",
    "David",
    "Eleanor",
    "Farid",
    "Grace",
    "Harjit",
    "Isla",
    "James",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Owen",
    "Priya",
    "Rhys",
    "Sarah",
    "Tom",
    "Yasmin",
)
SURNAMES = (
    "Ahmed",
    "Bennett",
    "Clarke",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Walker",
    "Wright",
    "Young",
)

EVIDENCE = {
    1: ("Terms of reference agreed {date}", "Partnership strategy {year}-{next}", "Board report {date}"),
    2: ("Annual report {year}", "Outcomes framework and dashboard", "Value for money review {date}"),
    3: (
        "Constitution and terms of reference",
        "Minutes of board meeting {date}",
        "Decision log",
        "Scrutiny committee report {date}",
    ),
    4: ("Quarterly performance report", "Performance dashboard", "Annual performance review {date}"),
    5: ("Budget agreed by the board {date}", "Funding agreement", "Quarterly finance report"),
    6: ("Partnership risk register", "Conflicts of interest policy", "Escalation procedure"),
    7: ("Exit clause in the partnership agreement", "Memorandum of understanding, section 9"),
    8: ("Communications plan {year}", "Complaints procedure on the website", "Public newsletter"),
}
LOCATIONS = (
    "SharePoint > Partnerships > {id}",
    "https://intranet.{domain}/partnerships/{id}",
    "Democratic services: committee papers {year}",
    "Policy team shared drive, {id} folder",
)
#: A plausible action for a No to each area of practice, by the area's Ref in `catalogue.AREAS`: an area
#: added to the catalogue needs one here (`_an_action_for_every_area` says so), and no area takes another's.
ACTIONS = {
    "I01": "Name a lead officer and record the appointment in the partnership register",
    "I02": "Agree and publish a statement of the partnership's purpose",
    "I03": "Seek legal advice on the partnership's status",
    "I04": "Define the council's 'bottom line' for the partnership",
    "I05": "Confirm with the Cabinet member whether the council leads or supports",
    "I06": "Agree reporting lines to the Senior Management Team",
    "I07": "Write down the rules of engagement in a partnership agreement",
    "I08": "Clarify partners' roles and responsibilities in the terms of reference",
    "I09": "Review decision-making arrangements at the annual meeting",
    "I10": "Carry out a resource review with partners and look for external funding",
    "I11": "Set up a shared performance framework with quarterly reporting",
    "I12": "Report progress to Overview and Scrutiny twice a year",
    "I13": "Agree a partnership development plan",
    "I14": "Review the governance arrangements against the partnership checklist",
}


def _an_action_for_every_area() -> None:
    """Fails, naming each area of practice of the catalogue the demo has no action for, before a
    workbook is built: an area added to the catalogue must be given one here."""
    missing = [area for area in catalogue.AREAS if area.ref not in ACTIONS]
    if missing:
        named = "; ".join(f"{area.ref} ({values.cut_at_word(area.text, 60)})" for area in missing)
        raise LookupError(
            f"The demo has no action for area of practice {named}: add one to ACTIONS in pipeline/cycle/demo.py, "
            "keyed by its Ref."
        )


MITIGATIONS = (
    "Quarterly review of the risk at board meetings",
    "Partnership agreement sets out commitments and an escalation route",
    "Regular one-to-ones between lead officers",
    "Funding agreed for three years with a break clause",
    "Shared performance dashboard reviewed monthly",
    "Independent chair appointed",
)
OWN_RISKS = (
    "Loss of external grant funding",
    "Key partner withdraws from the partnership",
    "Data sharing agreement not in place",
    "Reputational damage from a partnership decision",
    "Change of government policy on the partnership's statutory basis",
)


#: Each service area's objectives of the default list (`config.DEFAULT_OBJECTIVES`): the first is the
#: partnership's own, the others it may also help. None names O6, so no demo partnership supports it.
OBJECTIVES_BY_AREA = {
    "Communities": ("O2", "O1"),
    "Adult social care and health": ("O1", "O2"),
    "Children's services": ("O5", "O2"),
    "Economic development": ("O3", "O5"),
    "Environment": ("O4", "O1"),
    "Housing": ("O1", "O2"),
    "Culture and leisure": ("O1", "O3"),
    "Transport": ("O3", "O4"),
}
HOW = {
    "O1": "Joint work on prevention keeps residents well and independent for longer",
    "O2": "Partners share intelligence and act together in the neighbourhoods that need it most",
    "O3": "Brings investment, jobs and visitors into the area",
    "O4": "Cuts waste and carbon and looks after green spaces",
    "O5": "Coordinates early help so children get the right support at the right time",
}


def write_demo_set(out_dir: Path, count: int, seed: int, year: int = DEMO_YEAR) -> list[Path]:
    """Write `count` filled workbooks for `year`'s review into `out_dir` and return their paths, in order.

    `write_demo_set(Path("demo-input"), count=40, seed=7)` gives `P-001_...xlsx` .. `P-040_...xlsx`.
    Of the complete returns, the first says it supports none of the council's objectives and the
    second is made with template version 1 (from three workbooks on). The set is built apart (beside a
    new `out_dir`, in a hidden folder inside one that exists) and put in only once complete, so an
    interrupted demo leaves no half set to block the next (raises `pipeline.files.staging.FolderError`
    while another demo writes into `out_dir`).
    """
    out_dir = Path(out_dir)
    with staged_set(out_dir, "demo") as staging:
        written = _demo_set(staging, count, seed, year)
    return [out_dir / path.relative_to(staging) for path in written]


def _demo_set(out_dir: Path, count: int, seed: int, year: int) -> list[Path]:
    rng = random.Random(seed)
    qualities = _qualities(count, rng)
    paths = []
    ids = [f"P-{number:03d}" for number in range(1, count + 1)]
    first_mistakes = qualities.index(MISTAKES) if MISTAKES in qualities else -1
    # Each kind of partnership once before any comes again (in another place), as in a real council.
    kinds = [kind for _ in range(count // len(KINDS) + 1) for kind in rng.sample(KINDS, len(KINDS))]
    written: list[Answers] = []
    completes = [index for index, quality in enumerate(qualities[: count - 1]) if quality == COMPLETE]
    likely_duplicate = completes[-1] if count >= LIKELY_DUPLICATE_FROM and len(completes) > 1 else -1
    complete = [index for index, quality in enumerate(qualities) if quality == COMPLETE]
    supports_none = complete[0] if count >= 3 and complete else -1
    version_one = complete[1] if count >= 3 and len(complete) > 1 else -1
    for index, quality in enumerate(qualities):
        answers = demo_answers(
            rng,
            ids[index],
            quality,
            unmitigated_high=index == first_mistakes,
            kind=kinds[index],
            reference=season(year),
        )
        if count >= DUPLICATE_ID_FROM and index == count - 1:
            answers.register["id"] = ids[rng.randrange(count - 1)]
        elif index == likely_duplicate:
            _likely_duplicate(answers, written[completes[0]])
        written.append(answers)
        # A separate stream, so these answers leave every other answer of a seed as it was.
        objectives = _objectives(
            random.Random(f"{seed}:{ids[index]}:objectives"), answers, supports_none=index == supports_none
        )
        if "objectives" in answers.register:  # not left blank by an officer who stopped part-way
            answers.register["objectives"] = _objectives_named(objectives)
        if year != DEMO_YEAR:
            _in_another_year(random.Random(f"{seed}:{ids[index]}:{year}"), answers, earlier=year < DEMO_YEAR)
        version = 1 if index == version_one else catalogue.TEMPLATE_VERSION
        fields = {item.key for item in catalogue.register_fields(version)}
        workbook = fill(
            template.build_workbook(version=version),
            register={key: value for key, value in answers.register.items() if key in fields},
            checklist=answers.checklist,
            improvement=answers.improvement,
            risks=answers.risks,
            objectives=objectives if version >= 2 else None,
        )
        workbook.properties.keywords = DEMO_KEYWORDS
        path = out_dir / file_name(ids[index], answers.name)  # named as next year's rollover names it
        save(workbook, path)
        paths.append(path)
    return paths


@dataclass
class Answers:
    """One partnership's answers in the shape `pipeline.cycle.fill.fill` takes."""

    name: str
    quality: str
    register: dict[str, Value]
    checklist: dict[str, dict[str, Value]]
    improvement: dict[str, dict[str, Value]]
    risks: dict[str, dict[str, Value]]
    place: str = ""
    reference: dt.date = REFERENCE_DATE  # the review season the answers are dated around


def demo_answers(
    rng: random.Random,
    partnership_id: str,
    quality: str,
    *,
    unmitigated_high: bool = False,
    kind: PartnershipKind | None = None,
    reference: dt.date = REFERENCE_DATE,
) -> Answers:
    """Plausible answers for one partnership of the given quality, drawn from `rng`, dated around the
    review season `reference`.

    `unmitigated_high` makes sure a return with mistakes also leaves a High risk without mitigation
    (`write_demo_set` asks it of the first such return, so every set shows one).
    """
    _an_action_for_every_area()
    kind = kind or rng.choice(KINDS)
    place = rng.choice(PLACES)
    name = f"{place} {kind.name}"
    maturity = rng.uniform(0.6, 0.97)  # how well run the partnership is: the chance of each Yes
    people = [_person(rng) for _ in range(4)]
    answers = Answers(
        name,
        quality,
        _register(rng, partnership_id, name, kind, place, people[0], reference),
        _checklist(rng, partnership_id, maturity, reference),
        _improvement(rng, maturity, people, reference),
        _risks(rng, maturity, people),
        place,
        reference,
    )
    if quality == PARTIAL:
        _leave_blanks(rng, answers)
    elif quality == MISTAKES:
        for slip in rng.sample(_ERRORS, rng.randint(1, 3)):
            slip(rng, answers)
        rng.choice(_FORGIVEN)(rng, answers)
        # Not a typing slip but the gap the review exists to catch: every set shows one, some show more.
        if unmitigated_high or rng.random() < UNMITIGATED_HIGH_SHARE:
            _unmitigated_high_risk(rng, answers)
    elif quality == OUT_OF_SCOPE:
        test = rng.choice(catalogue.SCOPE_FIELDS)
        answers.register[test.key] = catalogue.YES
        if rng.random() < 0.5:  # officers often stop once they find the strategy does not apply
            answers.checklist, answers.improvement, answers.risks = {}, {}, {}
    elif rng.random() < 0.2:
        rng.choice(_FORGIVEN)(rng, answers)
    return answers


def _qualities(count: int, rng: random.Random) -> list[str]:
    """Each workbook's quality: one of each kind first, then the shares, in a seeded order."""
    qualities = [COMPLETE, OUT_OF_SCOPE, MISTAKES, PARTIAL][:count]
    for quality, share in QUALITY_SHARES:
        qualities += [quality] * max(0, round(count * share) - qualities.count(quality))
    qualities = qualities[:count] + [COMPLETE] * (count - len(qualities))
    rng.shuffle(qualities)
    return qualities


# --- The sheets ------------------------------------------------------------------------------------


def _register(
    rng: random.Random,
    partnership_id: str,
    name: str,
    kind: PartnershipKind,
    place: str,
    lead: tuple[str, str],
    reference: dt.date,
) -> dict[str, Value]:
    partners = [
        partner.format(place=place)
        for partner in rng.sample(kind.partners, rng.randint(min(2, len(kind.partners)), len(kind.partners)))
    ]
    partners = [_other_spelling(partner) if rng.random() < OTHER_SPELLING else partner for partner in partners]
    completed = reference - dt.timedelta(days=rng.randint(5, 110))
    # Most next reviews fall a year after this one; a few were never moved on and are overdue.
    next_review = (
        _a_year_after(completed) if rng.random() > 0.1 else reference - dt.timedelta(days=rng.randint(20, 300))
    )
    funding = rng.choice((0, rng.randint(1, 40) * 500, rng.randint(2, 60) * 2500, rng.randint(1, 8) * 25000))
    register: dict[str, Value] = {
        "id": partnership_id,
        "name": name,
        "purpose": kind.purpose,
        "partners": f"{catalogue.LIST_SEPARATOR} ".join(partners),
        "lead_officer": lead[0],
        "lead_officer_email": lead[1],
        "service_area": kind.service_area,
        "council_role": rng.choices(catalogue.FIELDS_BY_KEY["council_role"].choices, (5, 4, 1))[0],
        "strategic_operational": "Strategic" if kind.strategic else "Operational",
        "statutory_voluntary": "Statutory" if kind.statutory else "Voluntary",
        "single_multi": "Multi organisation" if len(partners) > 1 else "Single organisation",
        "geographic_level": kind.level,
        "legal_status": rng.choice(
            catalogue.LEGAL_STATUSES
            if not kind.statutory
            else ("Statutory body", "Joint committee", "No separate legal status")
        ),
        "objectives": "",  # named from the Objectives sheet's answers (`_objectives_named`), as an officer does
        "performance_method": rng.choice(catalogue.PERFORMANCE_METHODS),
        "funding": funding,
        "officer_days": rng.randint(4, 150),
        "councillor_days": rng.randint(0, 24),
        "start_date": dt.date(rng.randint(reference.year - 22, reference.year - 2), rng.randint(1, 12), 1),
        "next_review": next_review,
        "review_completed_on": completed,
        "review_completed_by": lead[0],
    }
    register.update({field.key: catalogue.NO for field in catalogue.SCOPE_FIELDS})
    return register


def _objectives(rng: random.Random, answers: Answers, *, supports_none: bool) -> dict[str, dict[str, Value]]:
    """Yes to the partnership's own objective (and sometimes one more), with How; No to the rest; the
    budget fields of template version 2 beside the council's funding."""
    funding = answers.register.get("funding")
    if isinstance(funding, int):
        partners = rng.choice((0, funding // 2, funding, funding * 3, rng.randint(1, 40) * 5000))
        answers.register["partner_contributions"] = partners
        answers.register["total_budget"] = funding + partners
    own = OBJECTIVES_BY_AREA.get(str(answers.register.get("service_area")), ("O2", "O1"))
    chosen = set() if supports_none else {own[0], *(own[1:] if rng.random() < 0.4 else ())}
    if answers.quality == OUT_OF_SCOPE:
        return {}
    rows = {}
    for objective in DEFAULT_OBJECTIVES:
        if objective.ref in chosen:
            rows[objective.ref] = {"Contributes": catalogue.YES, "How": HOW[objective.ref]}
        elif answers.quality == PARTIAL and rng.random() < 0.3:
            continue
        else:
            rows[objective.ref] = {"Contributes": catalogue.NO}
    return rows


def _objectives_named(rows: dict[str, dict[str, Value]]) -> str | None:
    """The Register's "Council objectives supported": the titles of the objectives the Objectives sheet
    answers Yes to, so the two never contradict each other (blank when it supports none)."""
    titles = [
        objective.title
        for objective in DEFAULT_OBJECTIVES
        if rows.get(objective.ref, {}).get("Contributes") == catalogue.YES
    ]
    return f"{catalogue.LIST_SEPARATOR} ".join(titles) or None


def _checklist(
    rng: random.Random, partnership_id: str, maturity: float, reference: dt.date
) -> dict[str, dict[str, Value]]:
    rows = {}
    gap = 1 - maturity
    for question in catalogue.QUESTIONS:
        status = rng.choices(catalogue.CHECKLIST_STATUSES, (maturity, gap * 0.5, gap * 0.35, gap * 0.15))[0]
        row: dict[str, Value] = {"Status": status}
        if status in (catalogue.YES, catalogue.PARTLY) and rng.random() > 0.03:
            row["Evidence"] = _fill_in(rng, rng.choice(EVIDENCE[question.section_number]), partnership_id, reference)
            if rng.random() > 0.15:
                row["Evidence location"] = _fill_in(rng, rng.choice(LOCATIONS), partnership_id, reference)
        elif status == catalogue.NOT_APPLICABLE:
            row["Evidence"] = "Not relevant to this partnership's remit"
        rows[question.ref] = row
    return rows


def _improvement(
    rng: random.Random, maturity: float, people: list[tuple[str, str]], reference: dt.date
) -> dict[str, dict[str, Value]]:
    rows = {}
    for area in catalogue.AREAS:
        if rng.random() < maturity:
            rows[area.ref] = {"Answer": catalogue.YES}
            continue
        due = reference + dt.timedelta(days=rng.randint(-240, 300))
        # Actions due long ago are nearly always done; recent ones often not yet: the overdue ones
        # the pack reports, only a few of them long overdue.
        age = (reference - due).days
        done = age > 0 and rng.random() < (DONE_WHEN_LONG_PAST if age > LONG_PAST_DAYS else 0.5)
        status = catalogue.COMPLETE if done else rng.choice((catalogue.NOT_STARTED, catalogue.IN_PROGRESS))
        rows[area.ref] = {
            "Answer": catalogue.NO,
            "Action": ACTIONS[area.ref],
            "Action owner": rng.choice(people)[0],
            "Due date": due,
            "Action status": status,
        }
    return rows


def _risks(rng: random.Random, maturity: float, people: list[tuple[str, str]]) -> dict[str, dict[str, Value]]:
    rows = {}
    # Ratings lean low, and well-run partnerships rarely rate a risk at the top of the scale.
    weights = (3, 4, 3, 1.5, 0.5) if maturity < 0.8 else (4, 5, 3, 1, 0)
    refs = [risk.ref for risk in catalogue.RISKS]
    own_refs = [ref for ref in catalogue.RISK_ROWS if ref not in refs]
    for index in range(rng.choices((0, 1, 2), (6, 3, 1))[0]):
        rows[own_refs[index]] = {"Ref": own_refs[index], "Risk": rng.choice(OWN_RISKS)}
    for ref in refs + list(rows):
        likelihood, impact = rng.choices(catalogue.RISK_RATINGS, weights, k=2)
        row = rows.setdefault(ref, {})
        row.update({"Likelihood": likelihood, "Impact": impact, "Owner": rng.choice(people)[0]})
        # Higher risks are more often mitigated, nearly always when High: the pack must show the gaps,
        # but a council's risk registers mostly cover their biggest risks.
        if rng.random() < min(HIGH_MITIGATED, likelihood * impact / 12):
            row["Mitigation"] = rng.choice(MITIGATIONS)
    return rows


def _leave_blanks(rng: random.Random, answers: Answers) -> None:
    """An officer who stopped part-way: a run of later questions and some ratings left empty."""
    stop = rng.randint(12, len(catalogue.QUESTIONS) - 3)  # a few stop early enough to be Red
    for question in catalogue.QUESTIONS[stop:]:
        answers.checklist.pop(question.ref, None)
    for area in rng.sample(catalogue.AREAS, rng.randint(2, 8)):
        answers.improvement.pop(area.ref, None)
    for ref in rng.sample(sorted(answers.risks), rng.randint(1, 4)):
        answers.risks[ref].pop(rng.choice(("Likelihood", "Impact")), None)
    for key in rng.sample(
        (
            "legal_status",
            "objectives",
            "performance_method",
            "councillor_days",
            "start_date",
            "review_completed_by",
            "purpose",
        ),
        rng.randint(1, 3),
    ):
        answers.register.pop(key, None)


def _other_spelling(partner: str) -> str:
    """The same organisation as another officer writes it."""
    if "Integrated Care Board" in partner:
        return partner.replace("Integrated Care Board", "ICB")
    if " and " in partner:
        return partner.replace(" and ", " & ")
    return partner.upper()


def _likely_duplicate(answers: Answers, source: Answers) -> None:
    """Make `answers` a second partnership doing what `source` does: same service area and place,
    most of its partners, its purpose reworded, another name."""
    register = answers.register
    words = str(source.register["purpose"]).rstrip(".")
    partners = [item.strip() for item in str(source.register["partners"]).split(catalogue.LIST_SEPARATOR)]
    register["partners"] = f"{catalogue.LIST_SEPARATOR} ".join(
        partners[: max(2, len(partners) - 1)] + ["Voluntary Action " + source.place]
    )
    register["purpose"] = f"Working together in {source.place} to {words[0].lower()}{words[1:]}, joining up services."
    register["service_area"] = source.register["service_area"]
    words = source.name.split()[1:]
    while len(words) > 1 and words[-1] in ("Partnership", "Board", "Forum"):
        words.pop()
    answers.name = register["name"] = f"{source.place} {' '.join(words)} Steering Group"
    answers.place = source.place


# --- Another year of the same partnerships --------------------------------------------------------
#: How many partnerships' reviews are a little worse and how many a little better in another year, and
#: how many the same (but for their dates and actions).
YEAR_ON_YEAR = (("worse", 3), ("better", 3), ("same", 4))
#: Chance that an action is closed between one year and the next.
CLOSED_IN_A_YEAR = 0.6


def _in_another_year(rng: random.Random, answers: Answers, *, earlier: bool) -> None:
    """The partnership's review in another year: its actions a year apart (in an `earlier` year, some
    that are Complete in the demo's year still open, and due when they are due in the demo's year; in a
    later one, some open ones Complete), and the
    same answers, or a little worse (some questions left unanswered, an action overdue, a High risk), or
    a little better (every question answered, the actions done, the High risks mitigated)."""
    if answers.quality == OUT_OF_SCOPE:
        return
    for row in answers.improvement.values():
        closed = row.get("Action status") == catalogue.COMPLETE
        if not row.get("Action") or closed is not earlier or rng.random() >= CLOSED_IN_A_YEAR:
            continue
        if not earlier:
            row["Action status"] = catalogue.COMPLETE
        elif isinstance(row.get("Due date"), dt.date):  # its own date, a year after the season's shift
            row.update({"Action status": catalogue.IN_PROGRESS, "Due date": _a_year_after(row["Due date"])})
    way = rng.choices([way for way, _ in YEAR_ON_YEAR], [weight for _, weight in YEAR_ON_YEAR])[0]
    if way == "worse":
        rng.choice((_fewer_answers, _action_overdue, _high_risk))(rng, answers)
    elif way == "better":
        for better in rng.sample((_every_question_answered, _actions_done, _high_risks_mitigated), rng.randint(1, 3)):
            better(rng, answers)


def _fewer_answers(rng: random.Random, answers: Answers) -> None:
    for question in catalogue.QUESTIONS[-rng.randint(4, 9) :]:
        answers.checklist.pop(question.ref, None)


def _action_overdue(rng: random.Random, answers: Answers) -> None:
    """An action due a few weeks before the review, not done: overdue, by less than the Red threshold."""
    area = rng.choice(catalogue.AREAS)
    answers.improvement[area.ref] = {
        "Answer": catalogue.NO,
        "Action": ACTIONS[area.ref],
        "Action owner": answers.register.get("lead_officer"),
        "Due date": answers.reference - dt.timedelta(days=rng.randint(10, 50)),
        "Action status": catalogue.IN_PROGRESS,
    }


def _high_risk(rng: random.Random, answers: Answers) -> None:
    """One of the strategy's risks rated High, with its mitigation."""
    row = answers.risks.setdefault(rng.choice(catalogue.RISKS).ref, {})
    row.update({"Likelihood": 4, "Impact": 4, "Mitigation": rng.choice(MITIGATIONS)})


def _every_question_answered(rng: random.Random, answers: Answers) -> None:
    for question in catalogue.QUESTIONS:
        row = answers.checklist.setdefault(question.ref, {})
        if values.choice(row.get("Status"), catalogue.CHECKLIST_STATUSES) in (None, values.INVALID):
            row["Status"] = catalogue.YES
            evidence = rng.choice(EVIDENCE[question.section_number])
            row["Evidence"] = _fill_in(rng, evidence, str(answers.register.get("id") or ""), answers.reference)


def _actions_done(rng: random.Random, answers: Answers) -> None:
    for row in answers.improvement.values():
        if row.get("Action"):
            row["Action status"] = catalogue.COMPLETE


def _high_risks_mitigated(rng: random.Random, answers: Answers) -> None:
    for row in answers.risks.values():
        likelihood, impact = row.get("Likelihood"), row.get("Impact")
        rated = likelihood in catalogue.RISK_RATINGS and impact in catalogue.RISK_RATINGS
        if rated and Scoring().risk_band(likelihood * impact) == catalogue.HIGH and not row.get("Mitigation"):
            row["Mitigation"] = rng.choice(MITIGATIONS)


# --- The slips officers make -----------------------------------------------------------------------
# Forgiven ones the reader must accept silently; errors the validation report must point at.


def _lower_case_answer(rng: random.Random, answers: Answers) -> None:
    for ref in rng.sample(sorted(answers.checklist), min(3, len(answers.checklist))):
        if answers.checklist[ref].get("Status") == catalogue.YES:
            answers.checklist[ref]["Status"] = "yes "


def _non_breaking_spaces(rng: random.Random, answers: Answers) -> None:
    ref = rng.choice(sorted(answers.checklist) or [catalogue.QUESTIONS[0].ref])
    answers.checklist.setdefault(ref, {})["Status"] = f"\u00a0{catalogue.PARTLY}\u00a0"
    answers.checklist[ref].setdefault("Evidence", "Draft terms of reference")


def _numbers_as_text(rng: random.Random, answers: Answers) -> None:
    answers.register["funding"] = f"£{rng.randint(1, 90) * 1000:,}"
    answers.register["officer_days"] = f" {rng.randint(4, 60)} "


def _uk_text_dates(rng: random.Random, answers: Answers) -> None:
    for key in ("review_completed_on", "next_review"):
        value = answers.register.get(key)
        if isinstance(value, dt.date):
            answers.register[key] = uk_date(value)
    for row in answers.improvement.values():
        if isinstance(row.get("Due date"), dt.date):
            row["Due date"] = uk_date(row["Due date"])


def _invalid_status(rng: random.Random, answers: Answers) -> None:
    answers.checklist[rng.choice(catalogue.QUESTIONS).ref] = {"Status": rng.choice(("Maybe", "TBC", "Y"))}


def _no_without_action(rng: random.Random, answers: Answers) -> None:
    answers.improvement[rng.choice(catalogue.AREAS).ref] = {"Answer": catalogue.NO}


def _rating_out_of_range(rng: random.Random, answers: Answers) -> None:
    ref = rng.choice([risk.ref for risk in catalogue.RISKS])
    answers.risks.setdefault(ref, {})[rng.choice(("Likelihood", "Impact"))] = rng.choice((7, 0, "High", 3.5))


def _unreadable_date(rng: random.Random, answers: Answers) -> None:
    bad = rng.choice(("31/02/{year}", "next March", "{year}-13-01")).format(year=answers.reference.year)
    if rng.random() < 0.5 or not answers.improvement:
        answers.register["next_review"] = bad
    else:
        ref = rng.choice(sorted(answers.improvement))
        answers.improvement[ref].update({"Answer": catalogue.NO, "Action": ACTIONS[ref], "Due date": bad})


def _bad_email(rng: random.Random, answers: Answers) -> None:
    if rng.random() < 0.5:
        answers.register.pop("lead_officer_email", None)
    else:
        answers.register["lead_officer_email"] = rng.choice(
            (str(answers.register["lead_officer"]), "j.smith@council", "lead officer tbc")
        )


def _invalid_action_status(rng: random.Random, answers: Answers) -> None:
    actions = [ref for ref, row in answers.improvement.items() if row.get("Action")]
    if actions:
        answers.improvement[rng.choice(actions)]["Action status"] = rng.choice(("Done", "Ongoing"))
    else:
        _no_without_action(rng, answers)


def _unmitigated_high_risk(rng: random.Random, answers: Answers) -> None:
    # A risk whose rating was not already made wrong by another slip, so both findings show.
    ref = rng.choice(
        [
            risk.ref
            for risk in catalogue.RISKS
            if all(
                answers.risks.get(risk.ref, {}).get(header, 1) in catalogue.RISK_RATINGS
                for header in ("Likelihood", "Impact")
            )
        ]
    )
    row = answers.risks.setdefault(ref, {})
    row.update({"Likelihood": 5, "Impact": rng.choice((3, 4, 5))})
    row.pop("Mitigation", None)


_FORGIVEN = (_lower_case_answer, _non_breaking_spaces, _numbers_as_text, _uk_text_dates)
_ERRORS = (
    _invalid_status,
    _no_without_action,
    _rating_out_of_range,
    _unreadable_date,
    _bad_email,
    _invalid_action_status,
)


# --- Small helpers ---------------------------------------------------------------------------------


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    return f"{first} {last}", f"{first}.{re.sub('[^A-Za-z]', '', last)}@{COUNCIL_DOMAIN}".lower()


def _a_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February after a 29th)."""
    if (day.month, day.day) == (2, 29):
        day = day.replace(day=28)
    return day.replace(year=day.year + 1)


def _fill_in(rng: random.Random, text: str, partnership_id: str, reference: dt.date) -> str:
    day = reference - dt.timedelta(days=rng.randint(30, 400))
    year = reference.year - 1
    return text.format(
        date=day.strftime("%d %B %Y"), year=year, next=year + 1, id=partnership_id, domain=COUNCIL_DOMAIN
    )
