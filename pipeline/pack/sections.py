"""The pack's sections, in order, each by its anchor with its title: the one list from which the
HTML's headings (report_templates/), its contents and the PDF's bookmarks (`pipeline.pack.pdf`) take
their words and their order."""

from __future__ import annotations

SECTION_TITLES = {
    "summary": "Executive summary",
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
#: The heading of the contents, which is no section of its own in the contents or the bookmarks.
CONTENTS_TITLE = "Contents"
