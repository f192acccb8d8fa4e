"""A spreadsheet formula moved from one cell to another, as filling it or copying it there moves it:
its relative references shift, its absolute ones stay (openpyxl's translator, loaded only when used).
The reader uses it for a formula Excel filled down (a shared formula), the feedback copy for the
officer's conditional formats it writes a range at a time."""

from __future__ import annotations


def moved(formula: str, origin: str, to: str) -> str:
    """`formula` (without its '=') written for the cell `origin` ('C2') as written for `to`; as it was
    when the translator cannot read it (an error literal newer than openpyxl, say)."""
    from openpyxl.formula.tokenizer import TokenizerError
    from openpyxl.formula.translate import Translator, TranslatorError

    try:
        return Translator(f"={formula}", origin=origin).translate_formula(to)[1:]
    except (TokenizerError, TranslatorError, ValueError):
        return formula
