"""The pack reads as one document (issue 13, item 12): every area of practice in full, one date style."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from officer import AS_OF
from pipeline import catalogue
from pipeline.cli import cli
from year_set import write_year


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    return pack_html(write_year(tmp_path_factory.mktemp("year")), tmp_path_factory.mktemp("pack") / "out")


def pack_html(inputs, out) -> str:
    """The HTML pack of `report` on the returns in `inputs` (no PDF), written into `out`."""
    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return (out / "review_pack.html").read_text(encoding="utf-8")


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_area_i12_shows_its_whole_text(page):
    """I12 ends "including:" and goes on in bullets: wherever the pack lists it (each profile, and what
    the partnerships answered across them, which gave "including:" and no more), its bullets follow."""
    i12 = next(area for area in catalogue.AREAS if area.ref == "I12")
    assert i12.guidance  # its text ends "including:" and goes on in bullets
    for where in (page[page.index('class="profile"') :], page[page.index('id="strategy-area-answers"') :]):
        text = plain(where)
        text = text[text.index(f"I12 {i12.text}") :]
        for point in i12.guidance:
            assert point in text[:2000], point


def test_one_date_style_throughout(page):
    text = plain(page)
    assert not re.findall(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)
    assert not re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert "30 April 2026" in text


def test_scatter_labels_sit_by_their_points_without_overlap(tmp_path):
    """The resources chart of a demo year (real workbooks): each label beside its own point, none on
    another label or on a point."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from pipeline.check.assess import assess_folder
    from pipeline.config import Config
    from pipeline.pack import charts

    assert CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--count", "24", "--seed", "2026"]).exit_code == 0
    scores = assess_folder(tmp_path, Config(), as_of=AS_OF).scores
    with plt.rc_context(charts._STYLE):
        fig = plt.figure(figsize=(8, 4.8))
        charts._resources(
            fig, [score for score in scores if score.counted and score.assessed and score.in_scope], Config()
        )
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes[:2]:
            notes = [child for child in ax.texts if child.get_text().startswith("P-")]
            assert len(notes) >= 8
            boxes = [note.get_window_extent(renderer) for note in notes]
            dots = ax.collections[0].get_offsets().tolist() + [
                point for collection in ax.collections[1:] for point in collection.get_offsets().tolist()
            ]
            pixels = [ax.transData.transform(point) for point in dots]
            for index, (note, box) in enumerate(zip(notes, boxes)):
                assert not any(box.overlaps(other) for other in boxes[index + 1 :]), note.get_text()
                assert not any(box.x0 < px < box.x1 and box.y0 < py < box.y1 for px, py in pixels), note.get_text()
                point = ax.transData.transform(note.xy)
                nearest = max(
                    abs(point[0] - (box.x0 + box.x1) / 2) - box.width / 2,
                    abs(point[1] - (box.y0 + box.y1) / 2) - box.height / 2,
                )
                assert nearest < 20 or note.arrow_patch is not None, note.get_text()  # beside it, in pixels
        plt.close(fig)


def test_a_partnership_without_a_name_is_named_by_its_file(tmp_path):
    """A return whose 'Partnership name' was left blank (an error the officer is told of) is still a
    row of the exceptions and the register: it is shown by its file, so a manager can tell which one
    is Red, not by an empty cell beside '(no ID)'."""
    from officer import write_workbook

    inputs = tmp_path / "input"
    write_workbook(
        inputs / "unnamed-return.xlsx",
        partnership_id="",
        register={"name": ""},
        checklist={question.ref: {"Status": None} for question in catalogue.QUESTIONS[:12]},  # Red: 17 of 29
    )
    html = pack_html(inputs, tmp_path / "out")
    red = plain(html[html.index('id="exceptions-red"') :].split("</table>")[0])
    register = plain(html[html.index('id="register-table"') :].split("</table>")[0])
    for table in (red, register):
        assert "(no ID)" in table
        assert "unnamed-return.xlsx" in table, table


def test_returns_whose_names_differ_only_in_punctuation_or_accents_each_keep_their_own_profile(tmp_path):
    """'P-001 return.xlsx' and 'P-001_return.xlsx', or two names in Welsh or any script but the Latin
    alphabet, make the same web-safe name: each profile still has an id of its own, and each link from
    the contents and the register reaches its own profile, not the first one's."""
    from officer import write_workbook

    inputs = tmp_path / "input"
    names = {"P-001 return.xlsx": "P-001", "P-001_return.xlsx": "P-002", "Gŵyl.xlsx": "P-003", "Gŷyl.xlsx": "P-004"}
    for file, partnership_id in names.items():
        write_workbook(inputs / file, partnership_id=partnership_id, register={"name": f"Partnership {partnership_id}"})
    html = pack_html(inputs, tmp_path / "out")
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert [item for item in ids if ids.count(item) > 1] == []
    profiles = dict(re.findall(r'<article class="profile" id="([^"]+)">\s*<header[^>]*>\s*<p[^>]*>(P-00\d)', html))
    assert sorted(profiles.values()) == sorted(names.values())
    for start in ('class="toc', 'id="register-table"'):
        part = html[html.index(start) :]
        for anchor, partnership_id in profiles.items():
            link = re.search(rf'<a href="#{re.escape(anchor)}"[^>]*>(.*?)</a>', part, flags=re.S)
            assert link and partnership_id in link.group(1), (start, anchor, partnership_id)


