"""The pack's sections, in order, each by its anchor with its title: the one list from which the
HTML's headings (report_templates/), its contents and the PDF's bookmarks (`pipeline.pack.pdf`) take
their words and their order (`titles`: one pack's, in the context's `sections`)."""

from __future__ import annotations

SECTION_TITLES = {
    "summary": "Executive summary",
    "change": "Change since {then}",  # only with --previous: {then} is the year compared with
    "charts": "The year in pictures",
    "shared": "Shared partners and possible duplication",  # only when partnerships share partners
    "strategy": "The strategy's questions: significance and objectives",
    "exceptions": "Exceptions",
    "register": "The partnership register",
    "profiles": "Partnership profiles",
    "appendix": "Appendix: validation, method and inputs",
}
#: The sections the contents lists above the profiles (whose line holds the list of partnerships).
ABOVE_PROFILES = tuple(SECTION_TITLES)[: tuple(SECTION_TITLES).index("profiles")]


def titles(then: str | None) -> dict[str, str]:
    """The titles of one pack's sections by anchor, in order: "change" only in a pack compared with an
    earlier year, `then` as the pack names that year ("2026")."""
    return {anchor: title.format(then=then) for anchor, title in SECTION_TITLES.items() if then or anchor != "change"}


#: The heading of the contents, which is no section of its own in the contents or the bookmarks.
CONTENTS_TITLE = "Contents"
