"""The Guides area driven as desk staff would, over the shipped guides: find a guide by the
resident's words, preview the real PDF, switch format and language, save it, and print it through
an `lp` on PATH (a small script standing in for CUPS; the real CUPS queue is tested later). A
failing printer is reported plainly and the PDF is kept. Broken guide files are shown, not hidden."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from assisted_desk.core.paths import resources_dir
from assisted_desk.core.security import Role
from assisted_desk.printing.guides import GuideLibrary
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.ui.guides import GuidesPage
from assisted_desk.ui.guides.model import GuideColumn
from assisted_desk.ui.guides.printer import PrintTarget, paint_to_printer, send_with_lp
from assisted_desk.ui.guides.rendering import OutputProblem
from assisted_desk.ui.main_window import MainWindow
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import make_actor
from .conftest import double_the_text
from .test_residents_ui import save_png, shown
from .test_start_and_main import unnamed_widgets

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

cups_only = pytest.mark.skipif(sys.platform == "win32", reason="printing goes through CUPS' lp here")


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


def loaded(qtbot, page: GuidesPage) -> GuidesPage:
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    return page


def open_page(qtbot, services, actor, library=None, width=1100, height=720) -> GuidesPage:
    return loaded(qtbot, shown(qtbot, GuidesPage(services, actor, library), width, height))


def previewed(qtbot, page: GuidesPage, action=None) -> None:
    """Wait until the preview on screen is of the guide, language and format chosen."""
    if action is not None:
        action()
    qtbot.waitUntil(page._is_current, timeout=10_000)


def idle(qtbot, page: GuidesPage) -> None:
    qtbot.waitUntil(lambda: not page.busy and page._after_render is None, timeout=15_000)


def titles(page: GuidesPage) -> list[str]:
    return [page.model.guide(row).slug for row in range(page.model.rowCount())]


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


def fake_lp(folder: Path, *, fails: bool = False) -> Path:
    """An `lp` on PATH that records its arguments (and a copy of the file it was given), then
    answers as CUPS does, or refuses as CUPS does for an unknown queue."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "lp"
    record = folder / "lp-args.txt"
    if fails:
        body = 'echo "lp: The printer or class does not exist." >&2\nexit 1\n'
    else:
        body = (f'printf "%s\\n" "$@" > "{record}"\n'
                f'for last; do :; done\ncp "$last" "{folder}/printed.pdf"\n'
                'echo "request id is Desk_Printer-7 (1 file(s))"\n')
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


@sqlite_only
def test_find_by_the_residents_words_preview_and_switch_format_and_language(qtbot, qtmodeltester, services, desk,
                                                                           artifacts):
    page = open_page(qtbot, services, desk)
    assert unnamed_widgets(page) == []
    assert page.model.rowCount() == len(GuideLibrary().all()) >= 12  # an empty box lists every guide
    page.search.clear()
    qtbot.keyClicks(page.search, "bin")
    assert titles(page)[0] == "bins" and "match “bin”" in page.found.text()
    assert page.model.index(0, GuideColumn.FOR_WHOM).data() == page.model.guide(0).for_whom
    for words, first in (("parking", "parking-permit"), ("password", "council-account")):
        page.search.setText(words)
        assert titles(page)[0] == first
    page.search.setText("zzqx")
    assert page.model.rowCount() == 0 and "No guide matches" in page.found.text()
    assert not page.print_button.isEnabled()
    page.search.setText("bin")

    previewed(qtbot, page, lambda: qtbot.keyClick(page.search, Qt.Key.Key_Return))  # Enter previews
    standard = page.rendered
    assert standard.guide.slug == "bins" and standard.fmt is PrintFormat.STANDARD
    assert len(page.page_labels) == standard.pages == len(PdfReader(str(standard.pdf)).pages)
    assert [label.accessibleName() for label in page.page_labels][0] == f"Page 1 of {standard.pages}"
    assert "Bin" in pdf_text(standard.pdf) and standard.guide.title in page.preview_status.text()
    save_png(page, artifacts, "guides-bins-standard-1x.png")

    page.format.setCurrentIndex(page.format.findData(PrintFormat.LARGE_PRINT))  # follows on its own
    previewed(qtbot, page)
    large = page.rendered
    assert large.fmt is PrintFormat.LARGE_PRINT and large.pdf != standard.pdf
    assert len(page.page_labels) == large.pages == len(PdfReader(str(large.pdf)).pages) > standard.pages
    assert "large print" in page.preview_status.text()

    page.search.setText("council tax")  # a translated guide offers its languages
    page.table.selectRow(titles(page).index("pay-council-tax"))
    assert [page.language.itemData(i) for i in range(page.language.count())] == ["en", "pl"]
    assert page.language.isEnabled()
    assert page.language.itemText(1) == "Polish (not yet checked)"  # needs_review: true
    page.language.setCurrentIndex(1)
    previewed(qtbot, page)
    polish = GuideLibrary().get("pay-council-tax", "pl")
    assert page.rendered.guide.language == "pl" and polish.title in pdf_text(page.rendered.pdf)
    assert "Polish" in page.preview_status.text()
    save_png(page, artifacts, "guides-council-tax-polish-large-1x.png")
    qtmodeltester.check(page.model, force_py=True)  # last: the tester watches every later reset
    qtmodeltester.check(page.proxy, force_py=True)


