"""The pack itself: every section, officer text escaped, no reach outside the pack, a paginated PDF,
and register.xlsx / results.json as the contract and next year's rollover read them.

One report run (with PDF) for the whole module, on tests/year_set.py, with the PDF rendered in
chunks of two profiles so the page numbers and contents across parts are what is checked; one test
renders it again as one part and compares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from html import unescape
import json
import re

import matplotlib
import pytest
import weasyprint
from markupsafe import Markup, escape
from contract import RESULTS_PARTNERSHIP_FIELDS
from officer import AS_OF
from tagged_pdf import figure_placements, read_and_unread, table_captions
from year_set import EXPECTED_RAG, SCRIPT_NAME, write_year

from pipeline import catalogue
from pipeline.config import Config
from pipeline.formats import EXCEL_DATE
from pipeline.pack.charts import CHART_TITLES, NETWORK_CHART
from pipeline.cycle.register import OPEN_ACTION_HEADERS, SCORE_HEADERS
from pipeline.run import report

SECTIONS = ("cover", "contents", "summary", "charts", "exceptions", "register", "profiles", "appendix")
CHUNKED = Config(pdf_profiles_per_chunk=2)
CHARTS = (NETWORK_CHART, *CHART_TITLES)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    root = tmp_path_factory.mktemp("pack")
    inputs = write_year(root / "input")
    outcome = report(inputs, root / "out", as_of=AS_OF, year=2026, config=CHUNKED, pdf=True)
    return inputs, root / "out", outcome


@pytest.fixture(scope="module")
def page(year):
    return (year[1] / "review_pack.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def outcome_ids(year):
    return [score.id for score in year[2].scores]


@pytest.fixture(scope="module")
def pdf_pages(year):
    from pypdf import PdfReader

    return [item.extract_text() or "" for item in PdfReader(year[1] / "review_pack.pdf").pages]


def test_ratings_as_built(year):
    _, _, outcome = year
    assert {score.id: score.rag for score in outcome.scores} == EXPECTED_RAG


def test_every_section_chart_and_profile_is_in_the_html(page, year):
    for section in SECTIONS:
        assert f'id="{section}"' in page, section
    for chart in CHARTS:
        assert f'id="chart-{chart}"' in page, chart
        assert (year[1] / "charts" / f"{chart}.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert page.count("<svg") == len(CHARTS)
    # One profile per assessed workbook: P-005, not assessed, is under Exceptions and in the appendix.
    assert page.count('class="profile"') == len(EXPECTED_RAG) - 1
    for heading in (
        "Executive summary",
        "Exceptions",
        "The partnership register",
        "Partnership profiles",
        "Validation summary by rule",
        "Method",
        "Inputs",
    ):
        assert f">{heading}<" in page or f">{heading} (" in page, heading


def test_each_section_has_the_same_title_in_its_heading_the_contents_and_the_bookmarks(year, page):
    from pypdf import PdfReader

    from pipeline.pack.sections import CONTENTS_TITLE
    from pipeline.pack.sections import titles as section_titles

    sections = section_titles(None)  # a year on its own: no "Change since" (tests/test_previous.py)
    titles = list(sections.values())
    headings = [unescape(text) for text in re.findall(r"<h2[^>]*>([^<]+)</h2>", page)]
    assert headings == [CONTENTS_TITLE, *titles]
    contents = page[page.index('class="contents"') : page.index("</nav>")]
    lines = dict(re.findall(r'<li><a href="#([a-z]+)"[^>]*>([^<]+)</a>', contents))
    assert {anchor: unescape(text) for anchor, text in lines.items()} == sections
    bookmarks = [item.title for item in PdfReader(year[1] / "review_pack.pdf").outline if not isinstance(item, list)]
    assert bookmarks == titles


def test_exceptions_name_each_problem(page):
    exceptions = page[page.index('id="exceptions"') : page.index('id="register"')]
    assert "Partnerships rated Red (2)" in exceptions
    assert "An action is overdue by 120 days (more than 90)" in exceptions
    assert "High risks with no mitigation (1)" in exceptions and "R05" in exceptions
    assert "Contract for service delivery" in exceptions
    assert "p5-no-risks.xlsx" in exceptions and "The sheet &#39;Risks&#39; is missing" in exceptions


def test_summary_totals_money_and_time_of_partnerships_in_scope(page, year):
    summary = page[page.index('id="summary"') : page.index('id="charts"')].replace("<wbr>", "")  # a figure may wrap
    # P-001 £10,000 + P-002 £25,000 + P-004 £50,000 (P-003 is out of scope, P-005 not assessed)
    assert "£85,000" in summary
    assert year[2].totals["officer_days"] == 12 + 40 + 40


def test_officer_script_is_text_in_html_and_pdf(page, pdf_pages):
    assert "<script" not in page.lower()
    assert str(escape(SCRIPT_NAME)) in page
    assert any('<script>alert("pack")</script> Harbour Board' in text for text in pdf_pages)


def test_no_external_url_in_the_html(page):
    for target in re.findall(r'(?:href|src|xlink:href)\s*=\s*["\']([^"\']*)', page):
        assert target.startswith("#"), target
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)


def test_pdf_has_page_numbers_on_every_page_but_the_cover(pdf_pages):
    total = len(pdf_pages)
    for number, text in enumerate(pdf_pages, start=1):
        if number > 1:
            assert f"Page {number} of {total}" in text, number


def test_pdf_contents_gives_the_right_page_numbers(pdf_pages):
    contents = pdf_pages[1]
    for title in ("Executive summary", "Exceptions", "The partnership register"):
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", contents, flags=re.M)
        assert match, title
        assert title in pdf_pages[int(match.group(1)) - 1].split("\n", 3)[-1], title


def test_each_section_starts_a_page_headed_with_its_title(year, pdf_pages):
    """A reader turning the pages finds each section at the top of a page, and every page of it headed
    with its title (a section begun at a page's foot would head a page that is all the section before)."""
    from pipeline.pack.sections import titles

    sections = titles(None)

    def head(text: str) -> str:  # the running heads: the line above "Page N of M"
        lines = text.rstrip().splitlines()
        return lines[-2] if len(lines) > 1 else ""

    starts = {}
    for title in sections.values():
        pages = [index for index, text in enumerate(pdf_pages) if index > 1 and text.startswith(title + "\n")]
        assert len(pages) == 1, title
        starts[pages[0]] = title
    order = sorted(starts)
    for first, after in zip(order, [*order[1:], len(pdf_pages)]):
        title = starts[first]
        for index in range(first, after):
            if title != sections["profiles"] or index == first:
                assert head(pdf_pages[index]).endswith(title), (index + 1, title, head(pdf_pages[index]))


#: The workbooks with a profile: every one assessed (P-005, not assessed, is under Exceptions).
PROFILED = [partnership_id for partnership_id, rag in EXPECTED_RAG.items() if rag != "Not assessed"]


def test_each_profile_starts_on_its_own_page(pdf_pages):
    starts = []
    profiled = PROFILED
    for partnership_id in profiled:
        marker = f"{partnership_id} · "
        pages = [index for index, text in enumerate(pdf_pages) if marker in text]
        assert pages, partnership_id
        starts.append(pages[0])
    assert len(set(starts)) == len(starts)
    for index in starts:
        assert sum(f"{partnership_id} · " in pdf_pages[index] for partnership_id in profiled) == 1


@pytest.fixture(scope="module")
def context(year):
    from pipeline.pack.charts import render_charts
    from pipeline.read.batch import load_folder
    from pipeline.pack.context import build_context
    from pipeline.check.rules import check
    from pipeline.check.score import score_batch

    from pipeline.pack.charts import NETWORK_CHART, render_network
    from pipeline.portfolio.duplication import analyse, members

    batch = load_folder(year[0], CHUNKED)
    findings = check(batch.workbooks, as_of=AS_OF, config=CHUNKED)
    scores = score_batch(batch.workbooks, findings, as_of=AS_OF, config=CHUNKED)
    from pipeline.cycle.history import add_history
    from pipeline.pack.results import results
    from pipeline.portfolio.leverage import leverage_by_file

    from pipeline.pack import tables

    network = analyse(members(scores, batch.workbooks), CHUNKED)
    leverage = leverage_by_file(scores, batch.workbooks)
    strategy = tables.strategy_questions(tables.partnerships_frame(scores, leverage), CHUNKED, scores, leverage)
    charts = {**render_charts(scores, CHUNKED, strategy=strategy), NETWORK_CHART: render_network(network)}
    data = results(scores, batch.workbooks, as_of=AS_OF, year=2026, config=CHUNKED, ignored=batch.ignored)
    add_history(data, [])
    return build_context(
        scores=scores,
        workbooks=batch.workbooks,
        report=findings,
        charts=charts,
        as_of=AS_OF,
        year=2026,
        config=CHUNKED,
        ignored=batch.ignored,
        network=network,
        history=data,
        strategy=strategy,
        leverage=leverage,
    )


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_pdf_in_parts_reads_as_the_pdf_in_one_part(context, pdf_pages, tmp_path):
    from pypdf import PdfReader

    from pipeline.pack.pdf import render_pdf

    whole = [
        page.extract_text() for page in PdfReader(render_pdf(context, tmp_path / "one.pdf", profiles_per_chunk=0)).pages
    ]
    assert len(whole) == len(pdf_pages)
    for number, (one, parts) in enumerate(zip(whole, pdf_pages), start=1):
        assert sorted(one.split()) == sorted(parts.split()), number


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_pdf_in_parts_is_the_same_bytes_in_one_process_or_two(year, context, tmp_path):
    from pipeline.pack.pdf import render_pdf

    one_process = (year[1] / "review_pack.pdf").read_bytes()  # the report's, rendered with --jobs 1
    assert render_pdf(context, tmp_path / "two.pdf", jobs=2).read_bytes() == one_process


def test_results_json_is_the_contract_with_the_audit_trail(year):
    inputs, out, _ = year
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {
        "totals",
        "as_of",
        "year",
        "config",
        "tool_version",
        "template_version",
        "inputs",
        "partnerships",
        "ignored",
    } <= set(data)
    assert (data["as_of"], data["year"], data["config"]) == (AS_OF.isoformat(), 2026, CHUNKED.as_dict())
    # Which libraries drew it: matplotlib's SVG, for one, changes from release to release.
    assert data["libraries"]["matplotlib"] == matplotlib.__version__
    assert data["libraries"]["weasyprint"] == weasyprint.__version__
    for entry in data["inputs"]:
        assert entry["sha256"] == hashlib.sha256((inputs / entry["file"]).read_bytes()).hexdigest()
    assert [item["file"] for item in data["ignored"]] == ["notes.txt"]
    by_id = {item["id"]: item for item in data["partnerships"]}
    assert {key: item["rag"] for key, item in by_id.items()} == EXPECTED_RAG
    p4 = by_id["P-004"]
    for key in RESULTS_PARTNERSHIP_FIELDS:
        assert key in p4
    assert p4["actions"] == {"Not started": 0, "In progress": 1, "Complete": 0, "overdue": 1}
    assert {"ref": "R05", "likelihood": 5, "impact": 4, "score": 20, "band": "High"}.items() <= next(
        risk for risk in p4["risks"] if risk["ref"] == "R05"
    ).items()
    assert by_id["P-005"]["findings"]["error"] >= 1


def test_register_xlsx_has_the_contract_headers_and_rolls_over(year):
    from openpyxl import load_workbook

    from pipeline.cycle.rollover import read_register

    path = year[1] / "register.xlsx"
    book = load_workbook(path)
    register, actions = book["Register"], book["Open actions"]
    headers = [cell.value for cell in register[1]]
    assert headers == [*(field.label for field in catalogue.REGISTER_FIELDS), *SCORE_HEADERS]
    assert [cell.value for cell in actions[1]] == list(OPEN_ACTION_HEADERS)
    assert register.max_row == 1 + len(EXPECTED_RAG)
    assert register.freeze_panes == "B2" and "Register" in register.tables
    name_column = headers.index("Partnership name")
    assert any(row[name_column] == SCRIPT_NAME for row in register.iter_rows(min_row=2, values_only=True))
    dates = [cell for row in register.iter_rows(min_row=2) for cell in row if isinstance(cell.value, dt.datetime)]
    assert dates and {cell.number_format for cell in dates} == {EXCEL_DATE}  # as every workbook written
    rolled = read_register(path.read_bytes())
    assert "P-003" in {partnership_id for partnership_id, _ in rolled.out_of_scope}
    assert {item.register["id"] for item in rolled.partnerships} >= {"P-001", "P-002", "P-004"}


def test_the_pack_speaks_of_ratings_not_of_rag(year, page, pdf_pages):
    """The Audit Committee publishes the pack: "RAG" is jargon its readers may not know. The pack calls
    them ratings (Red, Amber, Green, Out of scope, Not assessed) in its text, charts and PDF alike."""
    text = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S)))
    charts = " ".join(path.read_text(encoding="utf-8") for path in (year[1] / "charts").glob("*.svg"))
    for words in (text, charts, " ".join(pdf_pages)):
        assert not re.search(r"\bRAG\b", words)
    assert "Rating by service area" in text


