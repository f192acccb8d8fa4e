"""The pack as an A4 PDF: a valid, tagged PDF/UA-1 file, rendered by WeasyPrint from the same
templates as the HTML.

The words used here, each for one thing:

- a *part* is one rendering by WeasyPrint of some of the pack's HTML, a PDF of its own (`_Part`);
  the pack's PDF is its parts' pages joined (`_join`). A small pack is one part.
- a *chunk* is the profiles rendered together in one part: `pdf_profiles_per_chunk` of them (the
  configuration's word).
- *lines* are the register's rows and the contents' lines of profiles. Too many lines for one part
  are a *flow* (`_Flow`): parts rendered one after another, each carrying on the lines of the last,
  laid out as one rendering would lay them out.
- *stamps* are pages carrying only the running heads and the footer, drawn over the parts' pages.

A big pack is rendered in parts, in parallel worker processes, to bound memory and save time, with
page numbers, contents, links and bookmarks made right across the parts (see `render_pdf`). Every part
is a tagged PDF (WeasyPrint's PDF/UA-1 variant: structure tree, language, title, PDF/UA
identification); `_finish_part` completes what WeasyPrint leaves out, and `_join` puts the parts'
structure trees under one, so a screen reader reads the whole pack in order. The renderer refuses
every URL, so the PDF never reaches outside the document.
"""

from __future__ import annotations

import hashlib
import html as html_text
import io
import math
import os
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from pipeline.formats import LANGUAGE
from pipeline.pack.html import render_html, render_pack, stylesheet
from pipeline.workers import InlineExecutor, process_pool

#: WeasyPrint's variant: a tagged PDF 1.7 that identifies itself as PDF/UA-1.
PDF_VARIANT = "pdf/ua-1"
#: The stamps are rendered this many pages to a part, so their memory stays small too.
STAMP_PAGES_PER_PART = 200
#: The register and the contents of a big pack are rendered at most this many lines to a part (a few
#: pages each), so no part's memory grows with the batch; a chunk of profiles is about the same size.
REGISTER_ROWS_PER_PART = 150
CONTENTS_LINES_PER_PART = 250


def render_pdf(
    context: Mapping[str, Any],
    path: Path,
    *,
    profiles_per_chunk: int | None = None,
    jobs: int | None = None,
    tagged: bool = True,
) -> Path:
    """The pack as an A4 PDF, from the same templates, touching nothing outside the document.

    Up to `profiles_per_chunk` profiles (default: the config's `pdf_profiles_per_chunk`; 0 means
    never split) the pack is one part. A bigger pack is rendered in parts so memory stays
    bounded, in up to `jobs` worker processes (default: one per CPU); the bytes are the same whatever
    `jobs` is. `tagged=False` leaves the tags out (the benchmark's measure of what tagging costs).

    1. The body is rendered once, part by part: the summary with the charts, the exceptions, the
       register (a flow of parts of up to REGISTER_ROWS_PER_PART rows, breaking where one rendering
       would), the profiles a chunk at a time and the appendix; and the cover and contents (a flow
       too) with placeholder numbers. Nothing in the body depends on its page numbers, so this fixes
       every page and every anchor.
    2. The cover and contents are rendered again with the real page numbers, which follow from the
       parts' page counts; if that moves the contents onto a different number of pages, again.
    3. Every part is laid out with its running heads, which are then taken off its pages (their words
       kept) so that they can be drawn again, with "Page N of M", as pagination artifacts (the stamps).
       The stamps are rendered beside step 2, from the placeholders' pages, whose sizes and heads the
       real numbers keep unless they move the contents (then steps 2 and 3 are done again).
       The join copies the parts' pages and structure trees into one tagged PDF with pikepdf, once the
       workers (and their memory) are gone.
    """
    path = Path(path)
    per_chunk = context["config"].pdf_profiles_per_chunk if profiles_per_chunk is None else profiles_per_chunk
    partnerships, profiled = list(context["partnerships"]), list(context["profiled"])
    alts = chart_alternatives(context)
    if not per_chunk or len(profiled) <= per_chunk:
        whole = _Flow(lambda *_: render_html(context, paper=True))
        with _pool(1) as pool:
            _render_flows(pool, 1, [whole], alts, tagged)
            stamps = _stamps(whole.parts, [])
            _render_flows(pool, 1, stamps)
        _join(whole.parts, [item.pdf for flow in stamps for item in flow.parts], path, context)
        return path

    def one_part(rendered: set[str], profiles: Sequence[Mapping[str, Any]] = (), title: bool = False) -> _Flow:
        return _Flow(
            lambda *_: render_pack(
                context, frozenset(rendered), profiles, profiles_title=title, footer=False, paper=True
            )
        )

    def contents(toc_pages: Mapping[str, int]) -> _Flow:
        return _Flow(
            lambda start, stop, done: render_pack(
                context,
                frozenset({"contents"}),
                [],
                profiles_title=False,
                toc_pages=toc_pages,
                footer=False,
                lines=(start, stop),
                paper=True,
            ),
            [f"toc-{item['anchor']}" for item in profiled],
            CONTENTS_LINES_PER_PART,
        )

    register = _Flow(
        lambda start, stop, _: render_pack(
            context, frozenset({"register"}), [], profiles_title=False, footer=False, lines=(start, stop), paper=True
        ),
        [f"row-{item['anchor']}" for item in partnerships],
        REGISTER_ROWS_PER_PART,
    )
    summary, exceptions, appendix = one_part({"summary"}), one_part({"exceptions"}), one_part({"appendix"})
    chunks = [
        one_part({"profiles"}, profiled[index : index + per_chunk], index == 0)
        for index in range(0, len(profiled), per_chunk)
    ] or [one_part({"profiles"}, [], True)]  # with no profile, its heading and why there is none
    body = [summary, exceptions, register, *chunks, appendix]
    toc_keys = (*context["sections"], *(item["anchor"] for item in profiled))
    first_contents = contents({key: 999 for key in toc_keys})

    # The flows of lines first, as each renders one part at a time; then the flows of one part,
    # biggest first (the summary with its charts, a chunk of profiles, the appendix, the exceptions),
    # so the workers finish together rather than one waiting on a big part started last.
    order = [register, first_contents, summary, *chunks, appendix, exceptions]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(body)))
    with _pool(workers) as pool:
        _render_flows(pool, workers, order, alts, tagged)
        body_parts = [item for flow in body for item in flow.parts]
        laid_out = first_contents.parts
        for _ in range(3):  # the real numbers could, in theory, reflow the contents onto another page
            anchor_pages = _anchor_pages(body_parts, _pages(laid_out))
            front = contents({key: anchor_pages[key] + 1 for key in toc_keys if key in anchor_pages})
            # The stamps follow from each page's size and heads, which the real numbers leave as the
            # placeholders laid them out unless they move the contents onto other pages: they are
            # rendered beside the front, and again only if it did move.
            stamps = _stamps(laid_out, body_parts)
            _render_flows(pool, workers, [front, *stamps], alts, tagged)
            if _layout(front.parts) == _layout(laid_out):
                break
            laid_out = front.parts
        else:
            raise RuntimeError("the PDF's page numbers did not settle; render it with pdf_profiles_per_chunk = 0")
    _join([*front.parts, *body_parts], [item.pdf for flow in stamps for item in flow.parts], path, context)
    return path