@sqlite_only
def test_save_as_pdf_and_an_unwritable_place(qtbot, services, desk, tmp_path, monkeypatch):
    page = open_page(qtbot, services, desk)
    page.search.setText("parking")
    target = tmp_path / "saved" / "parking.pdf"
    target.parent.mkdir()
    asked = []
    monkeypatch.setattr(page, "ask_save_path", lambda suggested: asked.append(suggested) or str(target))
    page.save_button.click()  # nothing previewed yet: it is rendered first, then saved
    idle(qtbot, page)
    assert asked == ["parking-permit-en-standard.pdf"]
    assert "Saved the guide as" in page.message.text() and page.message.property("kind") == "info"
    reader = PdfReader(str(target))
    guide = GuideLibrary().get("parking-permit")
    assert len(reader.pages) == page.rendered.pages and guide.title in pdf_text(target)

    missing = tmp_path / "no-such-folder" / "parking.pdf"
    monkeypatch.setattr(page, "ask_save_path", lambda suggested: str(missing))
    page.save_button.click()
    idle(qtbot, page)
    assert page.message.property("kind") == "error" and "does not exist" in page.message.text()
    assert str(missing.parent) in page.message.text() and not missing.exists()
    assert page.save_button.isEnabled()  # the page is usable again at once

    monkeypatch.setattr(page, "ask_save_path", lambda suggested: "")  # cancelled: nothing happens
    page.message.clear_message()
    page.save_button.click()
    assert page.message.isHidden()


