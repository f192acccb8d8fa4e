"""The strategy's content, typed once.

Every question, area of practice, risk, register field and allowed answer that an officer sees, the
loader checks or the pack prints comes from here. The text is the strategy's own
(`docs/partnership-strategy.txt`), word for word where officers see it; nothing in this
module is repeated anywhere else in the project. The sheet layouts (headers, columns, first rows)
are here too because they are the workbook contract: the template writes them and the loader
checks them.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import Enum

from pipeline import values

#: The version `partnerships templates` writes and rollover always writes.
TEMPLATE_VERSION = 2
#: Every version still read and assessed: a version 1 workbook (no Objectives sheet, no budget fields)
#: is assessed with its objectives "not stated" and a warning to use the current template next year.
TEMPLATE_VERSIONS_READ = (1, 2)
TEMPLATE_VERSION_NAME = "template_version"
#: The defined name holding the fingerprint of the objectives list a workbook was made with.
OBJECTIVES_LIST_NAME = "objectives_list"
TEMPLATE_FILE_NAME = "partnership_review.xlsx"

STRATEGY_TITLE = "Partnership strategy"
STRATEGY_VERSION_NOTE = "Strategy published January 2009 \u2013 reviewed annually, above version as at January 2013."

#: What the strategy asks of partnerships and the council's objectives, in its words (quoted, never made stronger).
SUPPORT_OBJECTIVES = "We also need to ensure that they support our strategic objectives"
DEFINITION = (
    "A relationship between two or more independent legal bodies, organisations or individuals "
    "working together to secure some shared objective"
)

#: The strategy's "different types of partnerships, on a number of different spectrums".
PARTNERSHIP_TYPES = (
    "Strategic / operational",
    "Statutory / voluntary",
    "Single organisation / Multi organisation",
    "National/ regional/ local.",  # with the strategy's full stop, as its exclusions keep theirs
)

NOT_A_PARTNERSHIP_NOTE = (
    "While we will work with a partnership ethos in many of these circumstances there is a different "
    "relationship and these situations will be managed through different processes."
)


# --- Allowed answers ------------------------------------------------------------------------------

YES, NO, PARTLY, NOT_APPLICABLE = "Yes", "No", "Partly", "N/A"
YES_NO = (YES, NO)
CHECKLIST_STATUSES = (YES, PARTLY, NO, NOT_APPLICABLE)
IMPROVEMENT_ANSWERS = YES_NO
NOT_STARTED, IN_PROGRESS, COMPLETE = "Not started", "In progress", "Complete"
ACTION_STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETE)
RISK_RATINGS = (1, 2, 3, 4, 5)

#: A partnership's rating (RAG), and the two ratings that are not a judgement.
RED, AMBER, GREEN = "Red", "Amber", "Green"
OUT_OF_SCOPE, NOT_ASSESSED = "Out of scope", "Not assessed"
#: Every rating, in the order the pack lists them.
RAG_ORDER = (RED, AMBER, GREEN, OUT_OF_SCOPE, NOT_ASSESSED)
#: A rated risk's band (likelihood x impact; the bounds are configuration: `scoring.risk_*_max`).
LOW, MEDIUM, HIGH = "Low", "Medium", "High"
RISK_BANDS = (LOW, MEDIUM, HIGH)

#: What each answer means, for the Guide sheet and input messages.
ANSWER_MEANINGS = {
    "Checklist status": (
        (YES, "The arrangement is in place and you can point to the evidence."),
        (PARTLY, "Some of it is in place; say in Evidence what is missing."),
        (NO, "It is not in place. Consider an action in the Improvement sheet."),
        (NOT_APPLICABLE, "The question does not apply to this partnership; say why in Evidence."),
    ),
    "Improvement answer": (
        (YES, "This area of practice is in place and working."),
        (NO, "It is not in place or not working: an Action is required, with an owner and a due date."),
    ),
    "Action status": (
        (NOT_STARTED, "The action has been agreed but no work has begun."),
        (IN_PROGRESS, "Work on the action has begun."),
        (COMPLETE, "The action is finished."),
    ),
    "Likelihood and Impact": (
        ("1", "Very low"),
        ("2", "Low"),
        ("3", "Medium"),
        ("4", "High"),
        ("5", "Very high"),
    ),
}


# --- Items of the catalogue ------------------------------------------------------------------------


class _Item:
    """A question, area, risk or field of this catalogue. Pickled (a worker process sending a loaded
    workbook back) as a reference to the catalogue's own item, so a batch's records share one copy of
    the strategy's text instead of each carrying its own."""

    def __reduce_ex__(self, protocol):
        kind, key = type(self).__name__, self.key if isinstance(self, Field) else self.ref
        if _ITEMS.get(kind, {}).get(key) is self:
            return _item, (kind, key)
        return super().__reduce_ex__(protocol)