def test_settings_used_are_written_as_in_the_configuration_file(page):
    # The tiers were a Python dump ({'name': 'Major', 'funding_from': 250000, ... None ...}) and the
    # empty aliases table left no row in a table of "every setting used".
    table = page[page.index('id="thresholds"') : page.index('id="inputs"')]
    rows = dict(re.findall(r"<tr><td><code>([^<]+)</code></td><td>([^<]*)</td></tr>", table))
    assert rows["significance.tiers"] == "3 tiers, as the Method sets out: Major, Moderate, Limited"
    assert rows["organisation_aliases"] == "none"
    assert rows["rag.red_completeness_below"] == "0.6" and rows["limits.max_rows"] == "5000"
    assert not re.search(r"None|\{|\[|'", " ".join(rows.values()))


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_an_id_or_name_pasted_far_too_long_is_quoted_short(tmp_path):
    """A paragraph pasted as the Partnership ID, and a page as the name (register.invalid): the pack
    printed both whole wherever it names the partnership (three such returns made a 395-page PDF). The
    pack and results.json now quote them cut short at a word, with an ellipsis; register.xlsx (from
    which next year's workbooks are made), the validation report and answers.csv keep them whole."""
    import json

    from officer import write_workbook
    from openpyxl import load_workbook

    inputs = tmp_path / "returns"
    inputs.mkdir()
    long_id = "P-" + "pasted reference text " * 200
    long_name = "Community Safety Board " * 1300
    write_workbook(
        inputs / "long.xlsx",
        partnership_id=long_id,
        register={"name": long_name},
        improvement={"I01": {"Answer": "Action", "Action": "Agree terms", "Action status": "In progress"}},
        risks={"R10": {"Risk": "Own risk", "Likelihood": 2, "Impact": 2, "Mitigation": "Plan"}},
    )
    write_workbook(inputs / "plain.xlsx", partnership_id="P-002", register={"name": "Plain Partnership"})
    out = tmp_path / "out"
    page = pack_html(inputs, out)
    assert "pasted reference text " * 3 not in page and "Community Safety Board " * 20 not in page
    assert len(page) < 400_000
    text = plain(page)
    assert "P-pasted reference text pasted\u2026 Community Safety Board" in text
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    [entry] = [item for item in results["partnerships"] if item["file"] == "long.xlsx"]
    assert entry["id"].endswith("\u2026") and len(entry["id"]) <= 40
    assert entry["name"].endswith("\u2026") and len(entry["name"]) <= 300
    register = load_workbook(out / "register.xlsx", read_only=True)
    for sheet in register.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if "Partnership ID" in rows[0]:
            ids = {row[rows[0].index("Partnership ID")] for row in rows[1:] if "long.xlsx" in row}
            assert ids == {long_id.strip()}, sheet.title  # next year's rollover joins its sheets by it
    assert long_id.strip() in (out / "answers.csv").read_text(encoding="utf-8")

    from pypdf import PdfReader

    paper = tmp_path / "paper"
    result = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(paper), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() for page in PdfReader(paper / "review_pack.pdf").pages]
    assert len(pages) < 40
    # Its profile's pages are headed on one line (the line above "Page N of M"): the name cut at a
    # word, where four lines of it ran over the review's title.
    heads = [text.rstrip().splitlines()[-2] for text in pages]
    profile = [head for head in heads if "Community Safety Board" in head]
    assert profile and all(
        head.startswith("The Council \u00b7 Annual partnership review 2026 Community Safety Board")
        and head.endswith("Board Community\u2026")
        and len(head) < 120
        for head in profile
    ), profile


def test_a_second_return_of_an_id_is_marked_in_the_packs_register_and_contents(tmp_path):
    """A draft and the final return of P-001: the summary counts the final's Green alone, but the pack's
    register showed 'P-001 ... Amber' and 'P-001 ... Green' with nothing saying which counts (its rows
    did not add up to the summary), and its links and contents lines read the same for both."""
    import datetime as dt

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(
        inputs / "draft.xlsx",
        register={"review_completed_on": dt.date(2026, 1, 5)},
        checklist={"1a": {"Status": "Partly"}, "1b": {"Status": "Partly"}, "1c": {"Status": "Partly"}},
    )
    write_workbook(inputs / "final.xlsx", register={"review_completed_on": dt.date(2026, 2, 10)})
    page = pack_html(inputs, tmp_path / "out")
    register = page[page.index('id="register"') : page.index('id="profiles"')]
    rows = {
        file: plain(row)
        for row in re.findall(r"<tr[^>]*>.*?</tr>", register, flags=re.S)
        for file in ("draft.xlsx", "final.xlsx")
        if f"({file})" in row
    }
    assert set(rows) == {"draft.xlsx", "final.xlsx"}, register
    assert "Not counted: final.xlsx counts for P-001" in rows["draft.xlsx"]
    assert "counted" not in rows["final.xlsx"].lower()
    contents = plain(page[page.index('id="contents"') : page.index("</nav>", page.index('id="contents"'))])
    assert "(draft.xlsx)" in contents and "(final.xlsx)" in contents
    # Their profiles' headings too, as a screen reader lists them (they were the same).
    headings = [plain(heading).strip() for heading in re.findall(r'<h3 class="profile-title"[^>]*>(.*?)</h3>', page)]
    assert sorted(headings) == [
        "P-001 Safer Communities Partnership P-001 (draft.xlsx)",
        "P-001 Safer Communities Partnership P-001 (final.xlsx)",
    ]