@sqlite_only
@cups_only
def test_print_through_lp_then_a_failing_printer_keeps_the_pdf(qtbot, services, desk, tmp_path, monkeypatch):
    page = open_page(qtbot, services, desk)
    page.search.setText("password")
    monkeypatch.setattr(page, "choose_printer", lambda: PrintTarget("Desk_Printer"))
    spool = fake_lp(tmp_path / "good")
    monkeypatch.setenv("PATH", f"{spool}{os.pathsep}{os.environ['PATH']}")
    qtbot.keyClick(page.search, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # Ctrl+P
    idle(qtbot, page)
    guide = page.rendered.guide
    assert page.message.property("kind") == "info", page.message.text()
    assert page.message.text() == (f"Sent “{guide.title}” to Desk_Printer. "
                                   "request id is Desk_Printer-7 (1 file(s))")
    args = (spool / "lp-args.txt").read_text(encoding="utf-8").splitlines()
    assert args[:4] == ["-d", "Desk_Printer", "-t", guide.title] and args[-1] == str(page.rendered.pdf)
    assert len(PdfReader(str(spool / "printed.pdf")).pages) == page.rendered.pages

    broken = fake_lp(tmp_path / "broken", fails=True)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    page.print_button.click()
    idle(qtbot, page)
    text = page.message.text()
    assert page.message.property("kind") == "error"
    assert "refused the guide: lp: The printer or class does not exist." in text
    kept = services.paths.data_dir / "printouts" / page.rendered.pdf.name
    assert f"kept at {kept}" in text and guide.title in pdf_text(kept)
    assert page.print_button.isEnabled()

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no lp at all
    page.print_button.click()
    idle(qtbot, page)
    assert "'lp' command" in page.message.text() and "not installed" in page.message.text()


@cups_only
def test_a_printer_that_does_not_answer_and_painting_onto_a_qprinter(qtbot, tmp_path, monkeypatch):
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "lp").write_text("#!/bin/sh\nsleep 5\necho late\n", encoding="utf-8")
    (slow / "lp").chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow}{os.pathsep}{os.environ['PATH']}")
    pdf = tmp_path / "guide.pdf"
    from assisted_desk.printing.guide_pdf import render_guide
    render_guide(GuideLibrary().get("bins"), PrintFormat.STANDARD, pdf)
    started = time.monotonic()
    with pytest.raises(OutputProblem, match="did not answer within 0.5 seconds"):
        send_with_lp(pdf, "Desk_Printer", "Bins", timeout=0.5)
    assert time.monotonic() - started < 3  # the stuck lp was ended, not waited for

    # Where there is no CUPS the pages are drawn onto the dialog's QPrinter; a PDF printer
    # stands in for a real one.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "painted.pdf"))
    pages = paint_to_printer(pdf, printer)
    assert pages == len(PdfReader(str(pdf)).pages) == len(PdfReader(str(tmp_path / "painted.pdf")).pages)


@sqlite_only
def test_broken_guide_files_are_shown_and_the_page_at_double_text(qtbot, qapp, request, services, desk, tmp_path,
                                                                  artifacts):
    double_the_text(qapp, request)
    folder = tmp_path / "guides"
    shutil.copytree(resources_dir() / "guides", folder)
    (folder / "broken.en.yaml").write_text("slug: broken\nlanguage: en\ntitle: Łukasz's guide\n"
                                           "for_whom: Everyone\nsteps:\n  - Tap: Sign in\n"
                                           "where_to_get_help:\n  - Ask at the desk\n", encoding="utf-8")
    page = open_page(qtbot, services, desk, GuideLibrary(folder), 2200, 1440)
    assert not page.problems.isHidden() and page.problems.property("kind") == "error"
    assert "1 guide file(s) could not be used" in page.problems.text()
    assert "broken.en.yaml, line 6:" in page.problems.text()
    assert "broken" not in titles(page)
    page.search.setText("video call")
    assert titles(page)[0] == "video-call"
    previewed(qtbot, page, page.preview_button.click)
    save_png(page, artifacts, "guides-video-call-2x.png")