def test_a_profiles_heading_names_its_partnership_id_and_its_rating_is_labelled(page, outcome_ids):
    """A screen reader user moving by headings heard only the name: two partnerships of one name (as
    there were two flood risk partnerships in a demo year) had the same heading, and the ID above it
    was not heard. The heading now says the ID (hidden on screen, where it shows above), and the badge
    after it is said to be the rating."""
    heads = re.findall(r'<p class="profile-id">([^ <]+) .*?<h3 class="profile-title"[^>]*>(.*?)</h3>', page, flags=re.S)
    assert len(heads) == len(set(outcome_ids)) - 1  # every profile but that of the file that is no workbook
    for shown, heading in heads:
        assert " ".join(unescape(re.sub(r"<[^>]+>", "", heading)).split()).startswith(shown + " ")
    assert re.findall(r'<p class="profile-rating"><span class="visually-hidden">Rating: </span>', page)


def test_charts_label_ratings_and_counts_in_words(year):
    def texts(name):
        svg = (year[1] / "charts" / f"{name}.svg").read_text(encoding="utf-8")
        return re.findall(r"<text[^>]*>([^<]*)</text>", svg)

    # RAG by service area: every rating present has a legend entry in words, not colour alone.
    assert {"Red", "Green", "Out of scope", "Not assessed"} <= set(texts("rag_by_service_area"))
    # Heat map: P-004's R05 (likelihood 5, impact 4) is one of the risks counted in the High band.
    heat = texts("risk_heat_map")
    assert "Likelihood" in heat and "Impact" in heat and any(text.startswith("High") for text in heat)
    # Action status: P-001, P-002 and P-004 each have one action (I14); P-004's is overdue.
    assert [text for text in texts("action_status") if text.isdigit()][-4:] == ["0", "3", "0", "1"]