def _item(kind: str, key: str) -> _Item:
    return _ITEMS[kind][key]


# --- Partnership checklist: 8 sections, 29 questions ---------------------------------------------


@dataclass(frozen=True)
class Question(_Item):
    ref: str
    section_number: int
    section: str
    text: str
    yes_means: str = ""  # what Yes means where "the arrangement is in place" does not fit the question


#: Questions asked the other way round from the rest: what each Status means for them, so that Yes is
#: the answer that gives assurance, as for every other question.
YES_MEANS = {
    "1d": (
        "For 1d, Yes: the partnership has been compared with other ways of serving the public and is still "
        "the best of them (say how in Evidence). No: that has not been looked at, or a better way was found "
        "(consider an action)."
    ),
}


CHECKLIST_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Rationale for the partnership",
        (
            "Why does the partnership exist?",
            "What are its agreed aims?",
            "Where have these been published?",
            "Can we identify a better way of serving the public",
        ),
    ),
    (
        "Added value from the partnership",
        (
            "How does the partnership add value",
            "How do we demonstrate this added value to the public",
            "How do we know whether funds are being well spent",
            "How does the public know that partnership funds are being well spent",
        ),
    ),
    (
        "Governance arrangements",
        (
            "How do our partnership's corporate governance arrangements link to those of individual partners",
            "How are decisions made",
            "How are they recorded",
            "Who makes sure they are acted on",
            "Who scrutinises them",
            "Who are they reported to",
        ),
    ),
    (
        "Performance management",
        (
            "How do we know which partnership targets we are meeting and which we are failing to meet",
            "Who manages and reports progress",
        ),
    ),
    (
        "Financial management",
        (
            "Who provides the money",
            "Who decides how to spend it",
            "Can the money be reallocated",
            "What are the financial reporting arrangements",
        ),
    ),
    (
        "Risk management",
        (
            "How do we know when things are going wrong",
            "Who can take action when things go wrong",
            "How do we resolve conflicts of interest",
        ),
    ),
    (
        "Termination arrangements",
        (
            "What are the arrangements if this partnership comes to an end",
            "Or if we decide not to be involved any longer",
            "How will resources be reallocated back to partners",
        ),
    ),
    (
        "Serving the public",
        (
            "How effectively does this partnership communicate with the public",
            "How can the public and service users obtain redress when things go wrong",
            "Is there a complaints and suggestions process the public can use",
        ),
    ),
)

QUESTIONS: tuple[Question, ...] = tuple(
    Question(f"{number}{letter}", number, section, text, YES_MEANS.get(f"{number}{letter}", ""))
    for number, (section, texts) in enumerate(CHECKLIST_SECTIONS, start=1)
    for letter, text in zip("abcdefghij", texts)
)
SECTION_NAMES: tuple[str, ...] = tuple(section for section, _ in CHECKLIST_SECTIONS)


# --- Partnership Improvement Tool: 14 areas of practice ------------------------------------------


@dataclass(frozen=True)
class Area(_Item):
    ref: str
    text: str
    guidance: tuple[str, ...] = ()

    @property
    def full_text(self) -> str:
        """The area as officers read it in the strategy, bullets included."""
        return "\n".join((self.text, *(f"\u2022 {line}" for line in self.guidance)))