@sqlite_only
def test_the_guides_area_in_the_main_window_for_desk_staff(qtbot, services, desk):
    window = MainWindow(services, desk)
    qtbot.addWidget(window)
    window.show()
    try:
        page = window.area_pages["guides"]
        assert isinstance(page, GuidesPage)
        window.show_area("guides")
        loaded(qtbot, page)
        window.nav_buttons["guides"].setFocus()
        qtbot.keyClick(window.nav_buttons["guides"], Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert page.search.hasFocus()
        assert unnamed_widgets(window) == []
    finally:
        window.handing_over = True
        window.close()
        wait_for_background_jobs()


# ---- printed for a resident --------------------------------------------------------------------------


def header_text(path: Path) -> str:
    """pypdf's text, NFKC: Arabic reshaped for print reads back in logical order."""
    import unicodedata
    return unicodedata.normalize("NFKC", pdf_text(path))


@sqlite_only
@cups_only
def test_printed_for_a_resident_with_their_header_language_and_timeline(qtbot, services, admin, desk, tmp_path,
                                                                        monkeypatch, artifacts):
    from assisted_desk.desk.resident_input import ResidentInput
    from assisted_desk.printing.print_records import PRINTED
    resident = services.residents.register(admin, ResidentInput(given_name="محمد", family_name="الفارسي",
                                                                preferred_language="polski"))
    page = open_page(qtbot, services, desk)
    assert page.resident_panel.isHidden() and page.resident_id is None
    page.search.setText("council tax")
    page.table.selectRow(titles(page).index("pay-council-tax"))
    assert page.language.currentData() == "en"
    page.for_resident.click()
    assert not page.resident_panel.isHidden()
    page.resident_choice.choose(resident.id, resident.name)
    qtbot.waitUntil(lambda: page.language.currentData() == "pl", timeout=10_000)  # their preferred language
    page.next_steps.setPlainText("Przynieś list z urzędu w czwartek.")
    previewed(qtbot, page, page.preview_button.click)
    rendered = page.rendered
    assert rendered.resident_id == resident.id and rendered.guide.language == "pl"
    text = header_text(rendered.pdf)
    assert "محمد" in text and "الفارسي" in text and "Przynieś list z urzędu" in text
    assert "Printed on 23 November 2026 by Desk at Central Library" in text
    assert f"For {resident.name}" in page.preview_status.text()
    save_png(page, artifacts, "guides-for-resident-1x.png")

    monkeypatch.setattr(page, "choose_printer", lambda: PrintTarget("Desk_Printer"))
    broken = fake_lp(tmp_path / "broken", fails=True)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    page.print_button.click()
    idle(qtbot, page)
    assert page.message.property("kind") == "error"
    assert services.print_log.for_resident(desk, resident.id) == ()  # a failed print records nothing

    spool = fake_lp(tmp_path / "good")
    monkeypatch.setenv("PATH", f"{spool}{os.pathsep}{os.environ['PATH']}")
    page.print_button.click()
    idle(qtbot, page)
    assert page.message.property("kind") == "info", page.message.text()
    assert "محمد" in header_text(spool / "printed.pdf")  # the header went to the printer too
    [line] = [item for item in services.timeline.for_resident(desk, resident.id) if item.kind == PRINTED]
    assert line.title == f"Guide printed: {rendered.guide.title} (standard, Polish)"
    assert line.detail == "on Desk_Printer · by Desk · at Central Library"

    page.resident_choice.clear()  # a plain guide again: no header, recorded for nobody
    target = tmp_path / "plain.pdf"
    monkeypatch.setattr(page, "ask_save_path", lambda suggested: str(target))
    page.save_button.click()
    idle(qtbot, page)
    assert page.rendered.resident_id is None and "محمد" not in header_text(target)
    [count] = services.print_log.guides_handed_out(admin, since=datetime(2026, 11, 1, tzinfo=timezone.utc),
                                                   until=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert (count.guide_slug, count.prints, count.for_residents) == ("pay-council-tax", 2, 1)
    assert len(services.print_log.for_resident(desk, resident.id)) == 1


@sqlite_only
def test_a_language_without_a_translation_stays_english_and_the_panel_at_double_text(
        qtbot, qapp, request, services, admin, desk, artifacts):
    from assisted_desk.desk.resident_input import ResidentInput
    double_the_text(qapp, request)
    resident = services.residents.register(admin, ResidentInput(given_name="Łukasz", family_name="Nowak",
                                                                preferred_language="Arabic"))
    page = open_page(qtbot, services, desk, width=2200, height=1440)
    page.search.setText("council tax")
    page.table.selectRow(titles(page).index("pay-council-tax"))
    page.for_resident.click()
    page.resident_choice.finder.set_query("Nowak")
    qtbot.waitUntil(lambda: page.resident_choice.finder.model.rowCount() == 1, timeout=10_000)
    table = page.resident_choice.finder.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert page.resident_id == resident.id
    qtbot.waitUntil(lambda: page.resident_language == "ar", timeout=10_000)
    assert page.language.currentData() == "en"  # no Arabic translation: English
    previewed(qtbot, page, page.preview_button.click)
    assert "Łukasz Nowak" in pdf_text(page.rendered.pdf)
    assert unnamed_widgets(page) == []
    save_png(page, artifacts, "guides-for-resident-2x.png")
    page.for_resident.click()  # closing the panel un-chooses the resident
    assert page.resident_id is None and page.resident_panel.isHidden()