def test_the_same_return_saved_twice_is_a_copy_not_an_id_to_correct(tmp_path):
    """One officer's return saved twice in the returns folder (the same bytes): each copy got
    register.duplicate_id, "check the register and correct one of them", and the summary asked to correct
    the other's ID, which would give the one partnership a second ID. The copy is now pointed out as
    the same file (`file.copy`, a warning), and a second return of the ID that differs is still an ID
    to correct."""
    import csv
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "p1.xlsx")
    (inputs / "resent").mkdir()
    shutil.copyfile(inputs / "p1.xlsx", inputs / "resent" / "p1.xlsx")
    write_workbook(inputs / "p2.xlsx", partnership_id="P-002", register={"name": "Second Partnership"})
    write_workbook(inputs / "p2-other.xlsx", partnership_id="P-002", register={"name": "Another body"})
    # A copy of one of two different returns of an ID is a copy, and not a third return of it.
    shutil.copyfile(inputs / "p2-other.xlsx", inputs / "p2-other (2).xlsx")
    page = pack_html(inputs, tmp_path / "out")
    with open(tmp_path / "out" / "validation_report.csv", encoding="utf-8", newline="") as handle:
        found = {(row["file"], row["rule"]): row["message"] for row in csv.DictReader(handle)}
    assert not any(rule == "register.duplicate_id" and "p1" in file for file, rule in found)
    assert found["resent/p1.xlsx", "file.copy"] == (
        "This workbook is the same file, byte for byte, as p1.xlsx: the same return saved twice. It is "
        "left out of the figures; remove this copy."
    )
    assert ("p1.xlsx", "file.copy") not in found
    assert ("p2.xlsx", "register.duplicate_id") in found and ("p2-other.xlsx", "register.duplicate_id") in found
    # The file named as a copy ('(2)', as a browser or Excel names one) is the copy, though first by name.
    assert ("p2-other (2).xlsx", "file.copy") in found and ("p2-other (2).xlsx", "register.duplicate_id") not in found
    assert "p2-other (2).xlsx" not in found["p2.xlsx", "register.duplicate_id"]
    summary = plain(page[page.index('id="summary"') : page.index('id="charts"')])
    assert (
        "p1.xlsx and resent/p1.xlsx are the same file, byte for byte (the same return saved twice): the copy is "
        "left out of the figures. Remove the copy."
    ) in summary
    assert "Partnership ID P-001 was returned" not in summary and "Partnership ID P-002 was returned" in summary


@pytest.mark.parametrize("copy", ["P-004 copy.xlsx", "P-004 - Copy.xlsx", "P-004 (1).xlsx", "Copy of P-004.xlsx"])
def test_of_a_return_saved_twice_the_one_named_as_a_copy_is_the_copy(tmp_path, copy):
    """'P-004.xlsx' and 'P-004 copy.xlsx' (as macOS names a duplicated file) held the same bytes: the
    first by name, 'P-004 copy.xlsx', was taken for the return and the officer's 'P-004.xlsx' was told
    to go ("remove this copy"). The file named as a copy is the copy, whatever the order of names."""
    import csv
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "P-004.xlsx", partnership_id="P-004")
    shutil.copyfile(inputs / "P-004.xlsx", inputs / copy)
    page = pack_html(inputs, tmp_path / "out")
    with open(tmp_path / "out" / "validation_report.csv", encoding="utf-8", newline="") as handle:
        copies = [(row["file"], row["message"]) for row in csv.DictReader(handle) if row["rule"] == "file.copy"]
    assert copies == [
        (
            copy,
            "This workbook is the same file, byte for byte, as P-004.xlsx: the same return saved twice. It is "
            "left out of the figures; remove this copy.",
        )
    ]
    summary = plain(page[page.index('id="summary"') : page.index('id="charts"')])
    assert f"P-004.xlsx and {copy} are the same file" in summary


