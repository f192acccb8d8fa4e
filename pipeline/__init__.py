"""Partnership review: the council's yearly review of its partnerships, from workbooks to pack."""

__version__ = "1.10.0"
#: The distribution pip installs (pyproject.toml's `name`).
DISTRIBUTION = "partnership-review"