AREAS: tuple[Area, ...] = tuple(
    Area(f"I{number:02d}", text, guidance)
    for number, (text, guidance) in enumerate(
        (
            (
                "Whether there is a 'Lead Officer' or 'Project Sponsor' who has responsibility for the "
                "Council's involvement in the partnership, but who will not necessarily be the Council's "
                "representative within the partnership.",
                (),
            ),
            (
                "The clarity of the purpose of the partnership. There should be a rationale for why a "
                "partnership exists (eg to deliver co-ordinated packages of services, to tackle 'wicked' or "
                "complex issues or to reduce the impact of organisational fragmentation).",
                (),
            ),
            (
                "The legal status of the partnership and whether it is appropriate for the objectives to be "
                "achieved through partnership working.",
                (),
            ),
            (
                "Whether the Council has defined its 'bottom line' in terms of what it wants to obtain from "
                "the partnership for itself and for local people.",
                (),
            ),
            ("Clarity on council involvement in the partnership (eg leading or supporting).", ()),
            (
                "Whether there is a plan for how the Council's involvement is supported and managed (eg "
                "reporting arrangements and lines of accountability).",
                (),
            ),
            (
                "'Rules of engagement' (eg whether the Council is simply funding a partnership and has "
                "minimal involvement, or whether it is a full and active partner and is carrying out "
                "practical activities on behalf of the partnership).",
                (),
            ),
            (
                "Whether the rights and responsibilities of members of the partnership have been defined "
                "and are understood.",
                (),
            ),
            ("Are decision making arrangements effective?", ()),
            (
                "Whether the partnership is appropriately resourced and whether consideration has been "
                "given to resources that might be made available from sources other than the Council.",
                (),
            ),
            ("The effectiveness of performance management arrangements including scrutiny and evaluation.", ()),
            (
                "How the partnership is held to account including:",
                (
                    "Accountability between members of the partnership",
                    "Accountability back to the organisations involved, including to the Council (Overview "
                    "and Scrutiny, Cabinet, Area Forums, Senior Management Team)",
                    "Accountability to local people and other stakeholders.",
                ),
            ),
            ("Whether there is a plan for the development of the partnership.", ()),
            ("The effectiveness of governance arrangements.", ()),
        ),
        start=1,
    )
)


# --- Risks of working in partnership --------------------------------------------------------------


@dataclass(frozen=True)
class StrategyRisk(_Item):
    ref: str
    text: str


RISKS: tuple[StrategyRisk, ...] = tuple(
    StrategyRisk(f"R{number:02d}", text)
    for number, text in enumerate(
        (
            "Performance management arrangements are ineffective and do not identify issues in time",
            "The agendas of participating organisations are out of line and cannot be reconciled",
            "Personalities change and previously effective partnerships become more difficult",
            "Trust breaks down",
            "Resources are not committed",
            "Priorities change",
            "They fail to deliver their objectives",
            "Agreement cannot be reached by partners on any range of issues",
            "It cannot be demonstrated that the partnership is adding value",
        ),
        start=1,
    )
)
#: Extra rows left open in the Risks sheet for the officer's own risks (R10 onwards).
EXTRA_RISK_ROWS = 11


# --- Register fields -----------------------------------------------------------------------------


class Kind(Enum):
    """How a register value is read and checked."""

    TEXT = "text"
    EMAIL = "email"
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"
    LIST = "list"  # several values separated by ';'


@dataclass(frozen=True)
class Field(_Item):
    key: str
    label: str
    kind: Kind
    required: bool
    guidance: str
    choices: tuple[str, ...] = ()
    scope_test: bool = False
    since_version: int = 1  # the template version that added the field
    #: The longest answer that is not text pasted into the wrong cell (register.invalid beyond it).
    longest: int | None = None
    #: An answer that runs to a sentence or more, which officers may write over lines (Alt+Enter): the
    #: template gives it room, and the review keeps its lines where people read it.
    long_answer: bool = False

    @property
    def guidance_shown(self) -> str:
        """The field's guidance as the Register's Guidance column gives it."""
        return ("Required. " if self.required else "Optional. ") + self.guidance

    def read(self, raw: object) -> dt.date | float | None:
        """The date or figure the review reads in an answer to this field, None when it reads none (a
        field of text, or an answer that cannot be read): a date field's date ('31/03/2027' typed as text
        is 2027-03-31, as in the scores), a figure field's amount ('£76,000' is 76000, '12,500' 12500; a
        negative one is not read, `values.amount`)."""
        if self.kind is Kind.DATE and isinstance(day := values.date(raw), dt.date):
            return day
        if self.kind is Kind.NUMBER and isinstance(amount := values.amount(raw), float):
            return amount
        return None

    def quoted(self, text: str) -> str:
        """An answer as the pack and the year's figures name the partnership by it: whole, or cut
        short with an ellipsis beyond `longest` (the validation report and answers.csv keep it whole)."""
        return text if self.longest is None else values.cut_at_word(text, self.longest)


