"""Reading the returns: which files of the folder are returns (`folder`), their raw bytes checked before
any spreadsheet library sees them (`preflight`), one workbook into records or its finding
(`workbook`), and the whole folder into a `Batch` (`batch`), read in worker processes that a bad file
cannot take down (`pipeline.workers`)."""