def test_every_pdf_page_shows_its_body_not_only_header_and_footer(year, tmp_path):
    """Text extraction cannot see a page painted over; pixels can (the stamped footers once did)."""
    import shutil
    import subprocess

    import matplotlib.image as image

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed; .ci/run installs it")
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", "20", str(year[1] / "review_pack.pdf"), str(tmp_path / "p")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert pages
    for path in pages:
        pixels = image.imread(path)
        body = pixels[int(len(pixels) * 0.12) : int(len(pixels) * 0.88)]
        assert body.min() < 0.8, f"{path.name} has nothing between its header and footer"  # blank is 1.0


#: The pack's side margins on paper (`@page` in pack.css.j2): 15 mm, in PDF points.
SIDE_MARGIN_PT = 15 / 25.4 * 72


def test_nothing_runs_off_a_page_or_over_other_words(year):
    """Every word of every page lies within the page's margins, and no two words are printed over each
    other: a table too wide for the paper has its last column cut off at the page's edge (the
    significance tiers' and the register's RAG once were), and a column too narrow for its text runs
    into the next (a due date into the action's status once did)."""
    outside, overprinted = misplaced_words(year[1] / "review_pack.pdf")
    assert not outside, outside[:10]
    assert not overprinted, overprinted[:10]


def test_a_file_name_is_printed_whole_where_it_fits(pdf_pages):
    """A workbook not assessed is named by its file: 'p5-no-risks.xlsx', short enough for its column,
    is printed on one line, not cut into 'p5-no-' and 'risks.xlsx' because the reasons beside it are long."""
    page = next(text for text in pdf_pages if "Workbooks not assessed" in text)
    assert "p5-no-risks.xlsx" in page