def test_a_return_that_cannot_be_assessed_saved_twice_is_counted_once(tmp_path):
    """A return with its Risks sheet deleted (not assessed) was saved again as 'P-002 (1).xlsx': no
    file.copy said so, and the pack counted two partnerships Not assessed, two to be sent again, for one
    ID. So too two copies of a damaged file. The copy is pointed out and counted once, as an assessed
    return's copy is."""
    import csv
    import json
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "P-001.xlsx")
    write_workbook(
        inputs / "P-002.xlsx", partnership_id="P-002", edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name])
    )
    shutil.copyfile(inputs / "P-002.xlsx", inputs / "P-002 (1).xlsx")
    (inputs / "P-003.xlsx").write_bytes((inputs / "P-001.xlsx").read_bytes()[:900])  # cut short in the post
    shutil.copyfile(inputs / "P-003.xlsx", inputs / "P-003 - Copy.xlsx")
    page = pack_html(inputs, tmp_path / "out")
    with open(tmp_path / "out" / "validation_report.csv", encoding="utf-8", newline="") as handle:
        copies = {row["file"]: row["value"] for row in csv.DictReader(handle) if row["rule"] == "file.copy"}
    assert copies == {"P-002 (1).xlsx": "P-002.xlsx", "P-003 - Copy.xlsx": "P-003.xlsx"}
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    totals = results["totals"]
    assert (totals["workbooks"], totals["partnerships"], totals["rag"]["Not assessed"]) == (5, 3, 2)
    # The kinds of workbook add up to the workbooks, each copy counted once, as a second return.
    assert (totals["not_assessed"], totals["duplicates_not_counted"]) == (2, 2)
    assert totals["in_scope"] + totals["out_of_scope"] + totals["not_assessed"] + totals["duplicates_not_counted"] == 5
    summary = plain(page[page.index('id="summary"') : page.index('id="charts"')])
    assert "2 workbooks could not be assessed and must be sent again." in summary
    assert "P-002.xlsx and P-002 (1).xlsx are the same file, byte for byte" in summary


def test_a_profiles_action_count_leaves_out_an_action_whose_status_is_not_on_the_list(tmp_path):
    """An action with the status 'Ongoing' (not on the list) is listed under 'Left out of the figures',
    yet the profile's key figures counted it: 'Actions (overdue) 2 (0)' beside results.json's and
    register.xlsx's 1."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    ongoing = {"Answer": catalogue.NO, "Action": "Refresh the terms of reference", "Action status": "Ongoing"}
    write_workbook(inputs / "p1.xlsx", improvement={"I05": ongoing})
    page = pack_html(inputs, tmp_path / "out")
    figures = plain(page[page.index('id="p-p1-xlsx-figures"') :])
    assert re.search(r"Findings \S+ \S+ \S+ \S+ 1 \(0\)", figures), figures[:300]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_year_with_no_workbook_assessed_says_why_it_has_no_profiles(tmp_path):
    """Every return could not be assessed (a sheet deleted): the pack printed the heading "Partnership
    profiles" over nothing, on a page of its own in the PDF, with no word of why."""
    from officer import write_workbook
    from pypdf import PdfReader

    inputs = tmp_path / "returns"
    for number, sheet in ((1, "Checklist"), (2, "Risks")):
        write_workbook(
            inputs / f"p{number}.xlsx",
            partnership_id=f"P-00{number}",
            edit=lambda book, sheet=sheet: book.remove(book[sheet]),
        )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    said = "No workbook could be assessed, so there is no profile: each is listed under Exceptions, Workbooks not assessed."
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    section = page[page.index('id="profiles"') : page.index('id="appendix"')]
    assert said in " ".join(re.sub(r"<[^>]+>", "", section).split())
    pages = [page.extract_text() for page in PdfReader(out / "review_pack.pdf").pages]
    [profiles] = [text for text in pages if text.startswith("Partnership profiles\n")]
    assert said in " ".join(profiles.split())


