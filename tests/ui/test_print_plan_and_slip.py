"""The personal plan and the referral slip printed from the Inclusion screens, as a coordinator
would: the print preview shows the real PDF's pages, Save as PDF writes it, Print… goes through an
`lp` on PATH (the fake CUPS of the guides tests) and is recorded on the resident's timeline; a
failing printer keeps the PDF and records nothing. SQLite only: the services behind them are proved
on both databases in tests/printing and tests/inclusion."""

from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from assisted_desk.core.security import Role
from assisted_desk.inclusion.referral_vocab import ReferralStatus
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.printing.print_records import PRINTED, PrintKind, PrintMethod
from assisted_desk.ui.guides.printer import PrintTarget
from assisted_desk.ui.inclusion import InclusionPage
from assisted_desk.ui.inclusion.referrals_tab import ReferralsTab
from assisted_desk.ui.inclusion.results_view import ResultsView
from assisted_desk.ui.printing_dialog import PrintPreviewDialog

from ..conftest import make_actor
from ..inclusion.partner_rows import add_organisation, add_points, add_service, place
from .conftest import double_the_text
from .test_guides_area import fake_lp, pdf_text
from .test_inclusion_referrals import assess, share_with
from .test_residents_ui import register, save_png, shown

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
cups_only = pytest.mark.skipif(sys.platform == "win32", reason="printing goes through CUPS' lp here")

GIVEN, FAMILY = "محمد", "الفارسي"


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def resident(services, coordinator):
    return register(services, coordinator, GIVEN, FAMILY, postcode="E1 6AN", date_of_birth="02/05/1961").id


def text_of(path: Path) -> str:
    """pypdf's text, NFKC: Arabic reshaped for print reads back in logical order."""
    return unicodedata.normalize("NFKC", pdf_text(path))


def ready(qtbot, owner) -> PrintPreviewDialog:
    """The owner's print preview, once its pages are shown and nothing is saving or printing."""
    qtbot.waitUntil(lambda: owner.print_dialog is not None and owner.print_dialog.isVisible(), timeout=10_000)
    dialog = owner.print_dialog
    qtbot.waitUntil(lambda: dialog.rendered is not None and dialog.is_idle(), timeout=15_000)
    return dialog


def idle(qtbot, dialog: PrintPreviewDialog) -> None:
    qtbot.waitUntil(dialog.is_idle, timeout=15_000)


@cups_only
def test_plan_preview_save_and_print_with_a_failing_printer_first(qtbot, services, coordinator, resident, tmp_path,
                                                                   monkeypatch, artifacts):
    assess(services, coordinator, resident)
    [summary] = services.skills.history(coordinator, resident)
    page = shown(qtbot, InclusionPage(services, coordinator), 1100, 720)
    tab = page.skills
    tab.show_resident(resident)
    qtbot.waitUntil(lambda: not tab.is_loading(), timeout=5000)
    tab.open_result(summary.id)
    results = tab.results
    assert results.print_button.isVisible() and results.print_button.text() == "Print &plan…"
    results.print_button.click()
    dialog = ready(qtbot, results)
    assert dialog.chosen_format() is PrintFormat.STANDARD
    assert len(dialog.page_labels) == dialog.rendered.pages >= 1
    # the title also names the print job on the printer and in its history: never the resident's name
    assert dialog.windowTitle() == "Print preview: Digital skills plan" and GIVEN not in dialog.windowTitle()
    save_png(dialog, artifacts, "print-plan-preview-1x.png")

    dialog.format.setCurrentIndex(dialog.format.findData(PrintFormat.LARGE_PRINT))  # previewed again
    qtbot.waitUntil(lambda: dialog.is_current() and dialog.is_idle(), timeout=15_000)
    target = tmp_path / "plan.pdf"
    asked = []
    monkeypatch.setattr(dialog, "ask_save_path", lambda suggested: asked.append(suggested) or str(target))
    dialog.save_button.click()
    idle(qtbot, dialog)
    assert dialog.message.property("kind") == "info", dialog.message.text()
    assert asked == [f"plan-2026-11-23-{PrintFormat.LARGE_PRINT.value}.pdf"]
    assert len(PdfReader(str(target)).pages) == len(dialog.page_labels) == dialog.rendered.pages
    assert GIVEN in text_of(target) and FAMILY in text_of(target)
    [saved] = services.print_log.for_resident(coordinator, resident)
    assert (saved.kind, saved.method, saved.format) == (PrintKind.PLAN, PrintMethod.PDF, PrintFormat.LARGE_PRINT)

    monkeypatch.setattr(dialog, "choose_printer", lambda: PrintTarget("Desk_Printer"))
    broken = fake_lp(tmp_path / "broken", fails=True)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    dialog.print_button.click()
    idle(qtbot, dialog)
    kept = services.paths.data_dir / "printouts" / dialog.rendered.pdf.name
    assert dialog.message.property("kind") == "error"
    assert "lp: The printer or class does not exist." in dialog.message.text()
    assert f"kept at {kept}" in dialog.message.text() and GIVEN in text_of(kept)
    assert len(services.print_log.for_resident(coordinator, resident)) == 1  # the failed print: nothing
    assert dialog.print_button.isEnabled()

    spool = fake_lp(tmp_path / "good")
    monkeypatch.setenv("PATH", f"{spool}{os.pathsep}{os.environ['PATH']}")
    dialog.print_button.click()
    idle(qtbot, dialog)
    assert dialog.message.property("kind") == "info", dialog.message.text()
    assert "request id is Desk_Printer-7" in dialog.message.text()
    assert GIVEN in text_of(spool / "printed.pdf")
    lines = [item for item in services.timeline.for_resident(coordinator, resident) if item.kind == PRINTED]
    assert [line.title for line in lines if "printed:" in line.title] == [
        "Personal plan printed: Digital skills plan (large print)"]
    assert any(line.detail.startswith("on Desk_Printer") for line in lines)


