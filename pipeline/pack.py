"""The annual review pack: scores, findings and charts in, one HTML file and one PDF out.

`build_context` gathers everything the templates show into plain data (no template does
arithmetic); `render_html` and `render_pdf` render the same Jinja2 templates in
`report_templates/` (installed as the package `pipeline.report_templates`). Autoescaping is on, so anything an officer typed appears as text. The HTML is
self-contained (CSS in a <style>, charts as inline SVG) and the PDF renderer refuses every URL, so
the pack never reaches outside itself. A large PDF is rendered in parts, in parallel worker processes,
to bound memory and save time, with page numbers and contents made right across the parts (see
`render_pdf`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from importlib import resources

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

import pipeline
from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.charts import CHART_TITLES, marks_movement
from pipeline.compare import NO_RETURN, NOT_ASSESSED_NOW, NOT_CARRIED_OVER, Comparison
from pipeline.rules import id_key
from pipeline.config import Config
from pipeline.findings import RULES, ValidationReport
from pipeline.records import IgnoredFile, Workbook
from pipeline.results import file_counts
from pipeline.score import (AMBER, GREEN, NOT_ASSESSED, OUT_OF_SCOPE, RAG_ORDER, RED, PartnershipScore,
                            percent, totals as score_totals)

#: The package that holds the pack's templates and stylesheet (the folder report_templates/).
TEMPLATES_PACKAGE = "pipeline.report_templates"
CSS_FILE = "pack.css"


class MissingToolFile(Exception):
    """A file of the tool itself (a template or the stylesheet) is not where the installation put it."""


def tool_file(name: str) -> str:
    """The text of one of the pack's own files, read from the installed package (never a source path)."""
    try:
        return resources.files(TEMPLATES_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as error:
        raise MissingToolFile(f"the tool's own file report_templates/{name} is missing from this installation "
                              f"({type(error).__name__}); reinstall partnership-review") from None

#: What each chart shows, in a sentence a manager can read before looking.
CHART_CAPTIONS = {
    "risk_heat_map": "How many of the partnerships' rated risks fall in each cell. Risks in the shaded "
                     "top-right corner are High and need a mitigation.",
    "risk_heat_map_change": "How many of the partnerships' rated risks fall in each cell (left); risks in the "
                            "shaded top-right corner are High and need a mitigation. On the right, the part of "
                            "the map where the strategy's nine risks sit, enlarged: each arrow runs from a risk's "
                            "average position last year (hollow circle) to this year's (filled circle), "
                            "labelled R01 to R09 beside this year's mark.",
    "strategy_risks_ranked": "The nine risks of working in partnership named in the strategy, by their "
                             "average score across the partnerships that rated them.",
    "action_status": "The actions officers have set to improve their partnerships, and how many are overdue.",
    "completeness_by_section": "How much of each section of the Partnership checklist has been answered, "
                               "on average. Dashed lines mark the Red and Amber thresholds.",
    "rag_by_service_area": "How many partnerships each service area leads, by rating.",
    "resources_vs_assurance": "What the council puts into each partnership (money and officer time) "
                              "against how well its checklist is assured.",
}


@dataclass(frozen=True)
class Input:
    file: str
    sha256: str
    size: int
    status: str = "Assessed"  # or "Not assessed"
    findings: str = ""  # the rules that stopped its assessment


def input_row(workbook: Workbook) -> Input:
    blocking = sorted({item.rule for item in workbook.findings if item.blocks_assessment})
    return Input(workbook.file, workbook.sha256, workbook.size,
                 "Assessed" if workbook.assessed else "Not assessed", ", ".join(blocking))


def environment() -> Environment:
    env = Environment(loader=FunctionLoader(tool_file), autoescape=select_autoescape(default=True,
                                                                                      default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = percent
    env.filters["money"] = money
    env.filters["days"] = days
    env.filters["date"] = long_date
    env.filters["short_date"] = lambda value: "\u2014" if value is None else f"{value:%d/%m/%Y}"
    env.filters["rag_class"] = lambda rag: "rag-" + rag.lower().replace(" ", "-")
    return env


def build_context(*, scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook], report: ValidationReport,
                  charts: Mapping[str, str], as_of: dt.date, year: int, config: Config,
                  ignored: Iterable[IgnoredFile] = (), comparison: Any = None) -> dict[str, Any]:
    """Everything the pack shows, as plain data in display order."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    totals = score_totals(scores)
    partnerships = [_profile(score, by_file[score.file], report) for score in scores]
    exceptions = _exceptions(scores, report)
    change = None
    if comparison is not None:
        change = change_summary(comparison, year, partnerships)
        for item in partnerships:
            item["change"] = profile_change(item["score"], comparison, change["first_file"])
    return {
        "council_name": config.council_name,
        "pack_title": config.pack_title,
        "year": year,
        "as_of": as_of,
        "config": config,
        "totals": totals,
        "rag_order": RAG_ORDER,
        "headlines": _headlines(totals, exceptions),
        "charts": [{"name": name, "title": CHART_TITLES[name], "svg": Markup(_inline_svg(charts[name])),
                    "caption": CHART_CAPTIONS[f"{name}_change" if marks_movement(comparison)
                                              and f"{name}_change" in CHART_CAPTIONS else name]}
                   for name in CHART_TITLES if name in charts],
        "exceptions": exceptions,
        "partnerships": partnerships,
        # Profiles are for assessed workbooks: one not assessed is under Exceptions and in the appendix.
        "profiled": [item for item in partnerships if item["score"].assessed],
        "anchors": {item["score"].file: item["anchor"] for item in partnerships},
        "register_columns": REGISTER_COLUMNS,
        "section_names": catalogue.SECTION_NAMES,
        "rules": [{"code": rule.code, "severity": rule.severity, "when": rule.when,
                   "count": report.by_rule().get(rule.code, 0)} for rule in RULES.values()],
        "findings_total": {"error": report.errors, "warning": report.warnings},
        "thresholds": _flatten(config.as_dict()),
        "inputs": [input_row(workbook) for workbook in workbooks],
        "ignored": sorted(ignored, key=lambda item: item.file),
        "files": file_counts(workbooks, list(ignored)),
        "tool_version": pipeline.__version__,
        "template_version": catalogue.TEMPLATE_VERSION,
        "comparison": comparison,
        "change": change,
        "keep_together_rows": KEEP_TOGETHER_ROWS,
        "rag": {"red": RED, "amber": AMBER, "green": GREEN, "out": OUT_OF_SCOPE, "not": NOT_ASSESSED},
    }


#: A profile's table of at most this many rows is kept on one page with its heading in the PDF (a
#: few rows left alone on an extra page are hard to read); a longer one may break across pages.
KEEP_TOGETHER_ROWS = 16


ALL_PARTS = frozenset({"contents", "summary", "exceptions", "register", "profiles", "appendix"})


def render_html(context: Mapping[str, Any]) -> str:
    """The pack as one self-contained HTML document."""
    return _render(context, ALL_PARTS, context["profiled"], profiles_title=True)


def _render(context: Mapping[str, Any], parts: frozenset[str], profiles: Sequence[Mapping[str, Any]], *,
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
    css = tool_file(CSS_FILE)
    if numbering is not None:
        css += _numbering_css(*numbering)
    if not footer:
        css += "\n@page { @bottom-center { content: none; } }\n"
    return environment().get_template("pack.html.j2").render(
        **context, css=Markup(css), parts=parts, profiles=profiles, profiles_title=profiles_title,
        toc_pages=toc_pages, piece=None if piece is None else {"start": piece[0], "stop": piece[1]})


def _numbering_css(first: int, total: int) -> str:
    return (f'\n@page {{ @bottom-center {{ content: "Page " counter(page) " of {total}"; }} }}\n'
            f"@page :first {{ counter-reset: page {first}; }}\n")


#: The footer stamps are rendered this many pages to a document, so their memory stays small too.
STAMP_PAGES_PER_PART = 200
#: The register and the contents of a big pack are rendered at most this many lines to a part (a few
#: pages each), so no part's memory grows with the batch; a profile chunk is about the same size.
REGISTER_ROWS_PER_PART = 150
CONTENTS_LINES_PER_PART = 250


def render_pdf(context: Mapping[str, Any], path: Path, *, profiles_per_chunk: int | None = None,
               jobs: int | None = None) -> Path:
    """The pack as an A4 PDF, from the same templates, touching nothing outside the document.

    Up to `profiles_per_chunk` profiles (default: the config's `pdf_profiles_per_chunk`; 0 means
    never split) it is one rendering. A bigger pack is rendered in parts so memory stays bounded, in
    up to `jobs` worker processes (default: one per CPU); the bytes are the same whatever `jobs` is.

    1. The body is rendered once, part by part, without the page footer: the summary with the charts,
       the exceptions, the register (a `_Flow` of parts of REGISTER_ROWS_PER_PART rows, breaking where
       one rendering would), the profiles a chunk at a time and the appendix; and the cover and
       contents (a `_Flow` too) with placeholder numbers. Nothing in the body depends on its page
       numbers, so this fixes every page and every anchor.
    2. The cover and contents are rendered again with the real page numbers, which follow from the
       parts' page counts; if that moves the contents onto a different number of pages, again.
    3. "Page N of M" is rendered, with the pack's own @page rules, on otherwise empty pages of the
       same sizes, and stamped onto the body's pages; pypdf joins everything, adds the bookmarks and
       writes the file, once the workers (and their memory) are gone.
    """
    path = Path(path)
    chunk = context["config"].pdf_profiles_per_chunk if profiles_per_chunk is None else profiles_per_chunk
    partnerships, profiled = list(context["partnerships"]), list(context["profiled"])
    if not chunk or len(profiled) <= chunk:
        _write_pdf(render_html(context), path)
        return path

    def part(names: set[str], profiles: Sequence[Mapping[str, Any]] = (), title: bool = False) -> _Flow:
        return _Flow(lambda *_: _render(context, frozenset(names), profiles, profiles_title=title, footer=False))

    def contents(toc_pages: Mapping[str, int], total: int | None = None) -> _Flow:
        return _Flow(lambda start, stop, done: _render(
            context, frozenset({"contents"}), [], profiles_title=False, toc_pages=toc_pages,
            numbering=None if total is None else (1 + done, total), piece=(start, stop)),
            [f"toc-{item['anchor']}" for item in profiled], CONTENTS_LINES_PER_PART)

    def stamp(first: int, total: int, flags: Sequence[bool]) -> _Flow:
        return _Flow(lambda *_: _stamps_html(first, total, flags))

    register = _Flow(lambda start, stop, _: _render(context, frozenset({"register"}), [], profiles_title=False,
                                                    footer=False, piece=(start, stop)),
                     [f"row-{item['anchor']}" for item in partnerships], REGISTER_ROWS_PER_PART)
    summary, exceptions, appendix = part({"summary"}), part({"exceptions"}), part({"appendix"})
    chunks = [part({"profiles"}, profiled[index:index + chunk], index == 0)
              for index in range(0, len(profiled), chunk)]
    body = [summary, exceptions, register, *chunks, appendix]
    toc_keys = ("summary", "charts", "exceptions", "register", "profiles", "appendix",
                *(item["anchor"] for item in profiled))
    first_contents = contents({key: 999 for key in toc_keys})

    # The flows first, as each renders one part at a time; then the parts that stand alone, biggest
    # first (a chunk of profiles, the summary with its charts, the appendix, the exceptions), so the
    # workers finish together rather than one waiting on a big part started last.
    order = [register, first_contents, *chunks, summary, appendix, exceptions]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(body)))
    with _pool(workers) as pool:
        _render_flows(pool, workers, order)
        rendered = [item for flow in body for item in flow.parts]
        contents_pages = first_contents.pages
        body_pages = sum(len(item.landscape) for item in rendered)
        landscape = [flag for item in rendered for flag in item.landscape]
        for _ in range(3):  # the real numbers could, in theory, reflow the contents onto another page
            first_pages = _anchor_pages(rendered, contents_pages)
            toc_pages = {key: first_pages[key] + 1 for key in toc_keys if key in first_pages}
            total = contents_pages + body_pages
            front = contents(toc_pages, total)
            stamps = [stamp(contents_pages + index + 1, total, landscape[index:index + STAMP_PAGES_PER_PART])
                      for index in range(0, body_pages, STAMP_PAGES_PER_PART)]
            _render_flows(pool, workers, [front, *stamps])
            if front.pages == contents_pages:
                break
            contents_pages = front.pages
        else:
            raise RuntimeError("the PDF's page numbers did not settle; render it with pdf_profiles_per_chunk = 0")
    _join([*front.parts, *rendered], [item.pdf for flow in stamps for item in flow.parts], path, context, toc_pages)
    return path


def _stamps_html(first: int, total: int, landscape: Sequence[bool]) -> str:
    """Pages carrying only the footer "Page N of M", N from `first`, in the sizes given, laid out by the
    pack's own @page rules so a stamp sits exactly where the footer of a page rendered whole would."""
    css = tool_file(CSS_FILE) + _numbering_css(first, total)
    css += ".stamp { height: 1px; break-after: page; } .stamp:last-child { break-after: auto; }\n"
    css += ".stamp-landscape { page: landscape; }\n"
    # The pack's white body background would fill each stamp page and hide the page it is laid on.
    css += "html, body { background: none !important; }\n"
    pages = "".join(f'<div class="stamp{" stamp-landscape" if flag else ""}"></div>' for flag in landscape)
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><style>{css}</style></head>'
            f"<body>{pages}</body></html>")


@dataclass(frozen=True)
class _Part:
    """One rendered part: its PDF, where each anchor first lands (page index), which pages are landscape,
    and its links to anchors in other parts (page index, anchor, rectangle in PDF points), which
    WeasyPrint leaves out of the part's PDF and the join puts back. Only the first len(landscape)
    pages of the PDF are the pack's (see `_Flow`)."""
    pdf: bytes
    anchors: dict[str, int]
    landscape: list[bool]
    links: tuple[tuple[int, str, tuple[float, float, float, float]], ...] = ()

    def head(self, pages: int) -> "_Part":
        return _Part(self.pdf, {anchor: index for anchor, index in self.anchors.items() if index < pages},
                     self.landscape[:pages], tuple(link for link in self.links if link[0] < pages))


def _starts(parts: Sequence[_Part], first: int = 0) -> list[int]:
    """The page index each part starts on when the parts follow one another from page index `first`."""
    starts = []
    for part in parts:
        starts.append(first)
        first += len(part.landscape)
    return starts


def _anchor_pages(parts: Sequence[_Part], first: int = 0) -> dict[str, int]:
    """Where each anchor first lands (page index) when the parts follow one another from `first`."""
    pages: dict[str, int] = {}
    for part, start in zip(parts, _starts(parts, first)):
        for anchor, index in part.anchors.items():
            pages.setdefault(anchor, start + index)
    return pages


class _Flow:
    """A part of the pack, or a run of lines (register rows, contents lines) too long for one rendering,
    laid out over parts as one rendering would lay it out.

    `html(start, stop, pages)` gives the HTML of lines start to stop, `pages` being the pages already
    kept, and `lines` the id each line carries. A part renders up to `size` lines from where the last
    stopped; unless it reaches the end, its last page is dropped and the lines on it start the next
    part, so every kept page is full, as a page of one rendering would be. With no lines, the flow is
    one part.
    """

    def __init__(self, html: Callable[[int, int, int], str], lines: Sequence[str] = (), size: int = 0) -> None:
        self.html, self.lines, self.size = html, list(lines), size
        self.start = self.stop = 0
        self.parts: list[_Part] = []
        self.done = False

    @property
    def pages(self) -> int:
        return sum(len(part.landscape) for part in self.parts)

    def next_html(self) -> str:
        self.stop = min(self.start + self.size, len(self.lines))
        return self.html(self.start, self.stop, self.pages)

    def take(self, part: _Part) -> None:
        if self.stop >= len(self.lines):
            self.parts.append(part)
            self.done = True
            return
        last = len(part.landscape) - 1
        pages = [part.anchors[line] for line in self.lines[self.start:self.stop]]
        if pages[0] == last:  # not a whole page of lines: render more at once
            self.size *= 2
            return
        self.parts.append(part.head(last))
        self.start += next((index for index, page in enumerate(pages) if page == last), len(pages))


def _render_flows(pool, workers: int, flows: Sequence[_Flow]) -> None:
    """Every flow rendered to its end, at most `workers` parts at a time, the earlier flows' first; a
    flow's next part waits for its last. Only the parts' order within a flow matters to the result, so
    it is the same whatever `workers` is."""
    running: dict[Future, _Flow] = {}
    while True:
        for flow in flows:
            if len(running) >= workers:
                break
            if not flow.done and flow not in running.values():
                running[pool.submit(_render_part, flow.next_html())] = flow
        if not running:
            return
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            running.pop(future).take(future.result())


def _render_part(html: str) -> _Part:
    """Runs in a worker process: one part's HTML in, its PDF and layout facts out (small, to pickle)."""
    document = _document(html)
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    landscape = [page.width > page.height for page in document.pages]
    links = tuple(
        (index, target, (left * _PT, (page.height - bottom) * _PT, right * _PT, (page.height - top) * _PT))
        for index, page in enumerate(document.pages)
        for kind, target, (left, top, right, bottom), _ in page.links
        if kind == "internal" and target not in anchors)
    return _Part(document.write_pdf(pdf_identifier=PDF_IDENTIFIER), anchors, landscape, links)


#: PDF points to a CSS pixel: WeasyPrint lays out in pixels from the page's top left, PDF draws in
#: points from its bottom left.
_PT = 0.75


class _Inline:
    """A pool of no processes, for `jobs=1`: the same work, in this process, in the same order."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        future.set_result(function(*args))
        return future


def _pool(workers: int):
    # Spawned, not forked: a worker holds WeasyPrint and one part, never a copy of the caller's memory
    # (the loaded workbooks), so the PDF's peak memory does not grow with the batch.
    if workers == 1:
        return _Inline()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


PDF_IDENTIFIER = b"partnership-review"


def _document(html: str):
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class RefuseEverything(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the pack fetches nothing from outside itself (refused {url[:80]})")

    return HTML(string=html, base_url=None, url_fetcher=RefuseEverything()).render()


def _pdf_bytes(html: str) -> bytes:
    return _document(html).write_pdf(pdf_identifier=PDF_IDENTIFIER)


def _write_pdf(html: str, path: Path) -> None:
    path.write_bytes(_pdf_bytes(html))


def _join(pieces: list[_Part], stamps: list[bytes], path: Path, context: Mapping[str, Any],
          toc_pages: Mapping[str, int]) -> None:
    """One PDF of the parts (the first is the cover and contents, with its own footers, as are those
    that carry on its contents; the others' pages get the stamps in order), with the document
    information of the first, the links from one part to another (the contents to each section and
    profile, the register and exceptions to the profiles), and a bookmark per contents entry, written
    straight to `path`."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    for piece in pieces:
        writer.append(PdfReader(io.BytesIO(piece.pdf)), pages=list(range(len(piece.landscape))))
    page_of = _anchor_pages(pieces)
    for piece, start in zip(pieces, _starts(pieces)):
        for index, anchor, rect in piece.links:
            if anchor in page_of:
                writer.add_annotation(start + index, Link(rect=rect, target_page_index=page_of[anchor]))
    stamp_pages = [page for stamp in stamps for page in PdfReader(io.BytesIO(stamp)).pages]
    first = len(writer.pages) - len(stamp_pages)
    opening = DecodedStreamObject()
    opening.set_data(b"q\n")
    opening = writer._add_object(opening)
    for number, (page, stamp) in enumerate(zip(writer.pages[first:], stamp_pages), start=first + 1):
        _stamp(writer, page, stamp, NameObject(f"/PageNumber{number}"), opening)
    info = PdfReader(io.BytesIO(pieces[0].pdf)).metadata or {}
    writer.add_metadata({key: value for key, value in info.items()})
    titles = {"summary": "Executive summary", "charts": "The year in pictures", "exceptions": "Exceptions",
              "register": "The partnership register", "profiles": "Partnership profiles",
              "appendix": "Appendix: validation, method and inputs"}
    profiles_parent = None
    for key, title in titles.items():
        if key in toc_pages:
            item = writer.add_outline_item(title=title, page_number=toc_pages[key] - 1)
            if key == "profiles":
                profiles_parent = item
    for partnership in context["partnerships"]:
        if partnership["anchor"] in toc_pages and profiles_parent is not None:
            score = partnership["score"]
            writer.add_outline_item(title=f"{score.id} {partnership['title']}".strip(),
                                    page_number=toc_pages[partnership["anchor"]] - 1, parent=profiles_parent)
    with open(path, "wb") as handle:
        writer.write(handle)


def _stamp(writer, page, stamp, name, opening) -> None:
    """Lays `stamp` (a page of the same size) over `page` as a form XObject called `name`, drawn after
    the page's own content, which `opening` ("q") and the closing "Q" keep to itself. pypdf's
    `merge_page` does the same by decoding and rewriting both content streams, which for a thousand
    pages took some 300 MB and left them uncompressed; this copies the stamp's compressed stream as it
    is. (`_add_object` is pypdf's own way to make an indirect object; pyproject pins pypdf < 8.)"""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    form = stamp["/Contents"].get_object().clone(writer)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(stamp.mediabox)
    form[NameObject("/Resources")] = stamp["/Resources"].clone(writer)
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    resources["/XObject"].get_object()[name] = form.indirect_reference
    contents = page["/Contents"]
    streams = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    closing = DecodedStreamObject()
    closing.set_data(b"\nQ q " + name.encode() + b" Do Q\n")
    page[NameObject("/Contents")] = ArrayObject([opening, *streams, writer._add_object(closing)])


# --- Formatting ------------------------------------------------------------------------------------

def money(value: float | None) -> str:
    return "\u2014" if value is None else f"£{value:,.0f}"


def days(value: float | None) -> str:
    if value is None:
        return "\u2014"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def long_date(value: dt.date | None) -> str:
    return "\u2014" if value is None else f"{value.day} {value:%B %Y}"


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG without its RDF metadata block (namespace URLs a reader might take for links)."""
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((prefix + key, value))
    return rows


# --- The register and the profiles -----------------------------------------------------------------

#: The register table of the pack: a manager's selection of the register, then the scores.
REGISTER_COLUMNS = ("ID", "Partnership", "Service area", "Council role", "Funding", "Officer days",
                    "Next review", "Completeness", "Assurance", "Actions overdue", "High risks", "RAG")


def register_display(workbook: Workbook) -> list[tuple[str, str]]:
    """Every register field of a workbook as (label, text), numbers and dates in a reader's form."""
    rows = []
    for spec in catalogue.REGISTER_FIELDS:
        raw = workbook.value(spec.key)
        shown = values.text(raw)
        if spec.kind is Kind.DATE and isinstance(values.date(raw), dt.date):
            shown = long_date(values.date(raw))
        elif spec.kind is Kind.NUMBER and isinstance(values.amount(raw), float):
            shown = (money if spec.key == "funding" else days)(values.amount(raw))
        elif spec.kind is Kind.NUMBER and values.amount(raw) is values.INVALID:
            shown = f"{shown} (cannot be read: left out of the figures)"
        elif spec.kind is Kind.LIST:
            shown = "; ".join(values.items(raw, catalogue.LIST_SEPARATOR))
        rows.append((spec.label, shown))
    return rows


def _profile(score: PartnershipScore, workbook: Workbook, report: ValidationReport) -> dict[str, Any]:
    actions = {line.ref: line for line in score.action_lines}
    improvement = []
    for row in workbook.improvement:
        answer = values.choice(row.answer, catalogue.IMPROVEMENT_ANSWERS)
        improvement.append({
            "ref": row.area.ref, "area": row.area.text,
            "answer": answer if isinstance(answer, str) else values.text(row.answer),
            "valid": isinstance(answer, str), "action": actions.get(row.area.ref),
        })
    rules = {}
    for item in report.findings:
        if item.file == score.file:
            rules[item.rule] = rules.get(item.rule, 0) + 1
    return {
        "score": score,
        "anchor": "p-" + re.sub(r"[^A-Za-z0-9]+", "-", f"{score.file}").strip("-").lower(),
        "title": score.name or score.id or score.file,
        "register": register_display(workbook) if workbook.register else [],
        "council_role": values.text(workbook.value("council_role")),
        "improvement": improvement,
        "finding_rules": sorted(rules.items()),
        "change": None,  # filled in by build_context when there is a comparison
    }


# --- Exceptions and headlines ----------------------------------------------------------------------

def _exceptions(scores: Sequence[PartnershipScore], report: ValidationReport) -> dict[str, list]:
    counted = [item for item in scores if item.assessed and item.in_scope and item.counted]
    blocking: dict[str, list[str]] = {}
    for item in report.findings:
        if item.blocks_assessment:
            blocking.setdefault(item.file, []).append(item.message)
    overdue_actions = [(score, line) for score in counted for line in score.action_lines if line.overdue]
    overdue_actions.sort(key=lambda pair: (-pair[1].overdue_days, pair[0].id, pair[1].ref))
    return {
        "red": [score for score in counted if score.rag == RED],
        "overdue_reviews": sorted((score for score in counted if score.review_overdue),
                                  key=lambda score: (score.next_review, score.id)),
        "overdue_actions": overdue_actions,
        "unmitigated": [(score, risk) for score in counted for risk in score.risks
                        if risk.band == "High" and not risk.mitigated],
        "out_of_scope": [score for score in scores if score.assessed and not score.in_scope and score.counted],
        "duplicates": _duplicates(scores),
        "left_out": [(score, item) for score in counted for item in score.left_out],
        "not_assessed": [(score, blocking.get(score.file) or list(score.rag_reasons))
                         for score in scores if not score.assessed],
    }


def _duplicates(scores: Sequence[PartnershipScore]) -> list[dict[str, Any]]:
    """Each Partnership ID returned in more than one workbook: the return that counts and the others."""
    by_file = {score.file: score for score in scores}
    others: dict[str, list[PartnershipScore]] = {}
    for score in scores:
        if score.duplicate_of:
            others.setdefault(score.duplicate_of, []).append(score)
    return [{"counted": by_file[file], "others": sorted(group, key=lambda score: score.file)}
            for file, group in sorted(others.items(), key=lambda pair: (by_file[pair[0]].id, pair[0]))]


def _headlines(totals: Mapping[str, Any], exceptions: Mapping[str, list]) -> list[str]:
    """The few sentences the executive summary leads with; only what needs a manager's attention."""
    lines = []

    def add(count: int, one: str, many: str) -> None:
        if count:
            lines.append((one if count == 1 else many).format(n=count))

    add(len(exceptions["red"]), "1 partnership is rated Red.", "{n} partnerships are rated Red.")
    add(len(exceptions["unmitigated"]), "1 High risk has no mitigation.", "{n} High risks have no mitigation.")
    add(len(exceptions["overdue_actions"]), "1 improvement action is overdue.",
        "{n} improvement actions are overdue.")
    add(len(exceptions["overdue_reviews"]), "1 partnership is overdue for its annual review.",
        "{n} partnerships are overdue for their annual review.")
    add(len(exceptions["out_of_scope"]), "1 entry is not a partnership under the strategy (out of scope).",
        "{n} entries are not partnerships under the strategy (out of scope).")
    add(len(exceptions["not_assessed"]), "1 workbook could not be assessed and must be sent again.",
        "{n} workbooks could not be assessed and must be sent again.")
    for duplicate in exceptions["duplicates"]:
        counted, others = duplicate["counted"], duplicate["others"]
        when = (f"its review was completed on {long_date(counted.review_completed_on)}"
                if counted.review_completed_on else "no return gives a readable review date")
        lines.append(f"Partnership ID {counted.id} was returned in {len(others) + 1} workbooks: {counted.file} is "
                     f"counted ({when}; the latest review counts, then the first file by name) and "
                     f"{_joined([other.file for other in others])} {'is' if len(others) == 1 else 'are'} left out "
                     "of the figures. Check which is right and correct the other's ID.")
    add(totals.get("answers_left_out", 0),
        "1 answer could not be read and is left out of every figure (see Exceptions, Answers left out).",
        "{n} answers could not be read and are left out of every figure (see Exceptions, Answers left out).")
    if not lines:
        lines.append("No exceptions: every partnership in scope is rated Green or Amber with nothing overdue.")
    return lines


def _joined(items: Sequence[str]) -> str:
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


# --- Change since last year ------------------------------------------------------------------------

def points(then: float | None, now: float | None) -> str:
    """'+13 points': the change between the whole percentages the pack shows, so the figures add up."""
    if then is None or now is None:
        return "\u2014"
    step = int(f"{now * 100:.0f}") - int(f"{then * 100:.0f}")
    if not step:
        return "no change"
    return f"{step:+d} point{'' if abs(step) == 1 else 's'}"


def _score_text(value: float | None) -> str:
    return "not rated" if value is None else f"{value:.1f}"


def _score_change(then: float | None, now: float | None) -> str:
    if then is None or now is None:
        return "\u2014"
    step = round(now - then, 2)
    # One decimal place, as the scores are shown, unless that would hide a real change.
    return f"{step:+.1f}" if abs(step) >= 0.05 or not step else f"{step:+.2f}"


#: How the pack words a risk's direction, with an arrow for the eye (the word carries the meaning).
DIRECTIONS = {"up": "\u25b2 up (worse)", "down": "\u25bc down (better)", "no change": "no change",
              "not comparable": "not comparable"}
#: How the pack words a carried action's status this year.
CARRIED_OUTCOMES = {catalogue.COMPLETE: "Closed", NOT_CARRIED_OVER: "Not carried over", NO_RETURN: "No return",
                    NOT_ASSESSED_NOW: "Not assessed"}


def change_summary(comparison: Comparison, year: int, partnerships: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The executive summary's "Change since last year", and the risk movement table, as plain data."""
    then_label = str(comparison.previous_year) if comparison.previous_year else "last year"
    first_file: dict[str, str] = {}
    anchors: dict[str, str] = {}
    for item in partnerships:
        key = id_key(item["score"].id)
        if key and item["score"].counted:  # the return that counts for its ID (score.mark_duplicates)
            first_file[key], anchors[key] = item["score"].file, item["anchor"]

    def rows(changes) -> list[dict[str, Any]]:
        return [{"id": change.id, "name": change.name, "anchor": anchors.get(id_key(change.id)),
                 "rag_then": change.rag_then, "rag_now": change.rag_now,
                 "completeness": f"{percent(change.completeness_then)} \u2192 {percent(change.completeness_now)}",
                 "completeness_change": points(change.completeness_then, change.completeness_now)}
                for change in changes]

    then_counts = dict(comparison.workbooks_by_rag_then or comparison.rag_counts("then"))
    now_counts = dict(comparison.workbooks_by_rag_now or comparison.rag_counts("now"))
    moved = {change.id for change in (*comparison.worse, *comparison.better)}
    return {
        "then_label": then_label,
        "previous_as_of": _iso_date(comparison.previous_as_of),
        "rag_rows": [
            {"label": f"Rating then ({then_label})", "counts": [then_counts.get(rag, 0) for rag in RAG_ORDER],
             "total": sum(then_counts.values())},
            {"label": f"Rating now ({year})", "counts": [now_counts.get(rag, 0) for rag in RAG_ORDER],
             "total": sum(now_counts.values())},
        ],
        "worse": rows(comparison.worse),
        "better": rows(comparison.better),
        "other_moves": rows(change for change in comparison.partnerships
                            if change.status == "continuing" and change.id not in moved
                            and change.rag_then != change.rag_now),
        "unchanged": sum(1 for change in comparison.partnerships
                         if change.status == "continuing" and change.rag_then == change.rag_now),
        "new": rows(comparison.new),
        "ended": rows(change for change in comparison.ended if change.rag_then != OUT_OF_SCOPE),
        "ended_out_of_scope": rows(change for change in comparison.ended if change.rag_then == OUT_OF_SCOPE),
        "carried": {"total": comparison.carried_actions, "closed": comparison.carried_closed,
                    "not_closed": comparison.carried_still_open,
                    "outcomes": _carried_outcomes(comparison),
                    "partnerships": sum(1 for change in comparison.partnerships if change.carried_actions)},
        "risks": [{"ref": risk.ref, "text": risk.text, "then": _score_text(risk.score_then),
                   "now": _score_text(risk.score_now), "change": _score_change(risk.score_then, risk.score_now),
                   "direction": DIRECTIONS[risk.direction], "direction_key": risk.direction.replace(" ", "-")}
                  for risk in comparison.risks],
        "first_file": first_file,
    }


def _carried_outcomes(comparison: Comparison) -> list[str]:
    """What became of last year's open actions, each counted once, as phrases of one sentence."""
    outcomes = [(comparison.carried_closed, "now closed (Complete)"),
                (comparison.carried_open_now, "still open"),
                (comparison.carried_not_carried_over,
                 "no longer listed this year without being marked Complete (not carried over)"),
                (comparison.carried_no_return, "in partnerships that returned no workbook this year"),
                (comparison.carried_not_assessed, "in workbooks that could not be assessed this year")]
    return [f"{count} {words}" for count, words in outcomes if count]


def profile_change(score: PartnershipScore, comparison: Comparison, first_file: Mapping[str, str]) -> dict[str, Any]:
    """One profile's "Change since last year": new, or then and now side by side with last year's
    open actions and how each stands now."""
    key = id_key(score.id)
    if not key:
        return {"kind": "no id"}
    if first_file.get(key) != score.file:
        return {"kind": "duplicate", "file": first_file.get(key, "")}
    change = comparison.find(score.id)
    if change is None or change.status == "new":
        return {"kind": "new"}
    areas = {area.ref: area.text for area in catalogue.AREAS}
    return {
        "kind": "continuing",
        "rag_then": change.rag_then, "rag_now": change.rag_now,
        "movement": {"worse": "worse", "better": "better", "same": "no change"}.get(change.movement or "",
                                                                                   "not comparable"),
        "measures": [
            ("Checklist completeness", percent(change.completeness_then), percent(change.completeness_now),
             points(change.completeness_then, change.completeness_now)),
            ("Checklist assurance", percent(change.assurance_then), percent(change.assurance_now),
             points(change.assurance_then, change.assurance_now)),
        ],
        "actions": [{"ref": action.ref, "area": areas.get(action.ref, ""), "action": action.action,
                     "status_then": action.status_then, "status_now": action.status_now,
                     "outcome": CARRIED_OUTCOMES.get(action.status_now, "Still open")}
                    for action in change.carried_actions],
        "open": change.open_carried_actions,
    }


def _iso_date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None
