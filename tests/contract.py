"""The product's contracts as the tests state them, apart from the code that keeps them."""

#: What each partnership's entry in results.json holds by the contract (product.md, README "Outputs of a
#: run"): its actions counted by status, not listed one by one.
RESULTS_PARTNERSHIP_FIELDS = (
    "id",
    "name",
    "file",
    "in_scope",
    "rag",
    "checklist_completeness",
    "checklist_assurance",
    "section_completeness",
    "improvement_coverage",
    "improvement_score",
    "actions",
    "risks",
    "findings",
)