def test_the_plan_is_refused_plainly_without_a_completed_assessment(qtbot, services, coordinator, resident):
    started = services.skills.start(coordinator, resident, "quick")
    view = shown(qtbot, ResultsView(services=services, actor=coordinator), 900, 600)
    view.show_record(services.skills.get(coordinator, started.id), f"{GIVEN} {FAMILY}")
    assert not view.print_button.isVisible()  # only for a completed assessment
    view.print_plan()
    qtbot.waitUntil(lambda: not view.preparing, timeout=10_000)
    assert view.message.property("kind") == "error" and view.message.isVisible()
    assert "no completed skills assessment yet" in view.message.text() and view.print_dialog is None


def test_the_slip_holds_the_reference_and_not_the_date_of_birth(qtbot, qapp, request, services, coordinator,
                                                                 resident, tmp_path, monkeypatch, artifacts):
    with services.db.unit_of_work() as session:
        add_points(session)
        organisation = add_organisation(session, "Łódź Learning")
        service_id = add_service(session, organisation, "Tablet class", skill_areas=["transacting"],
                                 referral_method="slip", locations=[place("E1 7HT", "Library")],
                                 schedules=[{"byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}]).id
    share_with(services, coordinator, resident, "Łódź Learning")
    draft = services.referrals.draft(coordinator, resident, service_id, need_text="Video calls with family")
    double_the_text(qapp, request)
    tab = shown(qtbot, ReferralsTab(services, coordinator), 1100, 720)
    tab.open_referral(draft.id)
    detail = tab.detail
    assert not detail.print_slip_button.isVisible()  # a draft has no slip yet
    detail.send_panel.send_button.click()
    assert detail.referral.status is ReferralStatus.SENT and detail.print_slip_button.isVisible()
    detail.print_slip_button.click()
    dialog = ready(qtbot, detail)
    assert len(dialog.page_labels) == dialog.rendered.pages
    save_png(dialog, artifacts, "print-slip-preview-2x.png")

    target = tmp_path / "slip.pdf"
    monkeypatch.setattr(dialog, "ask_save_path", lambda suggested: str(target))
    dialog.save_button.click()
    idle(qtbot, dialog)
    text = text_of(target)
    assert detail.referral.reference in text and GIVEN in text and "Tablet class" in text
    assert "1961" not in text and "02/05" not in text  # never shared, so never printed
    [entry] = services.print_log.for_resident(coordinator, resident)
    assert (entry.kind, entry.method) == (PrintKind.SLIP, PrintMethod.PDF)
    assert detail.referral.reference in entry.title