LIST_SEPARATOR = ";"

LEGAL_STATUSES = (
    "No separate legal status",
    "Unincorporated association",
    "Company limited by guarantee",
    "Charitable company or trust",
    "Charitable incorporated organisation",
    "Community interest company",
    "Joint committee",
    "Statutory body",
    "Contractual joint venture",
)

PERFORMANCE_METHODS = (
    "Partnership performance framework",
    "Service level agreement or partnership agreement",
    "Quarterly performance report",
    "Annual report to Cabinet or committee",
    "Overview and Scrutiny review",
    "Project or programme board",
    "No formal method",
)
#: The method that is no method: a blank answer is taken as it when the tier is checked.
NO_FORMAL_METHOD = PERFORMANCE_METHODS[-1]

#: The strategy's "what is not partnership" list, each as a Yes/No test. A Yes takes the entry out
#: of scope. Key, the register label, and the strategy's words shown as guidance.
SCOPE_TESTS = (
    (
        "scope_council_controls",
        "Council controls the budget or decisions",
        "Groups where the Council has direct control over budgets or decision making",
    ),
    (
        "scope_informal_group",
        "Informal or consultation group",
        "Informal groups set up to discuss and consider specific topics for example consultation groups",
    ),
    (
        "scope_outside_body",
        "Outside body with no strategic or policy role",
        "Appointments and/or financial commitments to outside bodies where the Council has no strategic "
        "or policy function",
    ),
    ("scope_commercial", "Commercial agreement", "Commercial agreements"),
    ("scope_contract", "Contract for service delivery", "Contracts for delivery of service."),
)

_SCOPE_GUIDANCE = (
    "Answer Yes if this describes the arrangement; a Yes means it is not a partnership "
    "under the strategy. The strategy says it is not applicable to: "
)

