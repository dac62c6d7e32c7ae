"""Linking a resident's desk contacts, requests and the files kept with them to their case from
the case window: what is offered, what is already linked, and a refusal that keeps the choice."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.casework.vocab import ActivityKind, CaseOutcome
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.ui.casework.case_links import LinkColumn, LinkDialog, LinkKind
from assisted_desk.ui.casework.case_timeline_models import TimelineColumn
from assisted_desk.ui.casework.case_window import CaseWindow
from assisted_desk.ui.workers import wait_for_background_jobs
from tests.casework.case_fixtures import Team, log_contact, open_case
from tests.desk.attachment_files import pdf, png
from tests.desk.submission_fixtures import requester, submit_missed_bin

from ..conftest import ARTIFACTS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


@pytest.fixture
def desk_records(services, team):
    """A resident named in Arabic with a desk contact (a tenancy letter kept with it), a
    back-office request (a photo of the bin with it), and a case that links none of them."""
    resident = requester(services, team.admin, "محمد", "الحسن")
    contact = log_contact(services, team.desk, resident, notes="Landlord ignores the damp; tenancy letter scanned")
    letter = services.attachments.attach_to_interaction(team.desk, contact, AttachmentInput("tenancy.pdf", pdf()))
    receipt = submit_missed_bin(services, team.desk, resident, attachments=[AttachmentInput("bin.png", png())])
    [photo] = services.attachments.for_submission(team.desk, receipt.submission_id)
    case_id = open_case(services, team.advocate, resident, services=("Housing repairs",)).id
    return dict(resident=resident, contact=contact, letter=letter, submission=receipt.submission_id,
                request_contact=receipt.interaction_reference, photo=photo, case_id=case_id)


@pytest.fixture
def make_window(qtbot, services):
    def make(actor, case_id) -> CaseWindow:
        window = CaseWindow(services, actor, case_id)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def open_links(qtbot, window: CaseWindow) -> LinkDialog:
    """Click "Link existing…" and wait until the dialog has listed what it offers."""
    assert window.link_button.isEnabled()
    window.link_button.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, LinkDialog) and window.dialog.isVisible(), timeout=5000)
    dialog = window.dialog
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    wait_for_background_jobs()
    QApplication.processEvents()
    return dialog


def listed(dialog: LinkDialog) -> dict[tuple[LinkKind, int], str]:
    """What each line is and what it says under "On this case"."""
    model = dialog.model
    return {(model.choice(r).kind, model.choice(r).target_id): model.index(r, LinkColumn.LINKED).data()
            for r in range(model.rowCount())}


def link(qtbot, window: CaseWindow, dialog: LinkDialog, kind: LinkKind, target_id: int) -> None:
    dialog.choose(kind, target_id)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(window.changed, timeout=5000):
        dialog.save_button.click()
    assert not dialog.isVisible()


def test_a_contact_a_request_and_a_file_are_linked_and_not_offered_again(qtbot, qtmodeltester, services, team,
                                                                          desk_records, make_window):
    records = desk_records
    window = make_window(team.advocate, records["case_id"])
    assert window.link_button.text() == "Link e&xisting…"
    dialog = open_links(qtbot, window)
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.proxy)
    lines = listed(dialog)
    # The contact, the request and the contact made with it, and a file kept with each: none linked yet.
    assert set(lines) >= {(LinkKind.CONTACT, records["contact"]), (LinkKind.REQUEST, records["submission"]),
                          (LinkKind.FILE, records["letter"].id), (LinkKind.FILE, records["photo"].id)}
    assert len([k for k in lines if k[0] is LinkKind.CONTACT]) == 2 and len(lines) == 5
    assert set(lines.values()) == {""}
    row = dialog.model.row_of(LinkKind.FILE, records["letter"].id)
    assert dialog.model.index(row, LinkColumn.WHAT).data() == "File"
    words = dialog.model.index(row, LinkColumn.WORDS).data()
    assert words.startswith("tenancy.pdf · PDF document, ") and words.endswith(" · kept with the desk contact")
    request_row = dialog.model.row_of(LinkKind.REQUEST, records["submission"])
    assert dialog.model.index(request_row, LinkColumn.REFERENCE).data().startswith("RQ-")
    assert dialog.model.index(request_row, LinkColumn.WORDS).data().startswith("Request: ")

    link(qtbot, window, dialog, LinkKind.CONTACT, records["contact"])
    assert window.case.activities[-1].kind is ActivityKind.INTERACTION
    assert window.case.activities[-1].interaction_id == records["contact"]
    assert window.dialog is None

    dialog = open_links(qtbot, window)
    assert listed(dialog)[(LinkKind.CONTACT, records["contact"])] == "Already linked"
    link(qtbot, window, dialog, LinkKind.REQUEST, records["submission"])
    assert window.case.activities[-1].submission_id == records["submission"]

    dialog = open_links(qtbot, window)
    link(qtbot, window, dialog, LinkKind.FILE, records["photo"].id)
    assert window.case.activities[-1].attachment_id == records["photo"].id
    assert "Evidence: bin.png" in [window.timeline_proxy.index(r, TimelineColumn.WHAT).data()
                                   for r in range(window.timeline_proxy.rowCount())]

    # Everything linked is marked and cannot be chosen: clicking it selects nothing.
    dialog = open_links(qtbot, window)
    lines = listed(dialog)
    for key in ((LinkKind.CONTACT, records["contact"]), (LinkKind.REQUEST, records["submission"]),
                (LinkKind.FILE, records["photo"].id)):
        assert lines[key] == "Already linked"
        row = dialog.model.row_of(*key)
        assert not dialog.model.flags(dialog.model.index(row, 0)) & Qt.ItemFlag.ItemIsSelectable
    assert lines[(LinkKind.FILE, records["letter"].id)] == ""
    dialog.table.clearSelection()
    linked_row = dialog.proxy.mapFromSource(dialog.model.index(dialog.model.row_of(LinkKind.FILE,
                                                                                   records["photo"].id), 0))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.table.visualRect(linked_row).center())
    assert dialog.chosen() is None and not dialog.save_button.isEnabled()
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "case-link-dialog-linked.png"))
    assert window.grab().save(str(ARTIFACTS / "case-window-with-links.png"))
    dialog.reject()


def test_the_contact_a_case_was_opened_from_is_already_linked(qtbot, services, team, make_window):
    resident = requester(services, team.admin, "محمد", "الحسن")
    contact = log_contact(services, team.desk, resident)
    case_id = open_case(services, team.desk, resident, code="multiple_needs", owner_id=team.advocate.staff_id,
                        from_interaction_id=contact).id
    window = make_window(team.advocate, case_id)
    dialog = open_links(qtbot, window)
    assert listed(dialog) == {(LinkKind.CONTACT, contact): "Already linked"}
    assert dialog.chosen() is None and not dialog.save_button.isEnabled()
    assert dialog.message.text() == f"Everything of محمد الحسن is already linked to {window.case.reference}."


def test_a_refusal_keeps_the_dialog_and_the_choice(qtbot, services, team, desk_records, make_window):
    records = desk_records
    window = make_window(team.advocate, records["case_id"])
    dialog = open_links(qtbot, window)
    dialog.choose(LinkKind.FILE, records["letter"].id)
    # Someone at the desk removes the letter while the advocate is choosing it.
    letter = records["letter"]
    services.attachments.remove(team.desk, letter.id, letter.version)
    dialog.save_button.click()
    assert dialog.isVisible() and window.dialog is dialog
    assert dialog.message.isVisible() and "‘tenancy.pdf’ was removed by deskstaff" in dialog.message.text()
    chosen = dialog.chosen()
    assert chosen is not None and (chosen.kind, chosen.target_id) == (LinkKind.FILE, letter.id)
    assert not any(a.attachment_id == letter.id for a in services.cases.get_case(team.advocate,
                                                                                 records["case_id"]).activities)
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "case-link-refused.png"))
    # Another choice in the same dialog goes through.
    link(qtbot, window, dialog, LinkKind.CONTACT, records["contact"])


def test_linking_is_only_offered_while_the_case_is_open(qtbot, services, team, desk_records, make_window):
    records = desk_records
    case = services.cases.get_case(team.advocate, records["case_id"])
    services.cases.close_case(team.advocate, case.id, CaseOutcome.WITHDRAWN, "Moved away", case.version)
    window = make_window(team.advocate, case.id)
    assert not window.link_button.isEnabled()
    # A colleague who may read the open case (not run it) may still link to it, as the service allows.
    reopened = services.cases.reopen_case(team.advocate, case.id, "Came back", window.case.version)
    colleague = make_window(team.other_advocate, reopened.id)
    assert colleague.link_button.isEnabled()


def test_the_link_dialog_with_an_arabic_name_is_drawn_whole(qtbot, services, team, desk_records, make_window):
    window = make_window(team.advocate, desk_records["case_id"])
    dialog = open_links(qtbot, window)
    assert dialog.windowTitle() == f"Link to {window.case.reference}"
    assert dialog.intro.text().startswith("The desk contacts and requests of محمد الحسن, and the files")
    photo = dialog.model.row_of(LinkKind.FILE, desk_records["photo"].id)
    assert dialog.model.index(photo, LinkColumn.WORDS).data().endswith("· kept with the request")
    assert dialog.model.index(photo, LinkColumn.REFERENCE).data().startswith("RQ-")
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "case-link-dialog.png"))