def chart_alternatives(context: Mapping[str, Any]) -> dict[str, str]:
    """Each chart's text alternative in the PDF, by its heading (which WeasyPrint gives the figure):
    the heading, then what the chart shows; the shared partners' network and each profile's trend
    over the years too."""
    charts = [*context["charts"], *([context["network"]] if context.get("network") else [])]
    alternatives = {chart["title"]: f"{chart['title']}. {chart['summary']}" for chart in charts}
    for item in context["partnerships"]:
        if item.get("trend"):
            alternatives[item["trend"]["title"]] = f"{item['trend']['title']}. {item['trend']['text']}"
    return alternatives


def link_descriptions(context: Mapping[str, Any]) -> dict[str, str]:
    """What each internal link leads to, by anchor, as a link annotation's description."""
    described = {
        **context["sections"],
        "method": "Method, in the appendix",
        "main": "The review, after the contents",
        "possible-duplication": "Possible duplication: check",
    }
    for item in context["partnerships"]:
        label = item.get("label") or item["title"]
        described[item["anchor"]] = (
            f"Profile of {label}" if item["score"].assessed else f"Why {label} could not be assessed, under Exceptions"
        )
    return described


# --- Running heads and footers ---------------------------------------------------------------------


def _stamps(front: Sequence["_Part"], body: Sequence["_Part"]) -> list["_Flow"]:
    """The running heads and "Page N of M" of every page, in the sizes given, each page's heads those
    its part was laid out with; the cover (page 1) has none. In parts of at most STAMP_PAGES_PER_PART
    pages, as even as can be, so that workers finish them together (and the same whatever `jobs` is)."""
    pages = [(flag, *heads) for flag, heads in _layout([*front, *body])]
    total = len(pages)
    stamped = [
        (flag, left, right, f"Page {number} of {total}" if number > 1 else "")
        for number, (flag, left, right) in enumerate(pages, start=1)
    ]
    parts = max(1, math.ceil(total / STAMP_PAGES_PER_PART))
    size = max(1, math.ceil(total / parts))
    return [
        _Flow(lambda *_, some=stamped[index : index + size]: _stamps_html(some), plain=True)
        for index in range(0, total, size)
    ]


def _pages(parts: Sequence["_Part"]) -> int:
    return sum(len(part.landscape) for part in parts)


def _layout(parts: Sequence["_Part"]) -> list[tuple[bool, tuple[str, str]]]:
    """What the stamps of these parts' pages depend on: each page's size and running heads."""
    return [(flag, heads) for part in parts for flag, heads in zip(part.landscape, part.heads)]