REGISTER_FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        "Partnership ID",
        Kind.TEXT,
        True,
        "The partnership's reference in the council register, for example P-014. Keep last year's ID.",
        longest=40,
    ),
    Field("name", "Partnership name", Kind.TEXT, True, "The partnership's full name.", longest=300),
    Field(
        "purpose",
        "Purpose",
        Kind.TEXT,
        True,
        "What the partnership is trying to achieve: the shared objective it exists to secure.",
        long_answer=True,
    ),
    Field(
        "partners", "Partner organisations", Kind.LIST, True, "Every partner organisation, separated by ; (semicolon)."
    ),
    Field(
        "lead_officer",
        "Lead officer",
        Kind.TEXT,
        True,
        "The officer responsible for the Council's involvement (the 'Lead Officer' or 'Project Sponsor').",
    ),
    Field("lead_officer_email", "Lead officer email", Kind.EMAIL, True, "The lead officer's work email address."),
    Field(
        "service_area",
        "Service area",
        Kind.TEXT,
        True,
        "The council service area that leads the Council's involvement.",
    ),
    Field(
        "council_role",
        "Council role",
        Kind.CHOICE,
        True,
        "Is the Council leading the partnership, supporting it, or only funding it?",
        ("Leading", "Supporting", "Funding only"),
    ),
    Field(
        "strategic_operational",
        "Strategic or operational",
        Kind.CHOICE,
        True,
        "The type of partnership on the strategic / operational spectrum.",
        ("Strategic", "Operational"),
    ),
    Field(
        "statutory_voluntary",
        "Statutory or voluntary",
        Kind.CHOICE,
        True,
        "Statutory if the law requires the Council to take part; voluntary otherwise.",
        ("Statutory", "Voluntary"),
    ),
    Field(
        "single_multi",
        "Single or multi-organisation",
        Kind.CHOICE,
        True,
        "Single organisation if the Council works with one other body; multi organisation for more.",
        ("Single organisation", "Multi organisation"),
    ),
    Field(
        "geographic_level",
        "Geographic level",
        Kind.CHOICE,
        True,
        "The area the partnership covers.",
        ("National", "Regional", "Local"),
    ),
    Field("legal_status", "Legal status", Kind.CHOICE, False, "The partnership's legal form, if any.", LEGAL_STATUSES),
    Field(
        "objectives",
        "Council objectives supported",
        Kind.TEXT,
        False,
        "In your own words. Which of the Council's objectives the partnership supports is "
        "answered on the Objectives sheet: that is what the review reads.",
        long_answer=True,
    ),
    Field(
        "performance_method",
        "Performance management method",
        Kind.CHOICE,
        False,
        "How the partnership's performance is managed, proportionate to its type and complexity.",
        PERFORMANCE_METHODS,
    ),
    Field(
        "funding",
        "Annual council funding (£)",
        Kind.NUMBER,
        False,
        "Money the Council puts into the partnership each year, in pounds. Enter 0 if none.",
    ),
    Field(
        "officer_days",
        "Officer time (days per year)",
        Kind.NUMBER,
        False,
        "Officer time the Council commits each year, in days.",
    ),
    Field(
        "councillor_days",
        "Councillor time (days per year)",
        Kind.NUMBER,
        False,
        "Councillor time the Council commits each year, in days.",
    ),
    Field(
        "start_date",
        "Start date",
        Kind.DATE,
        False,
        "When the Council joined the partnership.",
    ),
    Field(
        "next_review",
        "Next review date",
        Kind.DATE,
        True,
        "When the review after this one is due: usually a year after this review. A date filled in for you "
        "is this review's: change it once this review is done. The council reviews every partnership every year.",
    ),
    Field("review_completed_on", "Review completed on", Kind.DATE, True, "The date you completed this review."),
    Field(
        "review_completed_by",
        "Review completed by",
        Kind.TEXT,
        False,
        "The name of the officer who completed this review.",
    ),
    *(
        Field(key, label, Kind.CHOICE, True, _SCOPE_GUIDANCE + words, YES_NO, scope_test=True)
        for key, label, words in SCOPE_TESTS
    ),
    # Version 2 adds these below the scope tests, so every field of version 1 keeps its row (and cell)
    # in both versions: a value's address means the same thing whichever template a return used.
    Field(
        "total_budget",
        "Total partnership budget (£)",
        Kind.NUMBER,
        False,
        "The partnership's whole budget for the year from every partner, the Council included, in pounds.",
        since_version=2,
    ),
    Field(
        "partner_contributions",
        "Partner contributions (£)",
        Kind.NUMBER,
        False,
        "Money the other partners put in each year, in pounds (not the Council's). Enter 0 if none.",
        since_version=2,
    ),
)
FIELDS_BY_KEY = {field.key: field for field in REGISTER_FIELDS}
_ITEMS: dict[str, dict[str, _Item]] = {
    "Question": {item.ref: item for item in QUESTIONS},
    "Area": {item.ref: item for item in AREAS},
    "StrategyRisk": {item.ref: item for item in RISKS},
    "Field": FIELDS_BY_KEY,
}
#: Money fields: written in pounds in the template, read as amounts.
MONEY_FIELDS = ("funding", "total_budget", "partner_contributions")


def register_fields(version: int = TEMPLATE_VERSION) -> tuple[Field, ...]:
    """The register fields of a template version, in their row order."""
    return tuple(item for item in REGISTER_FIELDS if item.since_version <= version)


SCOPE_FIELDS = tuple(field for field in REGISTER_FIELDS if field.scope_test)


# --- Sheet layouts (the workbook contract) --------------------------------------------------------