def test_one_partnership_is_one_and_no_copy_is_promised_without_findings(tmp_path):
    """A pack of one clean return read "1 partnerships" in its first figure, chart captions and shared
    partners' text, and promised each officer a marked-up copy that no run makes for a clean workbook."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "p1.xlsx", register={"officer_days": 1, "councillor_days": 1})
    out = tmp_path / "out"
    page = pack_html(inputs, out)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert not re.search(r"\b1 (assessed )?partnerships\b", text), re.findall(r".{60}\b1 partnerships.{20}", text)
    assert "1 partnership in scope and assessed" in text and "1 officer day a year (1 councillor day)" in text
    assert "The 1 assessed partnership in scope names" in text
    assert "Validation found 0 errors and 0 warnings in the returned workbooks." in text
    assert "marked-up copy" not in text
    svg = "".join(path.read_text(encoding="utf-8") for path in sorted((out / "charts").glob("*.svg")))
    assert "1 partnerships" not in svg and "1 assessed partnerships" not in svg


def test_the_resources_figures_say_how_many_partnerships_give_them(tmp_path):
    """Council funding and officer time are optional answers: three partnerships, two leaving both
    blank, made "£80,000 council funding a year" and "30 officer days a year" read as the whole; none
    giving them made "£0". The tiles now say how many partnerships the figure covers, and one that
    none gives is "Not given"; results.json counts them (`funding_given`, `officer_days_given`)."""
    import json

    from officer import write_workbook

    blank = {"funding": None, "officer_days": None, "councillor_days": None}
    some, none = tmp_path / "some", tmp_path / "none"
    write_workbook(some / "c.xlsx", partnership_id="C-1", register={"funding": 80000, "officer_days": 30})
    for number in (1, 2):
        write_workbook(some / f"b{number}.xlsx", partnership_id=f"B-{number}", register=blank)
        write_workbook(none / f"b{number}.xlsx", partnership_id=f"B-{number}", register=blank)

    def tiles(page: str) -> str:
        tiles = page[page.index('class="tiles"') : page.index("<h3>Ratings")]
        return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<wbr>", "", tiles)).split())

    text = tiles(pack_html(some, tmp_path / "out-some"))
    assert "£80,000 council funding a year to partnerships in scope and assessed, given by 1 of 3" in text
    assert "30 officer days a year, given by 1 of 3 (6 councillor days, given by 1 of 3)" in text
    totals = json.loads((tmp_path / "out-some" / "results.json").read_text(encoding="utf-8"))["totals"]
    assert (totals["funding_given"], totals["officer_days_given"], totals["councillor_days_given"]) == (1, 1, 1)
    text = tiles(pack_html(none, tmp_path / "out-none"))
    assert "Not given council funding a year to partnerships in scope and assessed, given by none of 2" in text
    assert "(councillor days not given)" in text
    assert "£0" not in text


def test_a_year_with_nothing_in_scope_gives_no_empty_tables_or_ranks(tmp_path):
    """Every return out of scope: the figures behind two charts were tables with a header and no rows
    (a screen reader opened an empty table), and the nine risks, rated by no one, were ranked 1 to 9."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    for number in (1, 2):
        write_workbook(
            inputs / f"p{number}.xlsx", partnership_id=f"P-00{number}", register={"scope_outside_body": "Yes"}
        )
    page = pack_html(inputs, tmp_path / "out")
    charts = page[page.index('id="charts"') : page.index('id="exceptions"')]
    for details in re.findall(r'<details class="chart-data">.*?</details>', charts, flags=re.S):
        body = details[details.index("<tbody>") : details.index("</tbody>")] if "<tbody>" in details else ""
        assert "<tbody>" not in details or "<tr>" in body, details
    assert "There are no figures to give:" in charts
    assert (
        "2 register entries (0 partnerships and 2 out of scope, not partnerships under the strategy) by the "
        "service area that leads each"
    ) in charts
    ranked = charts[charts.index('id="chart-strategy_risks_ranked-data"') :]
    rows = re.findall(r"<tr><th scope=\"row\">(R0\d)[^<]*</th><td>([^<]*)</td>", ranked)
    assert rows and all(rank == "\u2014" for _, rank in rows), rows


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_long_ids_file_names_and_figures_read_whole_on_screen_and_on_paper(tmp_path):
    """A valid 40-character Partnership ID, and a second return of an ID under a long file name: the
    `<wbr>` that let them wrap was read by the browser as a space ('P-2026-COMMUNIT Y-SAFETY'), so a
    link's name was not its visible label, and in the PDF each made a link of no width tied to no link
    element, which failed PDF/UA. Money was read '£25, 000'. The screen pack now has no `<wbr>`; on
    paper a figure may still wrap after a comma, and every link is tied to its link element."""
    import page as validator
    import pikepdf

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "board.xlsx", partnership_id="P-2026-COMMUNITY-SAFETY-AND-HEALTH-BOARD")
    write_workbook(
        inputs / "Partnership_review_2026_SaferCommunities_DRAFT.xlsx", register={"review_completed_on": "1/1/2026"}
    )
    write_workbook(inputs / "Partnership_review_2026_SaferCommunities_FINAL.xlsx")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    assert "<wbr>" not in page
    assert '<span class="long-run">P-2026-COMMUNITY-SAFETY-AND-HEALTH-BOARD</span>' in page
    report = validator.validate_pdf(out / "review_pack.pdf", profile="ua1")
    assert report.is_compliant, [(failure.rule_id, failure.message) for failure in report.failures][:5]
    with pikepdf.open(out / "review_pack.pdf") as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
        links = [
            annotation
            for sheet in pdf.pages
            for annotation in sheet.obj.get("/Annots", [])
            if annotation.get("/Subtype") == "/Link"
        ]
        assert links and all(parents[int(annotation.StructParent)].S == "/Link" for annotation in links)
        # The two returns of P-001 have bookmarks of their own, as the contents names them.
        with pdf.open_outline() as outline:
            profiles = next(item for item in outline.root if item.title == "Partnership profiles")
            titles = [item.title for item in profiles.children]
        assert len(set(titles)) == len(titles) == 3, titles