def _stamps_html(pages: Sequence[tuple[bool, str, str, str]]) -> str:
    """Pages carrying only the running heads and the footer, laid out by the pack's own @page rules so
    each sits exactly where it would on a page rendered whole."""
    css = stylesheet()
    css += (
        "\n@page { @top-left { content: string(stamp-left); } @top-right { content: string(stamp-right); }"
        " @bottom-center { content: string(stamp-foot); } }\n"
    )
    css += (
        ".stamp { height: 1px; break-after: page; string-set: stamp-left attr(data-left), "
        "stamp-right attr(data-right), stamp-foot attr(data-foot); } .stamp:last-child { break-after: auto; }\n"
    )
    css += ".stamp-landscape { page: landscape; }\n"
    # The pack's white body background would fill each stamp page and hide the page it is laid on.
    css += "html, body { background: none !important; }\n"
    quote = lambda text: html_text.escape(text, quote=True)  # noqa: E731
    pages_html = "".join(
        f'<div class="stamp{" stamp-landscape" if flag else ""}" data-left="{quote(left)}" '
        f'data-right="{quote(right)}" data-foot="{quote(foot)}"></div>'
        for flag, left, right, foot in pages
    )
    return (
        f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8"><style>{css}</style></head>'
        f"<body>{pages_html}</body></html>"
    )


# --- Parts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One rendered part: its PDF, where each anchor first lands (page index), which pages are landscape
    and each page's running heads (left, right). Only the first len(landscape) pages of the PDF are the
    pack's (see `_Flow`)."""

    pdf: bytes
    anchors: dict[str, int]
    landscape: list[bool]
    heads: list[tuple[str, str]]

    def first_pages(self, pages: int) -> "_Part":
        """The part cut to its first `pages` pages (its PDF keeps them all; the join takes these)."""
        return _Part(
            self.pdf,
            {anchor: index for anchor, index in self.anchors.items() if index < pages},
            self.landscape[:pages],
            self.heads[:pages],
        )


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
    """What is rendered as one: the lines of the register or the contents, too many for one part, laid
    out over parts as one rendering would lay them out; or, with no lines, one part (a chunk of
    profiles, the summary, a page of stamps...).

    `html(start, stop, pages)` gives the HTML of lines start to stop, `pages` being the pages already
    kept, and `lines` the id each line carries. A part renders up to `size` lines from where the last
    stopped; unless it reaches the end, its last page is dropped and the lines on it start the next
    part, so every kept page is full, as a page of one rendering would be. A `plain` flow (the stamps)
    is rendered as plain pages, never as the pack's tagged parts.
    """

    def __init__(
        self, html: Callable[[int, int, int], str], lines: Sequence[str] = (), size: int = 0, *, plain: bool = False
    ) -> None:
        self.html, self.lines, self.size, self.plain = html, list(lines), size, plain
        self.start = self.stop = 0
        self.parts: list[_Part] = []
        self.done = False

    @property
    def pages(self) -> int:
        return _pages(self.parts)

    def next_html(self) -> str:
        self.stop = min(self.start + self.size, len(self.lines))
        return self.html(self.start, self.stop, self.pages)

    def take(self, part: _Part) -> None:
        if self.stop >= len(self.lines):
            self.parts.append(part)
            self.done = True
            return
        last = len(part.landscape) - 1
        pages = [part.anchors[line] for line in self.lines[self.start : self.stop]]
        if pages[0] == last:  # not a whole page of lines: render more at once
            self.size *= 2
            return
        self.parts.append(part.first_pages(last))
        self.start += next((index for index, page in enumerate(pages) if page == last), len(pages))


def _render_flows(
    pool, workers: int, flows: Sequence[_Flow], alts: Mapping[str, str] | None = None, tagged: bool = True
) -> None:
    """Every flow rendered to its end, at most `workers` parts at a time, the earlier flows' first; a
    flow's next part waits for its last. Only the parts' order within a flow matters to the result, so
    it is the same whatever `workers` is. With `alts` (chart heading -> text alternative) the flows are
    the pack's parts (tagged unless `tagged` is false), but for a `plain` flow (the stamps); without,
    every flow is plain pages."""
    running: dict[Future, _Flow] = {}
    while True:
        for flow in flows:
            if len(running) >= workers:
                break
            if not flow.done and flow not in running.values():
                running[pool.submit(_render_part, flow.next_html(), None if flow.plain else alts, tagged)] = flow
        if not running:
            return
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            running.pop(future).take(future.result())


def lines_in_parts(html: Callable[[int, int, int], str], lines: Sequence[str], size: int) -> list[_Part]:
    """A run of lines (register rows, contents lines) rendered part after part in this process, at most
    `size` lines to a part, as `render_pdf` lays out a long register or contents (see `_Flow`)."""
    flow = _Flow(html, lines, size)
    _render_flows(InlineExecutor(), 1, [flow])
    return flow.parts


def render_part(html: str) -> _Part:
    """One part's HTML rendered (untagged): its PDF and where its anchors land."""
    return _render_part(html)


