"""A rule code cannot be mistyped, and every rule is raised somewhere.

Rules are raised by naming their code: a `RuleCode` member (`finding(RuleCode.CHECKLIST_UNANSWERED,
...)`), or its value where a reader passes the code on as text (`Refused("file.too_large", ...)`).
`finding` refuses a text that is no code's value when the finding is made, and `findings` refuses to
import if a code has no rule; this also reads every string in `pipeline/` shaped like a code (a rule
family, a dot, a name), so a code typed wrong fails here even before its rule first fires.
"""

import ast
import re
from pathlib import Path

import pytest

from pipeline.findings import RULES, RuleCode, finding

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
FAMILIES = sorted({code.split(".")[0] for code in RULES})
CODE = re.compile(rf"^(?:{'|'.join(FAMILIES)})\.[a-z_]+$")
#: File names that look like a code (a family's word, a dot, an extension).
NOT_CODES = re.compile(r"\.(xlsx|xlsm|json|csv|html|pdf|svg|toml|txt)$")


def codes_in_the_code() -> dict[str, list[str]]:
    """Every code named outside findings.py (where the codes are defined), as text or as a RuleCode member."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "findings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.match(node.value)
                and not NOT_CODES.search(node.value)
            ):
                code = node.value
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "RuleCode":
                code = RuleCode[node.attr].value if node.attr in RuleCode.__members__ else f"RuleCode.{node.attr}"
            else:
                continue
            found.setdefault(code, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_rule_code_written_in_the_code_is_a_rule():
    found = codes_in_the_code()
    assert {code: where for code, where in found.items() if code not in RULES} == {}


def test_every_rule_is_raised_somewhere():
    assert sorted(set(RULES) - set(codes_in_the_code())) == []


def test_a_finding_of_an_unknown_code_is_refused_where_it_is_made():
    assert finding("checklist.unanswered", file="a.xlsx", ref="1.1").rule is RuleCode.CHECKLIST_UNANSWERED
    with pytest.raises(ValueError, match="checklist.unanswerd"):
        finding("checklist.unanswerd", file="a.xlsx", ref="1.1")


#: The codes as published (README, results.json, validation_report.csv, the feedback copies): a
#: contract with whoever reads those, so renaming a RuleCode's value must fail here.
PUBLISHED = (
    "file.unreadable",
    "file.encrypted",
    "file.unsupported_format",
    "file.too_large",
    "file.copy",
    "template.version",
    "template.previous_version",
    "sheet.missing",
    "sheet.layout",
    "sheet.rows_moved",
    "sheet.other_table",
    "sheet.copy",
    "sheet.merged_cells",
    "register.missing",
    "register.invalid",
    "register.invalid_date",
    "register.date_formula",
    "register.duplicate_id",
    "register.review_overdue",
    "register.next_review_early",
    "register.next_review_late",
    "register.not_proportionate",
    "register.one_partner",
    "scope.excluded",
    "objectives.other_list",
    "objectives.unanswered",
    "objectives.invalid",
    "objectives.no_how",
    "objectives.none_supported",
    "objectives.in_register",
    "checklist.unanswered",
    "checklist.invalid",
    "checklist.no_evidence",
    "improvement.unanswered",
    "improvement.invalid",
    "improvement.no_action",
    "action.no_owner",
    "action.no_due_date",
    "action.invalid_date",
    "action.date_formula",
    "action.invalid_status",
    "action.overdue",
    "risk.unrated",
    "risk.invalid",
    "risk.unmitigated",
)


def test_the_codes_are_the_published_ones():
    assert [code.value for code in RuleCode] == list(PUBLISHED)