def test_the_register_and_carried_actions_name_each_row_for_a_screen_reader(tmp_path):
    """Down the register's RAG column a screen reader said "Amber" for no named partnership: the cell
    naming the row was a plain cell. It is now the row's header, as in the charts' data tables."""
    page = pack_html(write_year(tmp_path / "year"), tmp_path / "out")
    register = page[page.index('id="register"') : page.index('id="profiles"')]
    body = register[register.index("<tbody>") : register.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    assert rows and all(row.lstrip().startswith('<th scope="row">') for row in rows)


def test_the_same_return_with_no_id_saved_twice_counts_once(tmp_path):
    """A return with its Partnership ID left blank, saved twice: with no ID to tell them one, both were
    counted, the partnerships in scope and the ratings overstated, and no file.copy said so."""
    import json
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "p1.xlsx", partnership_id=None)
    shutil.copyfile(inputs / "p1.xlsx", inputs / "p1 (resent).xlsx")
    write_workbook(inputs / "p2.xlsx", partnership_id="P-002")
    pack_html(inputs, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert (data["totals"]["workbooks"], data["totals"]["partnerships"], data["totals"]["in_scope"]) == (3, 2, 2)
    counted = {item["file"]: item["counted"] for item in data["partnerships"]}
    assert counted == {"p1 (resent).xlsx": True, "p1.xlsx": False, "p2.xlsx": True}


def test_a_share_just_below_a_limit_is_not_shown_at_it_beside_its_rating(tmp_path):
    """Checklist completeness of 89.7% (26 of 29) was shown as '90%' in the register and the profile,
    beside an Amber whose rule is 'below 90%': the figure read as if it should be Green. Beside a
    rating, a share that rounds up to a limit it is below keeps a decimal place."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    config = tmp_path / "review.toml"
    config.write_text("[rag]\namber_completeness_below = 0.9\n", encoding="utf-8")
    write_workbook(
        inputs / "p1.xlsx",
        checklist={ref: {"Status": None} for ref in ("1a", "1b", "1c")},
        risks={"R01": {"Likelihood": 1}},
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    register = plain(page[page.index('id="register"') : page.index('id="profiles"')])
    assert "89.7%" in register and " 90% " not in register
    profile = plain(page[page.index('class="profile"') :])
    assert "89.7%" in profile


def test_the_tiers_and_objectives_say_how_many_partnerships_give_their_money(tmp_path):
    """Partnerships giving neither funding nor officer days showed '£0' and '0' in the significance
    tiers' and objectives' tables, read as costing nothing. A sum no partnership gives is 'not given';
    one that some give says how many."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    blank = {"funding": None, "officer_days": None, "councillor_days": None}
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001", register=blank)
    write_workbook(inputs / "p2.xlsx", partnership_id="P-002", register=blank)
    page = pack_html(inputs, tmp_path / "out")
    strategy = page[page.index('id="strategy-tiers"') :]
    tiers = strategy[: strategy.index("</table>")]
    objectives = page[page.index('id="strategy-objectives"') :]
    objectives = objectives[: objectives.index("</table>")]
    rows = [plain(row) for row in re.findall(r"<tr>.*?</tr>", tiers + objectives, flags=re.S) if "<td" in row]
    given = [row for row in rows if not re.search(r"\b0 £0 0\b|None £0 0", row)]  # those with partnerships
    assert given and all(row.count("not given") == 2 and "£0" not in row for row in given), given


def test_exceptions_say_that_a_return_not_counted_is_left_out_of_their_lists(tmp_path):
    """A second return of P-001, not counted, was overdue for review: Exceptions said "Reviews overdue
    (0) None." while the appendix counted one register.review_overdue, and nothing said why."""
    import datetime as dt

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "final.xlsx", register={"review_completed_on": dt.date(2026, 4, 20)})
    write_workbook(inputs / "draft.xlsx", register={"next_review": dt.date(2025, 12, 30)})
    page = pack_html(inputs, tmp_path / "out")
    exceptions = plain(page[page.index('id="exceptions"') : page.index('id="register"')]).replace(" )", ")")
    assert "Reviews overdue (0) None." in exceptions
    assert (
        "The 1 return not counted (another return of its Partnership ID counts, or it is a copy: see Partnership "
        "IDs returned more than once, and files saved twice) is left out of these lists, as of every figure; its findings are in the "
        "appendix and the validation report."
    ) in exceptions