def _render_part(html: str, alts: Mapping[str, str] | None = None, tagged: bool = True) -> _Part:
    """Runs in a worker process: one part's HTML in, its PDF and layout facts out (small, to pickle).

    With `alts` the part is a tagged PDF/UA-1 file whose running heads are taken off (their words
    returned, to be drawn again as artifacts) and whose tags are completed (`_finish_part`)."""
    document = _document(html, heads_on_one_line=alts is not None)
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    landscape = [page.width > page.height for page in document.pages]
    if alts is None:
        return _Part(document.write_pdf(pdf_identifier=PDF_IDENTIFIER), anchors, landscape, [("", "")] * len(landscape))
    heads = [_take_off_margins(page) for page in document.pages]
    hidden = [_hidden(page) for page in document.pages]
    links = [
        _outermost(
            [
                (target, (left * _PT, (page.height - bottom) * _PT, right * _PT, (page.height - top) * _PT))
                for kind, target, (left, top, right, bottom), _ in page.links
                if kind == "internal" and target not in anchors
            ]
        )
        for page in document.pages
    ]
    if not tagged:
        return _Part(document.write_pdf(pdf_identifier=PDF_IDENTIFIER), anchors, landscape, heads)
    pdf = document.write_pdf(pdf_identifier=PDF_IDENTIFIER, pdf_variant=PDF_VARIANT)
    prefix = hashlib.sha256(html.encode("utf-8")).hexdigest()[:10]
    return _Part(_finish_part(pdf, links, alts, prefix, hidden), anchors, landscape, heads)


def _outermost(links: Sequence[tuple[str, tuple[float, ...]]]) -> list[tuple[str, tuple[float, ...]]]:
    """A page's links without those inside the one before (a link's own ::after box and what it holds
    are laid out as links too): one per link element."""
    kept: list[tuple[str, tuple[float, ...]]] = []
    for target, rect in links:
        if kept and kept[-1][0] == target and _inside(rect, kept[-1][1]):
            continue
        kept.append((target, rect))
    return kept


def _inside(rect: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        outer[0] - 0.01 <= rect[0]
        and rect[2] <= outer[2] + 0.01
        and outer[1] - 0.01 <= rect[1]
        and rect[3] <= outer[3] + 0.01
    )


def _take_off_margins(page) -> tuple[str, str]:
    """Removes the running heads and footer from a laid-out page (WeasyPrint would tag them as content
    outside the structure tree) and gives the heads' words: (top left, top right)."""
    from weasyprint.formatting_structure import boxes

    words: dict[str, str] = {}
    kept = []
    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox):
            words[child.at_keyword] = "".join(box.text for box in child.descendants() if isinstance(box, boxes.TextBox))
        else:
            kept.append(child)
    page._page_box.children = kept
    return words.get("@top-left", ""), words.get("@top-right", "")


def _hidden(page) -> list[list[float]]:
    """Where a laid-out page draws words or images that the HTML hides from screen readers
    (aria-hidden, as the summary's rating bar, which repeats the Ratings table): each such element's
    box, in PDF points from the page's bottom left. WeasyPrint tags them as content; `_finish_part`
    makes them artifacts."""
    from weasyprint.formatting_structure import boxes

    found: list[list[float]] = []
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        if box.element is not None and box.element.get("aria-hidden") == "true":
            if any(isinstance(item, (boxes.TextBox, boxes.ReplacedBox)) for item in box.descendants()):
                left, top = box.border_box_x(), box.border_box_y()
                edges = (left, top, left + box.border_width(), top + box.border_height())
                found.append(_in_points(edges, page.height * _PT))
        else:
            stack.extend(getattr(box, "children", ()))
    return found


#: PDF points to a CSS pixel: WeasyPrint lays out in pixels from the page's top left, PDF draws in
#: points from its bottom left.
_PT = 0.75


def _in_points(box, height: float) -> list[float]:
    """A box laid out in CSS pixels from the page's top left (left, top, right, bottom), in PDF points
    from the bottom left of a page `height` points high (left, bottom, right, top)."""
    left, top, right, bottom = (float(value) for value in box)
    return [left * _PT, height - bottom * _PT, right * _PT, height - top * _PT]