def test_the_registers_column_headings_break_only_between_syllables(pdf_pages):
    """Thirteen columns leave some headings a narrow column: they break with a hyphen between syllables
    ('Complete-ness', 'over-due'), never after any letter ('Completene' over 'ss')."""
    from pipeline.pack.context import REGISTER_COLUMNS

    page = next(text for text in pdf_pages if "The partnership register" in text and "Significance" in text)
    read = " ".join(page.replace("\u2010\n", "").split())
    for heading in REGISTER_COLUMNS:
        assert heading in read, heading


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_text_with_no_space_to_break_at_stays_on_the_page(tmp_path):
    """A pasted web address, or a name typed with no space in 200 characters, wraps in its table cell,
    heading or contents line instead of pushing a table's columns off the page; so does one typed where
    a date or a status belongs, which the exceptions list as answers left out of the figures."""
    from officer import write_workbook

    word = "Supercalifragilisticexpialidocious" * 6
    address = "https://intranet.council.example/sites/partnerships/" + "Governance" * 15 + "/terms.pdf"
    inputs = tmp_path / "input"
    write_workbook(
        inputs / "long.xlsx",
        partnership_id="P-001",
        register={
            "name": f"The {word} Partnership",
            "partners": f"Organisation {word}; Police",
            "next_review": address,
        },
        checklist={"1a": {"Status": "Yes", "Evidence": word, "Evidence location": address}, "1b": {"Status": word}},
        risks={"R01": {"Likelihood": 5, "Impact": 5, "Mitigation": address, "Owner": word}},
        improvement={
            "I02": {
                "Answer": "No",
                "Action": address,
                "Action owner": word,
                "Due date": AS_OF - dt.timedelta(days=200),
                "Action status": "In progress",
            }
        },
    )
    write_workbook(inputs / "other.xlsx", partnership_id="P-002", register={"partners": f"Organisation {word}"})
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    outside, overprinted = misplaced_words(tmp_path / "out" / "review_pack.pdf")
    assert not outside, outside[:10]
    assert not overprinted, overprinted[:10]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_long_list_of_objectives_is_shown_whole_on_the_page(tmp_path):
    """The configuration may list up to 30 objectives with references of up to 16 characters: the matrix
    of partnerships against objectives shows every one of them within the page, where the columns
    after the eighth ran off the paper."""
    from officer import write_workbook

    from pipeline.config import Objective

    objectives = tuple(
        Objective(f"PRIORITY{number:02d}LONGREF", f"Priority {number} of the council plan") for number in range(1, 31)
    )
    config = Config(objectives=objectives)
    inputs = tmp_path / "input"
    for number in range(1, 4):
        answers = {item.ref: {"Contributes": "Yes", "How": "Joint work"} for item in objectives[number::3]}
        write_workbook(
            inputs / f"p{number}.xlsx",
            partnership_id=f"P-00{number}",
            council_objectives=objectives,
            objectives=answers,
        )
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=config, pdf=True)
    outside, overprinted = misplaced_words(tmp_path / "out" / "review_pack.pdf")
    assert not outside, outside[:10]
    assert not overprinted, overprinted[:10]
    from pypdf import PdfReader

    text = " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(tmp_path / "out" / "review_pack.pdf").pages).split()
    )
    matrix = text[text.index("they contribute to") :]
    assert all(item.ref in matrix for item in objectives)


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_running_heads_too_long_for_one_line_keep_every_space(tmp_path):
    """A council's long name and title wrap the running head over two lines: it reads as written on
    every page, where the word after the line break was run into the next ('andjoint')."""
    import subprocess

    from officer import write_workbook

    inputs = tmp_path / "input"
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001")
    config = Config(
        council_name="The Royal Borough of Windsor and Maidenhead Council",
        pack_title="Annual review of partnerships and joint working arrangements",
    )
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=config, pdf=True)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "out" / "review_pack.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [" ".join(page.split()) for page in text.split("\f") if page.strip()][1:]  # the cover has no head
    head = "The Royal Borough of Windsor and Maidenhead Council · Annual review of partnerships and joint working arrangements 2026"
    assert all(head in page for page in pages), [page[:200] for page in pages if head not in page][:3]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_figure_too_wide_for_its_column_stays_in_it(tmp_path):
    """The register's columns are fixed (so that its parts break as one table would): a funding of
    £1,234,567,890 (a slip of three zeros, or a pooled budget) wraps at a thousands separator in its
    column, where it ran over the officer days beside it; so does the summary's total in its tile,
    where ',890' began a line of its own. An ID of seven characters ('HWB0001') fits its column, where
    it was cut after 'HWB'."""
    import subprocess

    from officer import write_workbook

    inputs = tmp_path / "input"
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001", register={"funding": 1234567890, "officer_days": 654321})
    # a council's own IDs are often longer than P-001
    write_workbook(inputs / "p2.xlsx", partnership_id="HWB0001", register={"name": "Health and Wellbeing Board"})
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    outside, overprinted = misplaced_words(tmp_path / "out" / "review_pack.pdf")
    assert not outside, outside[:10]
    assert not overprinted, overprinted[:10]
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "out" / "review_pack.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert not [word for word in text.split() if word.startswith(",")]
    register = next(page for page in text.split("\f") if "Every workbook received, by Partnership ID" in page)
    assert "HWB0001" in register.split(), "an ID of seven characters is cut across lines in the register"


