"""Issue 17: a return is unzipped once, and what `validate` sends between processes is small, with the
same findings as the full pass."""

from __future__ import annotations

import pickle
import zipfile

from officer import AS_OF, write_workbook

from pipeline import catalogue
from pipeline.check.assess import assess_folder, check_folder
from pipeline.config import Config
from pipeline.read.workbook import load_workbook_file

CONFIG = Config()


def test_a_workbook_is_unzipped_once(tmp_path, monkeypatch):
    """Pre-flight inflates the parts once and the reader takes the defined names, the sheets' parts and
    the formula cells from what it kept (python-calamine reads the same bytes, without Python's zipfile)."""
    path = write_workbook(tmp_path / "p.xlsx", register={"next_review": "=TODAY()"})
    opened = []

    class Counted(zipfile.ZipFile):
        def __init__(self, *args, **kwargs):
            opened.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", Counted)
    workbook = load_workbook_file(path, tmp_path, CONFIG)
    assert workbook.template_version == catalogue.TEMPLATE_VERSION
    assert workbook.objectives_list
    assert len(opened) == 1


def test_a_loaded_workbook_carries_the_catalogue_by_reference(tmp_path):
    """Its records point at the catalogue's own questions, areas and fields, and so does a copy sent from
    a worker process: each return does not carry the strategy's text again."""
    workbook = load_workbook_file(write_workbook(tmp_path / "p.xlsx"), tmp_path, CONFIG)
    sent = pickle.loads(pickle.dumps(workbook, protocol=pickle.HIGHEST_PROTOCOL))
    assert sent == workbook
    assert [row.question for row in sent.checklist] == list(catalogue.QUESTIONS)
    assert all(row.question is question for row, question in zip(sent.checklist, catalogue.QUESTIONS))
    assert all(row.area is area for row, area in zip(sent.improvement, catalogue.AREAS))
    assert all(entry.field is catalogue.FIELDS_BY_KEY[key] for key, entry in sent.register.items())


def test_validate_finds_what_the_full_pass_finds(tmp_path):
    """`check_folder` (validate: no scores, each workbook sent back as its file, findings and ID) gives the
    findings and file statuses of `assess_folder`, the batch-wide duplicate IDs included."""
    folder = tmp_path / "input"
    write_workbook(folder / "a.xlsx", partnership_id="P-001", register={"purpose": None})
    write_workbook(folder / "b.xlsx", partnership_id="P-001")
    write_workbook(folder / "c.xlsx", partnership_id="P-003", checklist={"1a": {"Status": "Maybe"}})
    (folder / "d.xlsx").write_bytes(b"not a workbook")
    full = assess_folder(folder, CONFIG, as_of=AS_OF, jobs=1)
    light = check_folder(folder, CONFIG, as_of=AS_OF, jobs=2)
    assert light.report.findings == full.report.findings
    assert "register.duplicate_id" in {item.rule for item in light.report.findings}
    assert [(book.file, book.partnership_id, book.status) for book in light.batch.workbooks] == [
        (book.file, book.partnership_id, book.status) for book in full.batch.workbooks
    ]
    assert light.scores == [] and len(full.scores) == 4