def _finish_part(
    pdf: bytes,
    links: Sequence[Sequence[tuple[str, tuple[float, ...]]]],
    alts: Mapping[str, str],
    prefix: str,
    hidden: Sequence[Sequence[Sequence[float]]],
) -> bytes:
    """What WeasyPrint's tagging leaves to do, on one part:

    - what the HTML hides from screen readers (`hidden` gives where, page by page: see `_hidden`) is
      an artifact, out of the structure tree, as aria-hidden takes it out of the HTML's accessibility
      tree (WeasyPrint tags it as content: the rating bar's words were read after the Ratings table);

    - each table header says what it heads (/Scope Column in a table's head, Row in its body) and its
      /ID, unique in the whole pack (`prefix` names the part), is listed in an IDTree;
    - each chart (a /Figure) has its full text alternative, not only its heading, and its bounding box
      in PDF points from the page's bottom left (WeasyPrint writes the CSS pixels it laid it out in,
      from the top: a box off the page);
    - a link to an anchor in another part (WeasyPrint leaves it out, as the anchor is not in the part)
      gets its annotation, attached to its /Link element, with the anchor as a named destination that
      the join resolves; `links` gives them page by page, in the order WeasyPrint laid them out, which
      is the order of their /Link elements on the page.
    """
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    document = pikepdf.open(io.BytesIO(pdf))
    root = document.Root.StructTreeRoot
    page_index = {page.objgen: index for index, page in enumerate(document.pages)}
    unlinked: list[list] = [[] for _ in document.pages]
    ids = []
    nums = root.ParentTree.Nums
    entry = {int(nums[index]): index + 1 for index in range(0, len(nums), 2)}
    _make_artifacts(document, hidden, nums, entry)
    stack = [(kid, False, None) for kid in reversed(list(root.K[0].K))]
    while stack:
        element, in_head, link = stack.pop()
        kids = element.get("/K")
        if link is not None:
            # What a link holds (the contents' dot leaders and page number, made by a::after; a long
            # run of text in a span of its own) is part of that one link, not a link of its own: its
            # annotations move up to the link.
            if element.get("/S") == "/Link":
                element.S = Name.Span
            objects = kids if isinstance(kids, Array) else []  # a bare marked-content number holds none
            for kid in [kid for kid in objects if isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR"]:
                kids.remove(kid)
                link.K.append(kid)
                nums[entry[int(kid.Obj.StructParent)]] = link
        kind = element.get("/S")
        if kind == "/TH":
            element.A.Scope = Name.Column if in_head else Name.Row
            element.ID = String(f"{prefix}-{element.ID}")
            ids.append((str(element.ID), element))
        elif kind == "/TD" and "/Headers" in element.A:
            element.A.Headers = Array([String(f"{prefix}-{header}") for header in element.A.Headers])
        elif kind == "/Figure":
            if str(element.get("/Alt", "")) in alts:
                element.Alt = String(alts[str(element.Alt)])
            element.A.BBox = Array(_in_points(element.A.BBox, float(element.Pg.MediaBox[3])))
        elif kind == "/Link" and not any(isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR" for kid in kids):
            unlinked[page_index[element.Pg.objgen]].append(element)
        children = [kid for kid in kids if isinstance(kid, Dictionary) and kid.get("/Type") == "/StructElem"]
        in_head, link = (
            in_head or kind == "/THead",
            link if link is not None else (element if kind == "/Link" else None),
        )
        stack.extend((kid, in_head, link) for kid in reversed(children))

    key = max(int(nums[index]) for index in range(0, len(nums), 2)) + 1
    for page, elements, targets in zip(document.pages, unlinked, links):
        if len(elements) != len(targets):
            raise RuntimeError(
                f"{len(targets)} links to other parts but {len(elements)} untied /Link elements "
                "on a page; the tagging of links has changed (see pyproject's WeasyPrint pin)"
            )
        for element, (anchor, rect) in zip(elements, targets):
            annotation = document.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array(list(rect)),
                    Border=Array([0, 0, 0]),
                    Dest=String(anchor),
                    Contents=String(anchor),
                    StructParent=key,
                    P=page.obj,
                )
            )
            if "/Annots" not in page.obj:
                page.obj.Annots = Array()
            page.obj.Annots.append(annotation)
            element.K.append(document.make_indirect(Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page.obj)))
            nums.extend([key, element])
            key += 1
    root.ParentTreeNextKey = key
    if ids:
        root.IDTree = Dictionary(Names=Array([item for pair in sorted(ids, key=lambda pair: pair[0]) for item in pair]))
    _lighten_tags(document)
    out = io.BytesIO()
    document.save(out, deterministic_id=True)
    return out.getvalue()