def pdf_text(pdf, *options: str) -> str:
    """The text of a PDF as poppler's `pdftotext` reads it (with `options`, such as -layout)."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    return subprocess.run(["pdftotext", *options, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def word_boxes(pdf) -> list[tuple[float, list[tuple[float, float, float, float, str]]]]:
    """Each page of a PDF as poppler's `pdftotext -bbox` reads it: its width (pt) and its words, each
    (left, top, right, bottom, word) in reading order."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return [
        (
            float(re.search(r'width="([\d.]+)"', page).group(1)),
            [
                (float(left), float(top), float(right), float(bottom), unescape(word))
                for left, top, right, bottom, word in re.findall(
                    r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
                )
            ],
        )
        for page in re.findall(r"<page (.*?)</page>", boxes, flags=re.S)
    ]


def misplaced_words(pdf) -> tuple[list, list]:
    """The words of a PDF beyond its pages' side margins, and the pairs of words printed over each
    other, each with its page number, as poppler's `pdftotext -bbox` reads them."""
    outside, overprinted = [], []
    for number, (width, words) in enumerate(word_boxes(pdf), start=1):
        edge = width - SIDE_MARGIN_PT + 1
        outside += [(number, word) for _, _, right, _, word in words if right > edge]
        for index, (left, top, right, bottom, word) in enumerate(words):
            for other_left, other_top, other_right, other_bottom, other in words[index + 1 :]:
                across = min(right, other_right) - max(left, other_left)
                down = min(bottom, other_bottom) - max(top, other_top)
                if across > 0.5 and down > 0.5 * min(bottom - top, other_bottom - other_top):
                    overprinted.append((number, word, other))
    return outside, overprinted


def test_pdf_contents_gives_each_profile_the_page_it_starts_on(pdf_pages):
    contents = "\n".join(pdf_pages[1:3])
    for partnership_id in PROFILED:
        match = re.search(re.escape(partnership_id) + r" [^\n]*?[ .]*(\d+)\s*$", contents, flags=re.M)
        assert match, partnership_id
        page = int(match.group(1))
        assert f"{partnership_id} · " in pdf_pages[page - 1], partnership_id
        assert not any(f"{partnership_id} · " in text for text in pdf_pages[: page - 1]), partnership_id


def test_pdf_links_from_contents_and_register_reach_each_profile_across_parts(year, pdf_pages):
    """The contents, register and profiles are rendered in different parts; their links still lead
    to the page each profile starts on."""
    from pypdf import PdfReader

    reader = PdfReader(year[1] / "review_pack.pdf")

    def targets(page_texts) -> set[int]:
        found = set()
        for index, page in enumerate(reader.pages):
            if not page_texts(pdf_pages[index]):
                continue
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                    dest = annotation["/Dest"]  # a named destination, or a page and a position
                    found.add(
                        (
                            reader.get_destination_page_number(reader.named_destinations[str(dest)])
                            if isinstance(dest, str)
                            else reader.get_page_number(dest[0].get_object())
                        )
                        + 1
                    )
        return found

    starts = {
        partnership_id: next(number for number, text in enumerate(pdf_pages, start=1) if f"{partnership_id} · " in text)
        for partnership_id in PROFILED
    }
    from_contents = targets(lambda text: "Contents" in text.split("\n", 1)[0])
    from_register = targets(lambda text: "The partnership register" in text.split("\n", 1)[0])
    assert set(starts.values()) <= from_contents
    assert set(starts.values()) <= from_register
    summary = next(
        number
        for number, text in enumerate(pdf_pages, start=1)
        if "Executive summary" in text and "Contents" not in text.split("\n", 1)[0] and number > 1
    )
    assert summary in from_contents


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_long_register_and_contents_in_parts_break_as_one_rendering_would(context):
    """A register or contents too long for one rendering is rendered in parts, each picking up from the
    last line of the part before (`pdf.lines_in_parts`): page for page the same lines, in order, each once, and
    the same text (contents numbers, list numbers, footers) as one rendering of the whole."""
    import io

    from pypdf import PdfReader

    from pipeline.pack import html as pack_html, pdf as pack

    many = [{**item, "anchor": f"{item['anchor']}-{copy}"} for copy in range(16) for item in context["partnerships"]]
    big = {**context, "partnerships": many, "profiled": many}
    toc_pages = {item["anchor"]: 100 + index for index, item in enumerate(many)}

    def register(start, stop, _):
        return pack_html.render_pack(
            big, frozenset({"register"}), [], profiles_title=False, footer=False, lines=(start, stop)
        )

    def contents(start, stop, done):
        return pack_html.render_pack(
            big,
            frozenset({"contents"}),
            [],
            profiles_title=False,
            toc_pages=toc_pages,
            numbering=(1 + done, 500),
            lines=(start, stop),
        )

    def pages(part):
        lines = [[] for _ in part.landscape]
        for anchor, index in part.anchors.items():
            if anchor.startswith(("row-", "toc-")) and index < len(lines):
                lines[index].append(anchor)
        texts = [page.extract_text() for page in PdfReader(io.BytesIO(part.pdf)).pages[: len(part.landscape)]]
        return list(zip(lines, texts))

    for html, prefix, size in ((register, "row", 25), (contents, "toc", 30)):
        lines = [f"{prefix}-{item['anchor']}" for item in many]
        parts = pack.lines_in_parts(html, lines, size)
        assert len(parts) > 1, prefix
        in_parts = [page for part in parts for page in pages(part)]
        assert in_parts == pages(pack.render_part(html(0, len(many), 0))), prefix
        assert [line for page_lines, _ in in_parts for line in page_lines] == lines, prefix