def test_a_profile_names_the_checklist_questions_not_answered_yes(tmp_path):
    """A partnership Red for its checklist showed only section percentages and 'Checklist answers: Yes
    26, Partly 1, No 1': no manager could see which of the strategy's questions were answered No or left
    blank. The profile lists them, in the strategy's words."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    questions = {question.ref: question for question in catalogue.QUESTIONS}
    first, second, third = (question.ref for question in catalogue.QUESTIONS[:3])
    write_workbook(
        inputs / "p1.xlsx",
        checklist={first: {"Status": None, "Evidence": None}, second: {"Status": "No"}, third: {"Status": "Partly"}},
    )
    page = pack_html(inputs, tmp_path / "out")
    gaps = plain(page[page.index('id="p-p1-xlsx-gaps"') :].split("</table>")[0])
    assert "Ref Question Answer" in gaps
    for ref, answer in ((first, "Not answered"), (second, "No"), (third, "Partly")):
        assert f"{ref} {questions[ref].text} {answer}" in gaps.replace("&#39;", "'")
    assert "Checklist questions not answered Yes or N/A (3)" in plain(page)


def test_a_status_that_is_not_on_the_list_is_shown_as_typed_not_as_not_answered(tmp_path):
    """A Status typed 'Yse' (or 'maybe', or 1) was listed among the checklist gaps as 'Not answered',
    which it is not: the officer answered, with something that is none of the statuses. The pack shows
    what was typed, quoted short, and that it is not one of them; so does the improvement tool's table
    for an Answer or an Action status off its list, which showed the typed text as if it were one."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    long = "We think this is mostly in place but the board has not agreed it yet"
    write_workbook(
        inputs / "p1.xlsx",
        checklist={"1a": {"Status": "Yse"}, "1b": {"Status": 1}, "1c": {"Status": long}, "1d": {"Status": None}},
        improvement={
            "I01": {"Answer": "maybe"},
            "I02": {"Answer": "No", "Action": "Agree terms", "Action owner": "Jo", "Action status": "Done"},
        },
    )
    page = pack_html(inputs, tmp_path / "out")
    gaps = plain(page[page.index('id="p-p1-xlsx-gaps"') :].split("</table>")[0])
    questions = {question.ref: question.text for question in catalogue.QUESTIONS}
    statuses = "(not one of Yes, Partly, No or N/A)"
    assert f"1a {questions['1a']} “Yse” {statuses}" in gaps
    assert f"1b {questions['1b']} “1” {statuses}" in gaps
    assert f"1c {questions['1c']} “We think this is mostly in…” {statuses}" in gaps
    assert f"1d {questions['1d']} Not answered" in gaps
    assert gaps.count("Not answered") == 1
    improvement = plain(page[page.index('id="p-p1-xlsx-improvement"') :].split("</table>")[0])
    assert "“maybe” (not Yes or No)" in improvement
    assert "“Done” (not one of Not started, In progress or Complete)" in improvement


@pytest.mark.parametrize(
    "second, why",
    [
        ("copy", "this file is a copy of it, byte for byte"),
        ("same day", "both reviews were completed the same day, and it comes first by file name"),
        ("earlier", "its review was completed later"),
        ("undated", "it says when its review was completed, and this one gives no date that can be read"),
    ],
)
def test_a_return_not_counted_says_truly_why_the_other_counts(tmp_path, second, why):
    """A copy of a return, and a second return completed the same day, each said the other 'counts in
    the figures (the latest review counts)', though neither review was later: the one counted was first
    by name, or the original. The profile says which rule chose it."""
    import datetime as dt
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "a.xlsx", register={"review_completed_on": dt.date(2026, 4, 15)})
    if second == "copy":
        shutil.copyfile(inputs / "a.xlsx", inputs / "b.xlsx")
    else:
        day = {"same day": dt.date(2026, 4, 15), "earlier": dt.date(2026, 3, 1)}.get(second, "last spring")
        write_workbook(inputs / "b.xlsx", register={"review_completed_on": day, "name": "Other name"})
    page = pack_html(inputs, tmp_path / "out")
    profile = plain(page[page.index('id="p-b-xlsx"') :]).replace(" ,", ",")
    assert f"Partnership ID P-001 is also returned in a.xlsx, which counts in the figures ({why});" in profile
    assert "(the latest review counts);" not in page


