"""The pack's HTML: the Jinja2 templates of `report_templates/` (installed as the package
`pipeline.report_templates`, read with importlib.resources) rendered with the context.

Autoescaping is on, so anything an officer typed appears as text. The HTML is self-contained (CSS in
a <style>, charts as inline SVG). `render_html` gives the whole pack; `render_pack` gives some of its
parts, which `pipeline.pack.pdf` renders one at a time.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any, Mapping, Sequence

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipeline.formats import days, long_date, money, percent
from pipeline.pack.palette import STYLESHEET
from pipeline.pack.sections import ABOVE_PROFILES, CONTENTS_TITLE, SECTION_TITLES

#: The package that holds the pack's templates and stylesheet (the folder report_templates/).
TEMPLATES_PACKAGE = "pipeline.report_templates"
#: The stylesheet, a template only for its colours (from `pipeline.pack.palette`).
CSS_TEMPLATE = "pack.css.j2"


class MissingToolFile(Exception):
    """A file of the tool itself (a template or the stylesheet) is not where the installation put it."""


def tool_file(name: str) -> str:
    """The text of one of the pack's own files, read from the installed package (never a source path)."""
    try:
        return resources.files(TEMPLATES_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as error:
        raise MissingToolFile(f"the tool's own file report_templates/{name} is missing from this installation "
                              f"({type(error).__name__}); reinstall partnership-review") from None


def environment() -> Environment:
    autoescape = select_autoescape(disabled_extensions=("css.j2",), default=True, default_for_string=True)
    env = Environment(loader=FunctionLoader(tool_file), autoescape=autoescape,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = percent
    env.filters["money"] = money
    env.filters["days"] = days
    env.filters["date"] = long_date
    env.filters["rag_class"] = lambda rag: "rag-" + rag.lower().replace(" ", "-")
    env.globals.update(section_titles={anchor: _words(title) for anchor, title in SECTION_TITLES.items()},
                       above_profiles=ABOVE_PROFILES, contents_title=_words(CONTENTS_TITLE))
    return env


ALL_PARTS = frozenset({"contents", "summary", "exceptions", "register", "profiles", "appendix"})


def _words(text: str) -> Markup:
    """The tool's own words as HTML, safe in text and in a double-quoted attribute; an apostrophe kept
    as it is, as the templates write it."""
    return Markup(escape(text, quote=False).replace('"', "&quot;"))


def stylesheet() -> str:
    """The pack's stylesheet, its colours those of `pipeline.pack.palette`."""
    return environment().get_template(CSS_TEMPLATE).render(colour=STYLESHEET)


def render_html(context: Mapping[str, Any]) -> str:
    """The pack as one self-contained HTML document."""
    return render_pack(context, ALL_PARTS, context["profiled"], profiles_title=True)


def render_pack(context: Mapping[str, Any], parts: frozenset[str], profiles: Sequence[Mapping[str, Any]], *,
            profiles_title: bool, toc_pages: Mapping[str, int] | None = None,
            numbering: tuple[int, int] | None = None, footer: bool = True,
            piece: tuple[int, int] | None = None) -> str:
    """The pack, or some of its parts: `contents` (cover and contents), `summary` (with the charts),
    `exceptions`, `register`, `profiles` (those given), `appendix`.

    `toc_pages` gives the contents its page numbers and `numbering` (first page, total pages) fixes
    the footer's numbers when the PDF is rendered in parts; `footer=False` leaves the footer off, to be
    stamped on later; `piece` (start, stop) renders only those partnerships' lines of the contents or
    the register, each with an id (see `render_pdf`).
    """
    css = stylesheet()
    if numbering is not None:
        css += numbering_css(*numbering)
    if not footer:
        css += "\n@page { @bottom-center { content: none; } }\n"
    return environment().get_template("pack.html.j2").render(
        **context, css=Markup(css), parts=parts, profiles=profiles, profiles_title=profiles_title,
        toc_pages=toc_pages, piece=None if piece is None else {"start": piece[0], "stop": piece[1]})


def numbering_css(first: int, total: int) -> str:
    return (f'\n@page {{ @bottom-center {{ content: "Page " counter(page) " of {total}"; }} }}\n'
            f"@page :first {{ counter-reset: page {first}; }}\n")
