"""The pack as an A4 PDF, rendered by WeasyPrint from the same templates as the HTML.

A small pack is one rendering. A big one is rendered in parts, in parallel worker processes, to bound
memory and save time, with page numbers, contents, links and bookmarks made right across the parts
(see `render_pdf`). The renderer refuses every URL, so the PDF never reaches outside the document.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from pipeline.pack.html import CSS_FILE, numbering_css, render_html, render_pack, tool_file
from pipeline.workers import InlineExecutor, process_pool

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
        return _Flow(lambda *_: render_pack(context, frozenset(names), profiles, profiles_title=title, footer=False))

    def contents(toc_pages: Mapping[str, int], total: int | None = None) -> _Flow:
        return _Flow(lambda start, stop, done: render_pack(
            context, frozenset({"contents"}), [], profiles_title=False, toc_pages=toc_pages,
            numbering=None if total is None else (1 + done, total), piece=(start, stop)),
            [f"toc-{item['anchor']}" for item in profiled], CONTENTS_LINES_PER_PART)

    def stamp(first: int, total: int, flags: Sequence[bool]) -> _Flow:
        return _Flow(lambda *_: _stamps_html(first, total, flags))

    register = _Flow(lambda start, stop, _: render_pack(context, frozenset({"register"}), [], profiles_title=False,
                                                    footer=False, piece=(start, stop)),
                     [f"row-{item['anchor']}" for item in partnerships], REGISTER_ROWS_PER_PART)
    summary, exceptions, appendix = part({"summary"}), part({"exceptions"}), part({"appendix"})
    chunks = [part({"profiles"}, profiled[index:index + chunk], index == 0)
              for index in range(0, len(profiled), chunk)]
    body = [summary, exceptions, register, *chunks, appendix]
    toc_keys = ("summary", "charts", "shared", "strategy", "exceptions", "register", "profiles", "appendix",
                *(item["anchor"] for item in profiled))
    first_contents = contents({key: 999 for key in toc_keys})

    # The flows first, as each renders one part at a time; then the parts that stand alone, biggest
    # first (a chunk of profiles, the summary with its charts, the appendix, the exceptions), so the
    # workers finish together rather than one waiting on a big part started last.
    order = [register, first_contents, *chunks, summary, appendix, exceptions]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(body)))
    # Started afresh, not forked: a worker holds WeasyPrint and one part, never a copy of the caller's
    # memory (the loaded workbooks), so the PDF's peak memory does not grow with the batch.
    with process_pool(workers, fresh=True) as pool:
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
    css = tool_file(CSS_FILE) + numbering_css(first, total)
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


PDF_IDENTIFIER = b"partnership-review"


def _document(html: str):
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class RefuseEverything(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the pack fetches nothing from outside itself (refused {url[:80]})")

    return HTML(string=html, base_url=None, url_fetcher=RefuseEverything()).render()


def pdf_bytes(html: str) -> bytes:
    """One HTML document as a PDF, rendered by the pack's renderer (which fetches nothing)."""
    return _document(html).write_pdf(pdf_identifier=PDF_IDENTIFIER)


def _write_pdf(html: str, path: Path) -> None:
    path.write_bytes(pdf_bytes(html))


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
    opening = _indirect(writer, opening)
    for number, (page, stamp) in enumerate(zip(writer.pages[first:], stamp_pages), start=first + 1):
        _stamp(writer, page, stamp, NameObject(f"/PageNumber{number}"), opening)
    info = PdfReader(io.BytesIO(pieces[0].pdf)).metadata or {}
    writer.add_metadata({key: value for key, value in info.items()})
    titles = {"summary": "Executive summary", "charts": "The year in pictures",
              "shared": "Shared partners and possible duplication",
              "strategy": "The strategy's questions: significance and objectives", "exceptions": "Exceptions",
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


def _indirect(writer, obj):
    """`obj` made an indirect object of `writer`. pypdf has no public call for this; its own `_add_object`
    is used here and nowhere else (pyproject pins pypdf < 8)."""
    return writer._add_object(obj)


def _stamp(writer, page, stamp, name, opening) -> None:
    """Lays `stamp` (a page of the same size) over `page` as a form XObject called `name`, drawn after
    the page's own content, which `opening` ("q") and the closing "Q" keep to itself. pypdf's
    `merge_page` does the same by decoding and rewriting both content streams, which for a thousand
    pages took some 300 MB and left them uncompressed; this copies the stamp's compressed stream as it
    is."""
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
    page[NameObject("/Contents")] = ArrayObject([opening, *streams, _indirect(writer, closing)])


def lines_in_parts(html: Callable[[int, int, int], str], lines: Sequence[str], size: int) -> list[_Part]:
    """A run of lines (register rows, contents lines) rendered part after part in this process, at most
    `size` lines to a part, as `render_pdf` lays out a long register or contents (see `_Flow`)."""
    flow = _Flow(html, lines, size)
    _render_flows(InlineExecutor(), 1, [flow])
    return flow.parts


def render_part(html: str) -> _Part:
    """One part's HTML rendered: its PDF and where its anchors and links land."""
    return _render_part(html)