# --- A valid, tagged PDF (PDF/UA-1) -----------------------------------------------------------------


def test_the_pdf_is_a_valid_file_and_every_tool_sees_every_page(year, pdf_pages):
    """A page's content was once written inline in its /Contents: Poppler and pypdf coped, qpdf saw 2
    pages of 111 and warned 1,422 times."""
    import shutil
    import subprocess

    import pikepdf

    if not (shutil.which("qpdf") and shutil.which("pdfinfo")):
        pytest.skip("qpdf and pdfinfo (poppler-utils) are not installed; .ci/run installs them")
    path = year[1] / "review_pack.pdf"
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "WARNING" not in check.stdout + check.stderr, check.stdout[-2000:]
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == len(pdf_pages)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, flags=re.M).group(1) == str(len(pdf_pages))


def _structure(pdf):
    """Every structure element under the root, in order, with its parent's tag."""
    stack, found = [(kid, "/StructTreeRoot") for kid in reversed(list(pdf.Root.StructTreeRoot.K))], []
    while stack:
        element, parent = stack.pop()
        found.append((element, parent))
        stack.extend(
            (kid, str(element.S))
            for kid in reversed(list(element.get("/K", [])))
            if isinstance(kid, __import__("pikepdf").Dictionary) and kid.get("/Type") == "/StructElem"
        )
    return found


def test_the_pdf_is_tagged_with_its_language_title_and_pdf_ua_identification(year, context):
    import pikepdf

    with pikepdf.open(year[1] / "review_pack.pdf") as pdf:
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title) == "The Council: Annual partnership review 2026"
        metadata = pdf.open_metadata()
        assert metadata.get("pdfuaid:part") == "1" and metadata.get("dc:title") == str(pdf.docinfo.Title)
        elements = _structure(pdf)
        assert [str(element.S) for element, parent in elements if parent == "/StructTreeRoot"] == ["/Document"]
        headings = [str(element.S) for element, _ in elements if str(element.S) in ("/H1", "/H2")]
        assert headings[0] == "/H1" and headings.count("/H2") >= 6
        # Every profile's title is in the one tree, in page order, once.
        titles = [element for element, _ in elements if str(element.S) == "/H3"]
        assert len(titles) >= len(context["profiled"])


def test_every_page_is_tagged_or_an_artifact_and_heads_and_footers_are_pagination(year, pdf_pages):
    """Every text drawn is inside marked content: real content with an MCID that the parent tree maps
    to an element of the tree, or an artifact; the running heads and "Page N of M" are drawn by one
    form XObject per page, marked /Artifact /Pagination."""
    import pikepdf

    with pikepdf.open(year[1] / "review_pack.pdf") as pdf:
        tree = pdf.Root.StructTreeRoot
        in_tree = {element.objgen for element, _ in _structure(pdf)}
        nums = tree.ParentTree.Nums
        parents = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
        for number, page in enumerate(pdf.pages, start=1):
            marked = parents[int(page.obj.StructParents)]
            depth, artifact, pagination = [], 0, 0
            for operands, operator in pikepdf.parse_content_stream(page):
                operator = str(operator)
                if operator in ("BDC", "BMC"):
                    tag = str(operands[0])
                    if tag == "/Artifact":
                        artifact += 1
                        if operator == "BDC" and str(operands[1].get("/Type")) == "/Pagination":
                            pagination += 1
                    else:
                        mcid = int(operands[1].MCID)
                        assert marked[mcid].objgen in in_tree, (number, mcid)
                    depth.append(tag)
                elif operator == "EMC":
                    depth.pop()
                elif operator in ("Tj", "TJ", "'", '"'):
                    assert depth, f"page {number}: text outside marked content"
                elif operator == "Do" and pagination:
                    assert depth and depth[-1] == "/Artifact", number
            assert pagination == 1, f"page {number}: its heads and footer are not one pagination artifact"
            if number > 1:
                assert f"Page {number} of {len(pdf_pages)}" in pdf_pages[number - 1]


def test_every_link_is_described_and_tied_to_its_link_element(year, context):
    import pikepdf

    descriptions = {f"Profile of {item['label']}" for item in context["profiled"]}
    with pikepdf.open(year[1] / "review_pack.pdf") as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
        dests = pdf.Root.Names.Dests.Names
        named = {str(dests[index]) for index in range(0, len(dests), 2)}
        seen = set()
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") != "/Link":
                    continue
                assert page.obj.Tabs == "/S"
                assert str(annotation.Dest) in named, str(annotation.Dest)
                seen.add(str(annotation.Contents))
                element = parents[int(annotation.StructParent)]
                assert element.S == "/Link"
                assert any(
                    isinstance(kid, pikepdf.Dictionary)
                    and kid.get("/Type") == "/OBJR"
                    and kid.Obj.objgen == annotation.objgen
                    for kid in element.K
                )
        assert descriptions <= seen and "Executive summary" in seen


def test_table_headers_resolve_and_charts_have_their_text_alternative(year, context):
    import pikepdf

    with pikepdf.open(year[1] / "review_pack.pdf") as pdf:
        tree = pdf.Root.StructTreeRoot
        ids = tree.IDTree.Names
        id_tree = {str(ids[index]): ids[index + 1].objgen for index in range(0, len(ids), 2)}
        elements = [element for element, _ in _structure(pdf)]
        headers = [element for element in elements if element.S == "/TH"]
        assert headers and len({str(element.ID) for element in headers}) == len(headers)
        for element in headers:
            assert id_tree[str(element.ID)] == element.objgen
            assert str(element.A.Scope) in ("/Column", "/Row")
        cells = [element for element in elements if element.S == "/TD" and "/Headers" in element.A]
        assert cells and all(str(header) in id_tree for cell in cells for header in cell.A.Headers)
        figures = {str(element.Alt) for element in elements if element.S == "/Figure"}
        # The shared partners' network too: it had only its heading.
        assert context["network"]
        for chart in (*context["charts"], context["network"]):
            assert f"{chart['title']}. {chart['summary']}" in figures, chart["name"]


