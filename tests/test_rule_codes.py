"""A rule code cannot be mistyped: every rule code written in the code is one of `findings.RULES`.

Rules are raised by naming their code (`finding("checklist.unanswered", ...)`); a code typed wrong
would only fail when that rule first fires. This reads every string in `pipeline/` shaped like a
code (a rule family, a dot, a name) and checks it against the catalogue of rules.
"""

import ast
import re
from pathlib import Path

from pipeline.findings import RULES

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
FAMILIES = sorted({code.split(".")[0] for code in RULES})
CODE = re.compile(rf"^(?:{'|'.join(FAMILIES)})\.[a-z_]+$")
#: File names that look like a code (a family's word, a dot, an extension).
NOT_CODES = re.compile(r"\.(xlsx|xlsm|json|csv|html|pdf|svg|toml|txt)$")


def codes_in_the_code() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value) \
                    and not NOT_CODES.search(node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_rule_code_written_in_the_code_is_a_rule():
    found = codes_in_the_code()
    assert {code: where for code, where in found.items() if code not in RULES} == {}


def test_every_rule_is_raised_somewhere():
    assert sorted(set(RULES) - set(codes_in_the_code())) == []