def test_a_profile_says_which_risks_are_not_rated(tmp_path):
    """R04, R05 and R09 left unrated vanished from the profile's Risks table with no word, where an
    unanswered question shows as 'Not answered': a manager would read them as not applying."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    unrated = {ref: {"Likelihood": None, "Impact": None} for ref in ("R04", "R05", "R09")}
    write_workbook(inputs / "p1.xlsx", risks=unrated)
    page = pack_html(inputs, tmp_path / "out")
    profile = plain(page[page.index('id="p-p1-xlsx"') :])
    assert (
        "Not rated, so in no risk figure (a Likelihood or Impact blank, or not a whole number from 1 to 5): R04, R05, R09."
        in profile
    )


def test_the_summary_names_an_objective_no_partnership_says_it_supports_in_one_sentence(tmp_path):
    """It read "No partnership says it supports O6 ... (1 left it unanswered) (objective of the council)."."""
    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "p1.xlsx", objectives={"O6": {"Contributes": None}})
    summary = plain(pack_html(inputs, tmp_path / "out"))
    assert (
        "No partnership says it supports the council's objectives O1 Healthy and independent lives" in summary
        and "O6 Good digital connections for every community (1 left it unanswered)." in summary
    )
    assert ") (objective" not in summary


@pytest.mark.parametrize(
    "original, copy",
    [
        ("Safety Partnership (2026).xlsx", "Safety Partnership (2026) - Copy.xlsx"),
        ("return_1.xlsx", "return_1 copy.xlsx"),
    ],
)
def test_a_file_whose_own_name_looks_like_a_copys_is_the_original_of_its_copy(tmp_path, original, copy):
    """'Safety Partnership (2026).xlsx' looks like a copy's name itself ('(2026)'), so beside its own
    '- Copy' it was taken for the copy and told to go, and the copy counted."""
    import csv
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / original)
    shutil.copyfile(inputs / original, inputs / copy)
    pack_html(inputs, tmp_path / "out")
    with open(tmp_path / "out" / "validation_report.csv", encoding="utf-8", newline="") as handle:
        copies = [(row["file"], row["value"]) for row in csv.DictReader(handle) if row["rule"] == "file.copy"]
    assert copies == [(copy, original)]


def test_copies_in_the_exceptions_and_the_register_are_said_as_copies(tmp_path):
    """Of 'P-004.xlsx' and its '- Copy', Exceptions said only that 'the latest review counts (the first
    by file name when the same day)', which would be the copy; a damaged file saved twice was listed with
    an empty ID; and the register read 'Not counted: P-006.xlsx counts for' with nothing after it."""
    import shutil

    from officer import write_workbook

    inputs = tmp_path / "returns"
    write_workbook(inputs / "P-004.xlsx", partnership_id="P-004")
    shutil.copyfile(inputs / "P-004.xlsx", inputs / "P-004 - Copy.xlsx")
    write_workbook(inputs / "P-006.xlsx", partnership_id="")
    shutil.copyfile(inputs / "P-006.xlsx", inputs / "P-006 (1).xlsx")
    page = pack_html(inputs, tmp_path / "out")
    exceptions = plain(page[page.index('id="exceptions"') : page.index('id="register"')])
    assert "P-004 - Copy.xlsx" in exceptions and "(the same file, byte for byte, as P-004.xlsx)" in exceptions
    assert "a copy of a file, byte for byte, never counts" in exceptions
    assert "(no ID) P-006.xlsx" in exceptions
    register = plain(page[page.index('id="register"') :])
    assert "Not counted: the same file as P-006.xlsx, which counts " in register and "counts for (" not in register
    assert not re.search(r"counts for\s*</span>", page)


def test_register_xlsx_shows_a_completeness_just_below_a_threshold_below_it(tmp_path):
    """26 of 29 questions answered is 89.7%, Amber for 'below 90%': register.xlsx showed it as 90%
    beside the Amber (a '0%' format), the contradiction the pack no longer makes."""
    from openpyxl import load_workbook

    from officer import write_workbook
    from pipeline.cycle.register import REGISTER_SHEET

    blank = {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS[:3]}
    write_workbook(tmp_path / "returns" / "p1.xlsx", checklist=blank)
    pack_html(tmp_path / "returns", tmp_path / "out")
    sheet = load_workbook(tmp_path / "out" / "register.xlsx")[REGISTER_SHEET]
    headers = [cell.value for cell in sheet[1]]
    cell = sheet.cell(2, headers.index("Checklist completeness") + 1)
    assert round(cell.value, 4) == 0.8966 and cell.number_format == "0.0%"


def test_the_money_chart_says_council_funding_cannot_be_read_where_it_cannot(tmp_path):
    """Council funding typed 'about 20k' was labelled 'council funding not given' on the money chart,
    where its table says it cannot be read."""
    from officer import write_workbook

    write_workbook(tmp_path / "returns" / "p1.xlsx", register={"funding": "about 20k", "partner_contributions": 20000})
    page = pack_html(tmp_path / "returns", tmp_path / "out")
    assert "council funding cannot be read" in page and "council funding not given" not in page


def test_a_review_done_before_its_date_is_not_called_overdue_for_review(tmp_path):
    """Rollover fills in the date this year's review is due; officers who completed the review before it
    and left that date were listed as 'overdue for their annual review' (an Audit Committee reader found
    five such in a year). The next review date has passed, so the register's answer still counts as the
    contract says (results.json, the Amber rating), but the pack says what happened: the review was done
    and the next one's date was not set."""
    import datetime as dt
    import json

    from officer import write_workbook

    due = AS_OF - dt.timedelta(days=20)
    inputs = tmp_path / "returns"
    write_workbook(
        inputs / "done.xlsx",
        partnership_id="P-001",
        register={"next_review": due, "review_completed_on": due - dt.timedelta(days=30)},
    )
    write_workbook(
        inputs / "undone.xlsx",
        partnership_id="P-002",
        register={"next_review": due, "review_completed_on": due - dt.timedelta(days=400)},
    )
    write_workbook(  # completed late, after the date given: done all the same
        inputs / "late.xlsx",
        partnership_id="P-003",
        register={"next_review": due, "review_completed_on": due + dt.timedelta(days=10)},
    )
    page = pack_html(inputs, tmp_path / "out")
    summary = plain(page[page.index('id="summary"') : page.index('id="charts"')])
    assert "1 partnership is overdue for its annual review." in summary
    assert "2 partnerships completed their review but did not set the date of the next one" in summary
    exceptions = plain(page[page.index('id="exceptions"') : page.index('id="register"')])
    assert "the review that was due; the next one's date was not set" in exceptions
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in results["partnerships"]}
    assert by_id["P-001"]["review_overdue"] and by_id["P-002"]["review_overdue"]
    assert by_id["P-001"]["rag_reasons"][-1].startswith("The next review date given,")
    assert by_id["P-003"]["rag_reasons"][-1].startswith("The next review date given,")
    assert by_id["P-002"]["rag_reasons"][-1].startswith("The review was due on")