def test_each_figure_s_bounding_box_is_where_it_is_drawn_on_its_page(year):
    """A figure's /BBox is in PDF points from its page's bottom left, as a reader that reflows or
    highlights it reads it: WeasyPrint wrote CSS pixels from the top (a chart at the top of page 4
    was boxed at [114, 187, 680, 584], off the 595 x 842 page)."""
    placements = figure_placements(year[1] / "review_pack.pdf")
    assert len(placements) >= len(CHARTS)
    for page, (left, bottom, right, top), drawn_at, (page_left, page_bottom, page_right, page_top) in placements:
        assert page_left <= left < right <= page_right and page_bottom <= bottom < top <= page_top, page
        assert drawn_at == pytest.approx((left, top), abs=0.01), page  # its top left corner


def test_every_table_s_caption_is_its_caption_in_the_pdf(year, page):
    """A screen reader names a table by its caption. Every table of the pack has one in the HTML; in the
    PDF each is the /Caption of its /Table, with the same words, in the same order (the part of a table
    carried on over a page break, a /Table of its own, has none). The captions the HTML hides, where a
    heading just above names the table on screen and paper, were left out of the PDF: 33 of the 48
    tables here had no name ("Risks: P-001 ...")."""
    shown = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", caption)).split())
        for caption in re.findall(r"<caption[^>]*>(.*?)</caption>", page, flags=re.S)
    ]
    captions = table_captions(year[1] / "review_pack.pdf")
    assert [caption for caption in captions if caption is not None] == shown
    assert "Risks: P-001 Safer Communities Partnership P-001" in shown


def test_the_rating_bar_hidden_from_screen_readers_is_not_read_in_the_pdf(pdf_pages, year):
    """The summary's rating bar repeats the Ratings table; the HTML hides it from screen readers
    (aria-hidden), and the PDF draws it as an artifact: it read "Red 2 Amber 5 ..." again."""
    number = next(index for index, text in enumerate(pdf_pages, start=1) if "Ratings" in text and "Red" in text)
    read, unread = read_and_unread(year[1] / "review_pack.pdf", number)
    table = re.search(
        r"Ratings Partnerships by rating Red Amber Green Out of scope Not assessed((?: \d+){5}) Red, Amber and Green are given",
        read,
    )
    assert table, read[:800]
    # Drawn still, as artifacts, before the running heads: the bar's segments, each with its count.
    bar = unread[: unread.index("The Council")]
    assert re.findall(r"\d+", bar) == [count for count in table.group(1).split() if count != "0"], unread


def test_pdf_ua_checkers_find_nothing_wrong(year):
    """Two PDF/UA-1 checkers from PyPI: pdfua (the machine-checkable part of PDF/UA-1 and WCAG 2.1,
    on pikepdf) and page (a validator of the Matterhorn Protocol's machine checks)."""
    import subprocess
    import sys

    import page

    path = year[1] / "review_pack.pdf"
    report = page.validate_pdf(path, profile="ua1")
    assert report.is_compliant, [(failure.rule_id, failure.message) for failure in report.failures][:10]
    found = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(found.stdout)
    assert (found.returncode, result["summary"]["errors"], result["summary"]["warnings"]) == (0, 0, 0), result[
        "findings"
    ][:5]