def _make_artifacts(document, hidden: Sequence[Sequence[Sequence[float]]], nums, entry: Mapping[int, int]) -> None:
    """The marked content drawn inside the boxes `hidden` (page by page, in PDF points) made artifacts:
    in the page's content its marks become /Artifact, and in the tags its content, and every element
    left holding nothing, is taken out (the parent tree maps it to nothing). A run of content is inside
    a box when the point it is drawn from is: the first text position, or the first move of an image."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, Operator

    hide: set[tuple[tuple[int, int], int]] = set()
    for page, boxes in zip(document.pages, hidden):
        if not boxes:
            continue
        instructions = list(pikepdf.parse_content_stream(page))
        matrix, saved, marks, placed = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], [], {}
        for operands, operator in instructions:
            operator = str(operator)
            if operator == "q":
                saved.append(matrix)
            elif operator == "Q":
                matrix = saved.pop()
            elif operator == "cm":
                matrix = _times([float(value) for value in operands], matrix)
            elif operator in ("BDC", "BMC"):
                mcid = operands[1].get("/MCID") if operator == "BDC" and isinstance(operands[1], Dictionary) else None
                marks.append(int(mcid) if mcid is not None else marks[-1] if marks else None)
            elif operator == "EMC":
                marks.pop()
            mcid = marks[-1] if marks else None
            if mcid is not None and mcid not in placed and operator in ("Tm", "cm"):
                at = (float(operands[4]), float(operands[5])) if operator == "Tm" else (0.0, 0.0)
                placed[mcid] = (
                    matrix[0] * at[0] + matrix[2] * at[1] + matrix[4],
                    matrix[1] * at[0] + matrix[3] * at[1] + matrix[5],
                )
        inside = {
            number
            for number, (x, y) in placed.items()
            if any(left <= x <= right and bottom <= y <= top for left, bottom, right, top in boxes)
        }
        if not inside:
            continue
        for number in inside:
            hide.add((page.objgen, number))
            nums[entry[int(page.obj.StructParents)]][number] = None
        rewritten = [
            pikepdf.ContentStreamInstruction([Name.Artifact], Operator("BMC"))
            if str(operator) == "BDC" and isinstance(operands[1], Dictionary) and operands[1].get("/MCID") in inside
            else pikepdf.ContentStreamInstruction(operands, operator)
            for operands, operator in instructions
        ]
        page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(rewritten))
    if not hide:
        return

    def emptied(element, on) -> bool:  # takes out its hidden content; true if nothing is left
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, Array) else [] if kids is None else [kids]
        on = element.Pg.objgen if "/Pg" in element else on
        kept = []
        for kid in kids:
            if isinstance(kid, int):
                gone = (on, kid) in hide
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
                gone = (kid.Pg.objgen if "/Pg" in kid else on, int(kid.MCID)) in hide
            elif isinstance(kid, Dictionary) and kid.get("/Type", Name.StructElem) == "/StructElem" and "/S" in kid:
                gone = emptied(kid, on)
            else:
                gone = False
            if not gone:
                kept.append(kid)
        if len(kept) < len(kids):
            element.K = Array(kept)
        return bool(kids) and not kept

    emptied(document.Root.StructTreeRoot.K[0], None)


def _times(first: Sequence[float], second: Sequence[float]) -> tuple[float, ...]:
    """The matrix `first` then `second` (PDF's [a b c d e f], as `cm` concatenates them)."""
    a, b, c, d, e, f = first
    return (
        a * second[0] + b * second[2],
        a * second[1] + b * second[3],
        c * second[0] + d * second[2],
        c * second[1] + d * second[3],
        e * second[0] + f * second[2] + second[4],
        e * second[1] + f * second[3] + second[5],
    )


#: What a /Span may hold and still be folded into its parent: nothing that a screen reader uses.
_BARE_SPAN_KEYS = frozenset({"/Type", "/S", "/P", "/Pg", "/K"})


def _lighten_tags(document) -> None:
    """The same structure in fewer objects, as the join holds every object of the pack in memory
    (about 2 KB each in qpdf): at 300 profiles, 243,000 objects became 150,000.

    - WeasyPrint tags each run of text as a /Span of its own with no attribute, an inline element that
      tells a screen reader nothing: each is folded into the element that holds it (a table cell is a
      /TD holding a /Span holding the text). Its marked content becomes its parent's, a number when on
      the parent's page, else a marked-content reference, and the parent tree maps it to the parent.
    - The cells of a column carry the same attributes (/O /Table and the same /Headers): one
      dictionary, referred to by each, instead of a copy in every cell.
    """
    from pikepdf import Array, Dictionary, Name

    root = document.Root.StructTreeRoot
    nums = root.ParentTree.Nums
    entries = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
    marked = {
        page.obj.objgen: entries[int(page.obj.StructParents)]
        for page in document.pages
        if "/StructParents" in page.obj and int(page.obj.StructParents) in entries
    }

    def kids_of(element) -> list:
        kids = element.get("/K")
        return [] if kids is None else list(kids) if isinstance(kids, Array) else [kids]

    def content(kid) -> bool:  # marked content on a page: an MCID, or a reference to one
        return isinstance(kid, int) or (
            isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR" and "/Stm" not in kid
        )

    elements, stack = [], list(kids_of(root))
    while stack:  # every element, each before its descendants
        element = stack.pop()
        if (
            isinstance(element, Dictionary)
            and element.get("/Type", Name.StructElem) == "/StructElem"
            and "/S" in element
        ):
            elements.append(element)
            stack.extend(kid for kid in kids_of(element) if isinstance(kid, Dictionary))
    for element in reversed(elements):  # a span's spans are folded into it before it is folded
        kids, folded, changed = kids_of(element), [], False
        page = element.get("/Pg")
        for kid in kids:
            if not (
                isinstance(kid, Dictionary)
                and kid.get("/S") == "/Span"
                and set(kid.keys()) <= _BARE_SPAN_KEYS
                and all(content(item) for item in kids_of(kid))
            ):
                folded.append(kid)
                continue
            changed = True
            for item in kids_of(kid):
                mcid, on = (
                    (item, kid.get("/Pg"))
                    if isinstance(item, int)
                    else (int(item.MCID), item.get("/Pg", kid.get("/Pg")))
                )
                if on is None:
                    raise RuntimeError("marked content without its page in the tags; see pyproject's WeasyPrint pin")
                if page is not None and on.objgen == page.objgen:
                    folded.append(mcid)
                else:
                    folded.append(Dictionary(Type=Name.MCR, Pg=on, MCID=mcid))
                if on.objgen in marked:
                    marked[on.objgen][mcid] = element
        if changed:
            element.K = Array(folded)

    shared: dict[bytes, Any] = {}
    for element in elements:
        attributes = element.get("/A")
        if isinstance(attributes, Dictionary) and not attributes.is_indirect:
            said = bytes(attributes.unparse())
            if said not in shared:
                shared[said] = document.make_indirect(attributes)
            element.A = shared[said]


def _pool(workers: int):
    # Spawned, not forked: a worker holds WeasyPrint and one part, never a copy of the caller's memory
    # (the loaded workbooks), so the PDF's peak memory does not grow with the batch. One worker: this process.
    return process_pool(workers, fresh=True, tasks_per_worker=PARTS_PER_WORKER)


#: A worker is replaced after this many parts: what WeasyPrint leaves behind in a process grows part
#: after part (a worker of a 300-profile pack went from 90 to 230 MB), and a fresh one costs a second.
PARTS_PER_WORKER = 8


PDF_IDENTIFIER = b"partnership-review"


def pdf_bytes(html: str) -> bytes:
    """An untagged PDF of `html`, as the renderer makes it (for tests of what it fetches)."""
    return _document(html).write_pdf(pdf_identifier=PDF_IDENTIFIER)


#: Laid out on one line, a running head's words are read off a part whole: wrapped, the space at each
#: line break is gone from its lines ('and' / 'joint' read back 'andjoint'). The stamps then draw it
#: with the pack's own rules, wrapped where it must.
_HEADS_ON_ONE_LINE = "@page { @top-left { white-space: nowrap; } @top-right { white-space: nowrap; } }"


def _document(html: str, *, heads_on_one_line: bool = False):
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class RefuseEverything(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the pack fetches nothing from outside itself (refused {url[:80]})")

    fetcher = RefuseEverything()
    extra = [CSS(string=_HEADS_ON_ONE_LINE, url_fetcher=fetcher)] if heads_on_one_line else []
    return HTML(string=html, base_url=None, url_fetcher=fetcher).render(stylesheets=extra)


# --- The join --------------------------------------------------------------------------------------


def _copy(out, value):
    """`value` of another PDF copied into `out`: an indirect object with all it refers to (once per
    source: the pages copied before are the pages it refers to), a direct array item by item."""
    from pikepdf import Array, Object

    if not isinstance(value, Object):  # a number, which pikepdf gives as a Python value
        return value
    if value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copy(out, item) for item in value])
    return value