@dataclass(frozen=True)
class SheetLayout:
    """Where a sheet's table sits: its header row and the columns, in order, starting at A; `answers`
    are the columns an officer fills in (every other cell is the strategy's, locked in the template), and
    `long_answers` those of them an officer may write over lines (Alt+Enter), which the review keeps."""

    name: str
    headers: tuple[str, ...]
    answers: tuple[str, ...] = ()
    header_row: int = 1
    row: str = "row"  # what each row of the table answers, in the officer's words: "question"
    long_answers: tuple[str, ...] = ()

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    def column(self, header: str) -> str:
        """The column letter of a header, for A1 references."""
        return column_letter(self.headers.index(header) + 1)


def column_number(letters: str) -> int:
    """The number of an A1 column: A is 1, Z 26, AA 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


@functools.lru_cache(maxsize=1024)  # every finding's cell is written with it
def column_letter(number: int) -> str:
    """The letters of an A1 column: 1 is A, 26 Z, 27 AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


GUIDE_SHEET = "Guide"
#: The columns of an improvement action, on an area's row of the Improvement sheet.
ACTION_HEADERS = ("Action", "Action owner", "Due date", "Action status")
REGISTER = SheetLayout("Register", ("Field", "Value", "Guidance"), answers=("Value",), row="field")
CHECKLIST = SheetLayout(
    "Checklist",
    ("Ref", "Section", "Question", "Status", "Evidence", "Evidence location"),
    answers=("Status", "Evidence", "Evidence location"),
    row="question",
    long_answers=("Evidence", "Evidence location"),
)
IMPROVEMENT = SheetLayout(
    "Improvement",
    ("Ref", "Area of practice", "Answer", *ACTION_HEADERS),
    answers=("Answer", *ACTION_HEADERS),
    row="area of practice",
    long_answers=("Action",),
)
RISKS_SHEET = SheetLayout(
    "Risks",
    ("Ref", "Risk", "Likelihood", "Impact", "Mitigation", "Owner"),
    answers=("Likelihood", "Impact", "Mitigation", "Owner"),
    row="risk",
    long_answers=("Mitigation",),
)
#: What an officer may type on the open rows below the strategy's nine risks: a Ref and the risk, then
#: its answers.
OWN_RISK_HEADERS = ("Ref", "Risk")
#: Version 2: one row per objective of the council's list (from the configuration, `[objectives]`).
OBJECTIVES_SHEET = SheetLayout(
    "Objectives",
    ("Ref", "Objective", "Contributes", "How"),
    answers=("Contributes", "How"),
    row="objective",
    long_answers=("How",),
)
CONTRIBUTES_ANSWERS = YES_NO

TABLE_LAYOUTS = (REGISTER, CHECKLIST, IMPROVEMENT, RISKS_SHEET)
#: The sheets an officer answers in, in the template's order.
ANSWER_LAYOUTS = (REGISTER, OBJECTIVES_SHEET, CHECKLIST, IMPROVEMENT, RISKS_SHEET)


def required_sheets(version: int = TEMPLATE_VERSION) -> tuple[str, ...]:
    """The sheets a workbook of a template version must have, in the template's order."""
    objectives = (OBJECTIVES_SHEET.name,) if version >= 2 else ()
    return (GUIDE_SHEET, REGISTER.name, *objectives, CHECKLIST.name, IMPROVEMENT.name, RISKS_SHEET.name)


#: The sheets of the current template, in order.
REQUIRED_SHEETS = required_sheets()
#: The sheets of the review itself, which the strategy asks only of a partnership: not of an entry out
#: of scope, whose register says it is not one.
REVIEW_SHEETS = (OBJECTIVES_SHEET.name, CHECKLIST.name, IMPROVEMENT.name, RISKS_SHEET.name)

#: The Excel row of every field and ref in the template: the template writes them there and the
#: loader expects them there.
REGISTER_ROWS = {item.key: REGISTER.first_row + index for index, item in enumerate(REGISTER_FIELDS)}
CHECKLIST_ROWS = {item.ref: CHECKLIST.first_row + index for index, item in enumerate(QUESTIONS)}
IMPROVEMENT_ROWS = {item.ref: IMPROVEMENT.first_row + index for index, item in enumerate(AREAS)}
RISK_ROWS = {
    f"R{number:02d}": RISKS_SHEET.first_row + number - 1 for number in range(1, len(RISKS) + EXTRA_RISK_ROWS + 1)
}
