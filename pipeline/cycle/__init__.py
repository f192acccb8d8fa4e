"""The yearly cycle around the run: the standard workbook (`template`), writing answers into it
(`fill`), the demo set (`demo`), the compiled register.xlsx (`register`), next year's workbooks from it
(`rollover`) and the change since last year (`compare`)."""
