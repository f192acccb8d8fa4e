"""The pack's HTML: the Jinja2 templates of `report_templates/` (installed as the package
`pipeline.report_templates`, read with importlib.resources) rendered with the context.

Autoescaping is on, so anything an officer typed appears as text. The HTML is self-contained (CSS in
a <style>, charts as inline SVG). `render_html` gives the whole pack; `render_pack` gives what is
named of it, which is how `pipeline.pack.pdf` renders a big pack in parts.
"""

from __future__ import annotations

from functools import cache
import re
from html import escape
from importlib import resources
from typing import Any, Mapping, Sequence

from jinja2 import Environment, FunctionLoader, StrictUndefined, pass_context, select_autoescape
import markupsafe
from markupsafe import Markup

from pipeline import catalogue, significance, values
from pipeline.formats import LANGUAGE, days, long_date, money, percent, percent_rated
from pipeline.pack.palette import STYLESHEET
from pipeline.pack.sections import ABOVE_PROFILES, CONTENTS_TITLE

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
        raise MissingToolFile(
            f"the tool's own file report_templates/{name} is missing from this installation "
            f"({type(error).__name__}); reinstall partnership-review"
        ) from None


@cache
def environment() -> Environment:
    """The pack's one Jinja environment, made once a process: each template is compiled once, however many
    parts of the PDF it renders (compiling the pack's template took about a third of a second)."""
    autoescape = select_autoescape(disabled_extensions=("css.j2",), default=True, default_for_string=True)
    env = Environment(
        loader=FunctionLoader(tool_file),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = percent
    env.filters["money"] = money
    env.filters["days"] = days
    env.filters["date"] = long_date
    env.filters["rag_class"] = lambda rag: "rag-" + rag.lower().replace(" ", "-")
    env.filters["breakable"] = breakable
    env.filters["heading_lines"] = heading_lines
    env.filters["wrappable_figure"] = wrappable_figure
    env.filters["rated_pct"] = rated_percent
    env.filters["counted"] = values.counted
    env.filters["tier_takes"] = significance.takes
    env.globals.update(
        above_profiles=ABOVE_PROFILES,
        language=LANGUAGE,
        contents_title=_words(CONTENTS_TITLE),
        support_objectives=catalogue.SUPPORT_OBJECTIVES,
        questions={question.ref: question.text for question in catalogue.QUESTIONS},
    )
    return env


#: What `render_pack` can render, each starting a page (together, the whole pack).
WHOLE_PACK = frozenset({"contents", "summary", "exceptions", "register", "profiles", "appendix"})


def _words(text: str) -> Markup:
    """The tool's own words as HTML, safe in text and in a double-quoted attribute; an apostrophe kept
    as it is, as the templates write it."""
    return Markup(escape(text, quote=False).replace('"', "&quot;"))


#: A run of this many characters without a space is no word of a name: a pasted web address, or text
#: typed to break the pack. It may wrap every `_BREAK_EVERY` characters.
_LONG_RUN = re.compile(r"\S{31,}")
_BREAK_EVERY = 15


def breakable(value: object) -> Markup:
    """Officer text for a table cell or a contents line, escaped, each run too long to be a word in a
    `long-run` span, which may wrap anywhere (`overflow-wrap: anywhere`): a 200-character name then
    wraps in its cell instead of pushing the table off the page, and its text stays whole for a screen
    reader, speech control and the PDF's links (a `<wbr>` in it was read as a space, and made a link
    of no width in the PDF). Text of ordinary words comes out as autoescaping gives it."""
    if isinstance(value, Markup):
        return value
    text = "" if value is None else str(value)
    pieces, done = [], 0
    for run in _LONG_RUN.finditer(text):
        pieces.append(markupsafe.escape(text[done : run.start()]))
        pieces.append(Markup('<span class="long-run">%s</span>') % run.group(0))
        done = run.end()
    pieces.append(markupsafe.escape(text[done:]))
    return Markup("").join(pieces)


_HEAD = re.compile(r"<thead\b.*?</thead>", flags=re.S)
_HIDDEN = re.compile(r'<span class="visually-hidden">.*?</span>', flags=re.S)
_ROW, _HEADING, _TAG = (
    re.compile(r"<tr\b.*?</tr>", flags=re.S),
    re.compile(r"<th\b.*?</th>", flags=re.S),
    re.compile(r"<[^>]+>"),
)


def heading_lines(table: str) -> int:
    """The most lines a table's column headings can take on screen, where they stay at the top of its
    region (pack.css.j2 keeps a focused link that far below them): in each heading row, the most words
    one heading shows, as a column is never narrower than its longest word. 0 for a table of none."""
    head = _HEAD.search(table)
    if not head:
        return 0
    rows = _ROW.findall(_HIDDEN.sub("", head.group(0)))
    return sum(max((len(_TAG.sub(" ", cell).split()) for cell in _HEADING.findall(row)), default=0) for row in rows)


@pass_context
def rated_percent(context, value: float | None, measure: str) -> str:
    """Checklist completeness or assurance beside a rating: with a decimal place where a whole percent
    would read as at or above the configured limit it is below (see `formats.percent_beside`)."""
    return percent_rated(value, context["config"].rag, measure)


@pass_context
def wrappable_figure(context, value: object) -> Markup:
    """A figure ('£1,234,567,890'): on paper (`paper`), with a place to wrap after each thousands
    separator, for a column too narrow for it: it may go over two lines, never break within a group of
    digits. On screen, where a figure never wraps, as it is: a browser reads a `<wbr>` to a screen
    reader as a space ('£25, 000')."""
    if not context.get("paper"):
        return markupsafe.escape(value)
    return Markup(",<wbr>").join(markupsafe.escape(group) for group in str(value).split(","))


@cache
def stylesheet() -> str:
    """The pack's stylesheet, its colours those of `pipeline.pack.palette`."""
    return environment().get_template(CSS_TEMPLATE).render(colour=STYLESHEET)


def render_html(context: Mapping[str, Any], *, paper: bool = False) -> str:
    """The pack as one self-contained HTML document (`paper`: to be rendered as the PDF)."""
    return render_pack(context, WHOLE_PACK, context["profiled"], profiles_title=True, paper=paper)


def render_pack(
    context: Mapping[str, Any],
    rendered: frozenset[str],
    profiles: Sequence[Mapping[str, Any]],
    *,
    profiles_title: bool,
    toc_pages: Mapping[str, int] | None = None,
    numbering: tuple[int, int] | None = None,
    footer: bool = True,
    lines: tuple[int, int] | None = None,
    paper: bool = False,
) -> str:
    """The pack, or what `rendered` names of it (see WHOLE_PACK): `contents` (the cover and contents),
    `summary` (the summary, the charts, the shared partners and the strategy's questions),
    `exceptions`, `register`, `profiles` (those given, under the heading if `profiles_title`),
    `appendix`.

    For the PDF in parts: `toc_pages` gives the contents its page numbers (anchor -> page number) and
    `numbering` (first page, total pages) the footer's; `footer=False` leaves the footer off, to be
    stamped on later; `lines` (start, stop) renders only those lines of the register, or of the
    contents' list of profiles, each with an id (see `pipeline.pack.pdf`), the lines from a start
    after the first carrying on the ones before, without their heading. `paper`: rendered as the PDF.
    """
    css = stylesheet()
    if numbering is not None:
        css += numbering_css(*numbering)
    if not footer:
        css += "\n@page { @bottom-center { content: none; } }\n"
    return (
        environment()
        .get_template("pack.html.j2")
        .render(
            **context,
            section_titles={anchor: _words(title) for anchor, title in context["sections"].items()},
            css=Markup(css),
            rendered=rendered,
            profiles=profiles,
            profiles_title=profiles_title,
            toc_pages=toc_pages,
            lines=None if lines is None else {"start": lines[0], "stop": lines[1]},
            paper=paper,
        )
    )


def numbering_css(first: int, total: int) -> str:
    return (
        f'\n@page {{ @bottom-center {{ content: "Page " counter(page) " of {total}"; }} }}\n'
        f"@page :first {{ counter-reset: page {first}; }}\n"
    )