def test_a_table_caption_is_never_left_alone_at_a_page_foot():
    """A caption at the foot of a page with its table's rows on the next is an empty table to a PDF/UA
    checker (and to a reader). Wherever a captioned table of the pack falls, the caption keeps to its rows:
    laid out by the pack's own stylesheet below every height of content that leaves the page's foot
    room for the caption but not for a row (each height in a section of its own, starting a page, all
    in one rendering)."""
    from pipeline.pack.html import environment, stylesheet
    from pipeline.pack.pdf import render_part

    macros = environment().get_template("macros.html.j2").module

    def table(n: int) -> str:
        rows = "".join(
            f"<tr><td{f' id=first-row-{n}' if row == 0 else ''}>Partnership {row}</td><td>Green</td></tr>"
            for row in range(3)
        )
        head = "<thead><tr><th>Name</th><th>Rating</th></tr></thead>"
        return macros.data_table(
            f"caption-{n}",
            "Partnerships and their ratings",
            shown=True,
            caller=lambda: Markup(f"{head}<tbody>{rows}</tbody>"),
        )

    heights = range(860, 1000, 5)  # px of content above the table; about 900 to 945 leave only the caption room
    sections = "".join(
        f'<section style="break-before: page"><div style="height: {height}px"></div>{table(height)}</section>'
        for height in heights
    )
    html = f'<!DOCTYPE html><html lang="en-GB"><head><style>{stylesheet()}</style></head><body><main>{sections}</main></body></html>'
    anchors = render_part(html).anchors
    separated = [height for height in heights if anchors[f"caption-{height}"] != anchors[f"first-row-{height}"]]
    assert not separated, f"the caption was left alone at a page's foot below {separated} px of content"


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_long_due_date_stays_in_its_column(tmp_path):
    """'27 September 2025', kept on one line, ran into the Status column of the profile's improvement
    table in the PDF; it now wraps before its year."""
    from officer import write_workbook

    inputs = tmp_path / "input"
    write_workbook(
        inputs / "p1.xlsx",
        improvement={
            "I14": {"Due date": dt.date(2025, 9, 27)},
            "I13": {
                "Answer": "No",
                "Action": "Do it",
                "Action owner": "Sam",
                "Due date": dt.date(2026, 9, 28),
                "Action status": "Not started",
            },
        },
    )
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    outside, overprinted = misplaced_words(tmp_path / "out" / "review_pack.pdf")
    assert not outside, outside[:10]
    assert not overprinted, overprinted[:10]
    text = pdf_text(tmp_path / "out" / "review_pack.pdf")
    assert not re.findall(r"\b20\d\d[A-Z]\w*", text)  # '2026Not started': the year run into the Status


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_headline_funding_of_ten_millions_stays_on_one_line(tmp_path):
    """£10,547,500 in the summary's tile broke after '£10,547,' in the PDF."""
    from officer import write_workbook

    inputs = tmp_path / "input"
    write_workbook(inputs / "p1.xlsx", register={"funding": 10547500})
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    text = pdf_text(tmp_path / "out" / "review_pack.pdf", "-layout")
    summary = next(page for page in text.split("\f") if "council funding a year" in page)
    assert "£10,547,500" in summary


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_return_not_counted_says_so_on_a_line_of_its_own_in_the_register(tmp_path):
    """On paper the register's "Not counted: ..." ran on after the partnership's name, as if part of it;
    it now starts a line of its own under the name."""
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "input"
    original = write_workbook(inputs / "p1.xlsx", register={"name": "Safer Streets Partnership"})
    shutil.copy(original, inputs / "p1 copy.xlsx")
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=Config(), pdf=True)
    words = next(
        words
        for _, words in word_boxes(tmp_path / "out" / "review_pack.pdf")
        if "received, by Partnership ID." in " ".join(word for *_, word in words)
    )
    texts = [word for *_, word in words]
    assert "counted:" in texts
    note = next(box for box in words if box[4] == "Not")  # "Not counted: ..."
    column = min(left for left, *_, word in words if word == "Safer")  # the names' column
    assert note[0] == pytest.approx(column, abs=0.5), "the note does not start a line of the names' column"
    beside = [word for left, top, _, _, word in words if abs(top - note[1]) < 1 and column - 1 < left < note[0]]
    assert not beside, f"the note runs on after {beside}"


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_contents_list_starts_on_the_first_contents_page(context):
    """With more profiles than the rest of its first page holds, the contents' line of the profiles (the
    one holding their list) went whole to the next page, leaving the first all but empty; it now carries
    on from the sections' lines, its own line kept with the first profile's."""
    from pipeline.pack import html as pack_html
    from pipeline.pack.pdf import render_part

    for copies in (10, 40):  # a list that fits a page of its own, and one that does not
        many = [
            {**item, "anchor": f"{item['anchor']}-{copy}"} for copy in range(copies) for item in context["profiled"]
        ]
        big = {**context, "partnerships": many, "profiled": many}
        html = pack_html.render_pack(
            big,
            frozenset({"contents"}),
            [],
            profiles_title=False,
            toc_pages={item["anchor"]: 100 + index for index, item in enumerate(many)},
            footer=False,
            lines=(0, len(many)),
            paper=True,
        )
        anchors = render_part(html).anchors
        assert anchors[f"toc-{many[0]['anchor']}"] == anchors["contents-title"], len(many)


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_table_of_one_row_stays_under_its_heading_where_it_fits():
    """A profile's checklist gaps of one row, with room for it and its heading at a page's foot, went
    to the next page with its heading, leaving a third of the page blank: its one row is its first and
    its last, and holding the first row to the others held the table to the next heading's rows. Laid
    out by the pack's own stylesheet below every height of content near a page's foot, the heading and
    its row stay together, on the page they would take with nothing after them."""
    from pipeline.pack.html import environment, stylesheet
    from pipeline.pack.pdf import render_part

    macros = environment().get_template("macros.html.j2").module

    def table(name: str, rows: int) -> str:
        body = "".join(
            f"<tr><th scope='row'{f' id={name}' if row == 0 else ''}>1d</th><td>Question<br>on<br>lines</td></tr>"
            for row in range(rows)
        )
        return macros.data_table(name, "", caller=lambda: Markup(f"<tbody>{body}</tbody>"))

    def laid_out(followed: bool) -> dict[str, int]:
        sections = "".join(
            f'<section style="break-before: page"><div id=top-{height} style="height: {height}px"></div>'
            f"<h4 id=heading-{height}>Checklist questions not answered Yes or N/A (1)</h4>{table(f'row-{height}', 1)}"
            + (f"<h4>Partnership Improvement Tool</h4>{table(f'next-{height}', 6)}" if followed else "")
            + "</section>"
            for height in heights
        )
        html = f'<!DOCTYPE html><html lang="en-GB"><head><style>{stylesheet()}</style></head><body><main>{sections}</main></body></html>'
        return render_part(html).anchors

    heights = range(700, 960, 10)  # px of content above the heading; the page's body is about 980
    alone, followed = laid_out(False), laid_out(True)
    apart = [height for height in heights if followed[f"heading-{height}"] != followed[f"row-{height}"]]
    pushed = [
        height
        for height in heights
        if followed[f"row-{height}"] - followed[f"top-{height}"] != alone[f"row-{height}"] - alone[f"top-{height}"]
    ]
    assert not apart, f"the heading was left apart from its row below {apart} px of content"
    assert not pushed, f"the table and its heading went to the next page below {pushed} px of content"