def _join(parts: Sequence[_Part], stamps: Sequence[bytes], path: Path, context: Mapping[str, Any]) -> None:
    """One tagged PDF of the parts' kept pages, written to `path`:

    - one structure tree: each part's top-level elements under one /Document, in page order; the
      parent tree's keys (a page's /StructParents, an annotation's /StructParent) renumbered;
      the parts' IDTrees and named destinations merged (links from one part to another resolve);
    - every page's running heads and footer (`stamps`, one page each in order) drawn over it as a
      form XObject marked /Artifact /Pagination, its own content kept to itself by q ... Q;
    - every link described (/Contents), pages with links in structure order (/Tabs /S);
    - the first part's language, title, XMP metadata (the PDF/UA identification) and document
      information, its title shown by viewers; a bookmark per section and per profile.
    """
    import pikepdf
    from pikepdf import Array, Dictionary, Name, OutlineItem, String

    out = pikepdf.new()
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    tree = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = tree
    # The parent tree's entries are gathered in a list and made one Array at the end: extending a
    # pikepdf Array copies it, which for a pack's thousands of entries took most of the join.
    nums: list = []
    names: list = []
    dests: dict = {}
    key = 0
    with pikepdf.open(io.BytesIO(parts[0].pdf)) as first:
        tagged = "/StructTreeRoot" in first.Root
        out.Root.Lang = first.Root.get("/Lang", String(LANGUAGE))
        if tagged:
            out.Root.Metadata = _own_stream(out.copy_foreign(first.Root.Metadata), first.Root.Metadata)
        for item_key, value in first.docinfo.items():
            out.docinfo[item_key] = value
    for part in parts:
        # One part open at a time: once its pages, its tags and its streams' bytes are copied, it closes.
        with pikepdf.open(io.BytesIO(part.pdf)) as source:
            kept = source.pages[: len(part.landscape)]
            kept_pages = {page.objgen for page in kept}
            for page in kept:
                out.pages.append(page)
            if tagged:
                key = _join_tags(out, source, kept, kept_pages, document, nums, key, names, dests)
            _own_streams(out, source)
            del kept
    if tagged:
        tree.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))
        tree.ParentTreeNextKey = key
        if names:
            tree.IDTree = out.make_indirect(
                Dictionary(Names=Array([item for pair in sorted(names, key=lambda pair: pair[0]) for item in pair]))
            )
        out.Root.StructTreeRoot = tree
    out.Root.Names = Dictionary(
        Dests=out.make_indirect(
            Dictionary(Names=Array([item for name in sorted(dests) for item in (String(name), dests[name])]))
        )
    )

    described = link_descriptions(context)
    forms = []
    for stamp in stamps:  # one document of stamps open at a time, as the parts above
        with pikepdf.open(io.BytesIO(stamp)) as source:
            for page in source.pages:
                form = page.as_form_xobject()
                forms.append(_own_stream(out.copy_foreign(form), form))
            _own_streams(out, source)
    opening = out.make_stream(b"q\n")
    for number, (page, form) in enumerate(zip(out.pages, forms), start=1):
        name = Name(f"/Pagination{number}")
        page.add_resource(form, Name.XObject, name)
        drawn = b"q " + bytes(name.unparse()) + b" Do Q"
        closing = out.make_stream(
            b"\nQ /Artifact <</Type /Pagination>> BDC " + drawn + b" EMC\n" if tagged else b"\nQ " + drawn + b"\n"
        )
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, Array) else [contents]
        page.obj.Contents = Array([opening, *streams, closing])
        if "/Annots" in page.obj:
            page.obj.Tabs = Name.S
            for annotation in page.obj.Annots:
                if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                    anchor = str(annotation.Dest)
                    annotation.Contents = String(described.get(anchor, anchor))

    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if tagged:
        out.Root.MarkInfo = Dictionary(Marked=True)
    page_of = _anchor_pages(parts)
    with out.open_outline() as outline:
        profiles = None
        for section, title in context["sections"].items():
            if section in page_of:
                item = OutlineItem(title, page_of[section])
                outline.root.append(item)
                profiles = item if section == "profiles" else profiles
        for partnership in context["profiled"]:
            if partnership["anchor"] in page_of and profiles is not None:
                title = f"{partnership['score'].id} {partnership['unique_title']}".strip()
                profiles.children.append(OutlineItem(title, page_of[partnership["anchor"]]))
    out.save(
        path,
        deterministic_id=True,
        compress_streams=True,
        force_version="1.7",
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )


