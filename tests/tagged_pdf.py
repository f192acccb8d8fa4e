"""Reading a tagged PDF as a viewer and a screen reader meet it: where each figure is drawn,
and which words are read (marked content the structure tree reaches) or left out (artifacts)."""

from __future__ import annotations

from pathlib import Path


def _elements(pdf):
    """Every structure element, in reading order."""
    import pikepdf

    stack, found = list(reversed(list(pdf.Root.StructTreeRoot.K))), []
    while stack:
        element = stack.pop()
        found.append(element)
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        stack.extend(
            kid for kid in reversed(kids) if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem"
        )
    return found


def _texts_by_mark(page) -> dict:
    """A page's text (a pypdf page) by the marked content it is drawn in: its MCID, or the tag of marked
    content with none (/Artifact)."""
    texts: dict = {}
    marks: list = []

    def before(operator, operands, *_):
        if operator == b"BDC":
            mcid = operands[1].get("/MCID") if hasattr(operands[1], "get") else None
            marks.append(int(mcid) if mcid is not None else str(operands[0]))
        elif operator == b"BMC":
            marks.append(str(operands[0]))
        elif operator == b"EMC" and marks:
            marks.pop()

    def text(words, *_):
        key = marks[-1] if marks else None
        texts[key] = texts.get(key, "") + words

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def table_captions(path: Path) -> list[str | None]:
    """Each /Table of the structure tree, in reading order, as a screen reader names it: the words of its
    /Caption element (a kid of the table), or None when it has none."""
    import pikepdf
    from pypdf import PdfReader

    reader = PdfReader(path)
    texts: dict[int, dict] = {}
    with pikepdf.open(path) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}

        def kids(element) -> list:
            found = element.get("/K")
            return [] if found is None else list(found) if isinstance(found, pikepdf.Array) else [found]

        def words(element, on) -> str:
            on = element.Pg.objgen if "/Pg" in element else on
            runs = []
            for kid in kids(element):
                if isinstance(kid, int) or (isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR"):
                    mcid, page = (
                        (kid, on) if isinstance(kid, int) else (int(kid.MCID), kid.Pg.objgen if "/Pg" in kid else on)
                    )
                    number = index[page]
                    if number not in texts:
                        texts[number] = _texts_by_mark(reader.pages[number])
                    runs.append(texts[number].get(mcid, ""))
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    runs.append(words(kid, on))
            return " ".join(" ".join(runs).split())

        captions = []
        for element in _elements(pdf):
            if element.get("/S") == "/Table":
                caption = [
                    kid for kid in kids(element) if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/Caption"
                ]
                captions.append(words(caption[0], element.Pg.objgen if "/Pg" in element else None) if caption else None)
        return captions


def figure_placements(path: Path) -> list[tuple[int, list[float], tuple[float, float], list[float]]]:
    """Each /Figure's page number, /BBox, the point its drawing is placed at (the first `cm` inside its
    marked content moves to the figure's top left corner) and its page's MediaBox, all in PDF points."""
    import pikepdf

    def times(first, second):
        a, b, c, d, e, f = first
        return [
            a * second[0] + b * second[2],
            a * second[1] + b * second[3],
            c * second[0] + d * second[2],
            c * second[1] + d * second[3],
            e * second[0] + f * second[2] + second[4],
            e * second[1] + f * second[3] + second[5],
        ]

    found = []
    with pikepdf.open(path) as pdf:
        number = {page.objgen: index for index, page in enumerate(pdf.pages, start=1)}
        for element in _elements(pdf):
            if element.get("/S") != "/Figure":
                continue
            kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
            mcid = next(int(kid) for kid in kids if not isinstance(kid, pikepdf.Dictionary))
            page = pdf.pages[number[element.Pg.objgen] - 1]
            matrix, saved, inside, placed = [1, 0, 0, 1, 0, 0], [], False, None
            for operands, operator in pikepdf.parse_content_stream(page):
                operator = str(operator)
                if operator == "q":
                    saved.append(matrix)
                elif operator == "Q":
                    matrix = saved.pop()
                elif operator == "cm":
                    matrix = times([float(value) for value in operands], matrix)
                    if inside:
                        placed = (matrix[4], matrix[5])
                        break
                elif operator == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    inside = operands[1].get("/MCID") == mcid
            attributes = element.A if isinstance(element.A, pikepdf.Dictionary) else element.A[0]
            found.append(
                (
                    number[element.Pg.objgen],
                    [float(value) for value in attributes.BBox],
                    placed,
                    [float(value) for value in page.mediabox],
                )
            )
    return found


def read_and_unread(path: Path, page_number: int) -> tuple[str, str]:
    """The words of a page a screen reader reads, in the structure tree's order, and the words drawn as
    artifacts (which it does not), each run of text separated by a space."""
    import pikepdf
    from pypdf import PdfReader

    texts = _texts_by_mark(PdfReader(path).pages[page_number - 1])
    order = []
    with pikepdf.open(path) as pdf:
        page = pdf.pages[page_number - 1].objgen
        stack = [(kid, None) for kid in reversed(list(pdf.Root.StructTreeRoot.K))]
        while stack:  # each kid in its element's order: marked content on the page, or an element
            kid, on = stack.pop()
            if isinstance(kid, int):
                order.extend([kid] if on == page else [])
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                order.extend([int(kid.MCID)] if (kid.Pg.objgen if "/Pg" in kid else on) == page else [])
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type", "/StructElem") == "/StructElem":
                kids = kid.get("/K")
                kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
                where = kid.Pg.objgen if "/Pg" in kid else on
                stack.extend((item, where) for item in reversed(kids))
    words = lambda run: " ".join(run.split())  # noqa: E731
    return (
        " ".join(words(texts.get(mcid, "")) for mcid in order if words(texts.get(mcid, ""))),
        " ".join(words(run) for key, run in texts.items() if key == "/Artifact" and words(run)),
    )
