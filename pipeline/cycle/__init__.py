"""The yearly cycle around the run: the standard workbook (`template`), writing answers into it
(`fill`), the demo set (`demo`), the compiled register.xlsx (`register`), next year's workbooks from it
(`rollover`) and the change since last year (`compare`)."""

#: The review year a demo set is for unless told (`partnerships demo --year`): here, so that the command
#: line can show it without importing the spreadsheet libraries the demo needs.
DEMO_YEAR = 2026