def _join_tags(out, source, kept, kept_pages: set, document, nums: list, key: int, names: list, dests: dict) -> int:
    """One part's tags joined into `out`'s: its top-level elements on kept pages under `document`, its
    parent tree's entries under new keys from `key` (the next free key is returned), its table-header IDs
    and named destinations on kept pages added to `names` and `dests`."""
    root = source.Root.StructTreeRoot
    parents = root.ParentTree.Nums
    parent_of = {int(parents[index]): parents[index + 1] for index in range(0, len(parents), 2)}
    for kid in root.K[0].K:
        if kid.Pg.objgen in kept_pages:
            del kid["/P"]  # copied without its old parents; the new /Document adopts it below
            copied = out.copy_foreign(kid)
            copied.P = document
            document.K.append(copied)
    for page, copy in zip(kept, out.pages[len(out.pages) - len(kept) :]):
        copy.obj.StructParents = key
        nums.extend([key, _copy(out, parent_of[int(page.obj.StructParents)])])
        key += 1
        for annotation, copied in zip(page.obj.get("/Annots", []), copy.obj.get("/Annots", [])):
            if "/StructParent" in annotation:
                copied.StructParent = key
                nums.extend([key, _copy(out, parent_of[int(annotation.StructParent)])])
                key += 1
    if "/IDTree" in root:
        pairs = root.IDTree.Names
        names.extend(
            (str(pairs[index]), out.copy_foreign(pairs[index + 1]))
            for index in range(0, len(pairs), 2)
            if pairs[index + 1].Pg.objgen in kept_pages
        )
    named = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
    for index in range(0, len(named), 2):
        if named[index + 1][0].objgen in kept_pages:
            dests.setdefault(str(named[index]), _copy(out, named[index + 1]))
    return key


def _own_stream(copied, original):
    """`copied` (a stream copied from `original`'s document) given its own bytes, so that document
    can close: pikepdf (qpdf) reads a copied stream's bytes from its source only when saving."""
    copied.write(original.read_raw_bytes(), filter=copied.get("/Filter"), decode_parms=copied.get("/DecodeParms"))
    return copied


def _own_streams(out, source) -> None:
    """Every stream of `source` copied into `out` with its bytes (`_own_stream`), so the join holds one
    part at a time rather than every part until the pack is saved. A stream not copied before (on a
    page dropped from a part) is copied now but, referred to by nothing, not saved."""
    from pikepdf import Stream

    for item in source.objects:
        if isinstance(item, Stream) and item.get("/Type") not in ("/ObjStm", "/XRef"):
            _own_stream(out.copy_foreign(item), item)
