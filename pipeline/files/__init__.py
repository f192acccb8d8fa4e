"""Writing files safely: a file only once complete (`atomic`), a workbook byte for byte the same
(`xlsx`), plain unique file names from officer text (`names`), and the pack's folder behind a lock,
staged and swapped into place (`staging`); and reading a file the user named, or saying why it cannot
be (`reading`)."""
