"""Making a back-office request while serving a resident: the form built from each declaration,
queued with its evidence in one save, refusals that keep everything and point at the field, the
resident's missing details, drafts that bring the request back, and how it looks at 200% text."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QSpinBox
from sqlalchemy import select

from assisted_desk.app import _load_style
from assisted_desk.desk.attachment_models import Attachment
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.representatives import london_today
from assisted_desk.desk.request_forms import shipped_declarations
from assisted_desk.desk.submission_models import Submission
from assisted_desk.desk.vocab import ConsentPurpose, HelpType
from assisted_desk.ui.desk.request_form import RequestForm
from assisted_desk.ui.residents.resident_dialog import ResidentDialog

from ..desk.attachment_files import png
from ..desk.contact_fixtures import register
from .serve_helpers import CTRL, Keys, choose_by_keyboard, logged, make_panel, panel, settle  # noqa: F401
from .test_start_and_main import unnamed_widgets

WIDGETS = {"text": QLineEdit, "long_text": QPlainTextEdit, "choice": QComboBox, "date": QLineEdit,
           "number": QSpinBox, "yes_no": QCheckBox, "postcode": QLineEdit, "phone": QLineEdit, "email": QLineEdit}


def ready_resident(services, admin, given="Łukasz", family="Żółć", *, address=True, consent=("waste_recycling",),
                   **more) -> int:
    """A resident the desk may act for, with (or without) the address the back office needs."""
    details = dict(address_line1="12 Mile End Road", town="London", phone="07400 123456") if address else {}
    details.update(more)
    resident_id = register(services, admin, given, family, **details)
    for code in consent:
        services.consent.record_consent(admin, resident_id, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, code, "verbal"))
    return resident_id


def submissions(services) -> list[Submission]:
    with services.db.unit_of_work() as session:
        rows = list(session.scalars(select(Submission).order_by(Submission.id)))
        session.expunge_all()
        return rows


def attachments_of(services, submission_id: int) -> list[Attachment]:
    with services.db.unit_of_work() as session:
        rows = list(session.scalars(select(Attachment).where(Attachment.submission_id == submission_id)))
        session.expunge_all()
        return rows


def use_text_size(qapp, request, scale: int) -> None:
    """At 2: the desk as started on a computer set to 200% text (22 pt against the 11 pt the
    style sheet is written for)."""
    if scale == 1:
        return
    font = qapp.font()
    original = font.pointSizeF()
    font.setPointSizeF(22)
    qapp.setFont(font)
    _load_style(qapp)

    def restore() -> None:
        font.setPointSizeF(original)
        qapp.setFont(font)
        _load_style(qapp)

    request.addfinalizer(restore)


def backend_of(request) -> str:
    return "pg" if "postgresql" in request.node.callspec.id else "sqlite"


def fill_missed_bin(form: RequestForm, day: str = "21/11/2026", notes: str = "Behind the gate — Łukasz") -> None:
    fields = form.fields
    fields["bin_type"].setCurrentIndex(fields["bin_type"].findData("recycling"))
    fields["collection_date"].setText(day)
    fields["bin_left_at"].setCurrentIndex(fields["bin_left_at"].findData("kerbside"))
    fields["notes"].setPlainText(notes)


def serve_with_missed_bin(qtbot, panel, search: str = "lukasz") -> RequestForm:
    """Find the resident, type the service, Tab to the request chooser and take the first."""
    choose_by_keyboard(qtbot, panel, search)
    keys = Keys(qtbot)
    keys.type("waste")
    assert panel.form.service.code() == "waste_recycling"
    assert panel.form.request_section.isVisible()
    keys.press(Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.form.request_type)
    keys.press(Qt.Key.Key_Down)
    assert panel.form.request_type.currentData() == "missed_bin"
    assert panel.form.request_form is not None
    return panel.form.request_form


# ---- the form from each declaration -----------------------------------------------------------


def test_every_shipped_request_type_builds_a_labelled_form_with_its_help(qtbot):
    today = date(2026, 11, 23)
    for kind in shipped_declarations().types:
        form = RequestForm(kind, today)
        qtbot.addWidget(form)
        form.resize(420, 900)
        form.show()
        assert unnamed_widgets(form) == [], kind.code
        labels = {label.buddy(): label.text() for label in form.findChildren(QLabel) if label.buddy() is not None}
        texts = [label.text() for label in form.findChildren(QLabel) if label.isVisible()]
        if kind.help:
            assert kind.help in texts
        for item in kind.fields:
            widget = form.fields[item.name]
            assert isinstance(widget, WIDGETS[item.type]), (kind.code, item.name)
            shown = widget.text() if isinstance(widget, QCheckBox) else labels[widget]
            # Required is said in words, not by colour or an asterisk alone.
            assert shown == (f"{item.label} (required)" if item.required else f"{item.label} (optional)")
            assert "required" in widget.accessibleName() or not item.required
            if item.help:
                assert any(item.help in text for text in texts), (kind.code, item.name)
            if item.type == "choice":
                assert widget.itemText(0) == "choose…" and widget.itemData(0) == ""
                assert [widget.itemData(i) for i in range(1, widget.count())] == [v for v, _l in item.choices]
            if item.type == "date":
                earliest = today + timedelta(days=item.earliest_days)
                latest = today + timedelta(days=item.latest_days)
                assert f"Allowed: {earliest:%d/%m/%Y} to {latest:%d/%m/%Y}." in widget.accessibleDescription()
            if item.pattern_help:
                assert item.pattern_help[1:] in widget.accessibleDescription()
        # Nothing is assumed for the resident: every field starts empty.
        assert form.is_blank(), kind.code


def test_the_form_gives_back_what_was_typed_and_fills_from_what_was_stored(qtbot):
    kinds = {kind.code: kind for kind in shipped_declarations().types}
    form = RequestForm(kinds["council_tax_move"], date(2026, 11, 23))
    qtbot.addWidget(form)
    form.show()
    stored = {"move_type": form.request.field("move_type").choices[1][0], "move_date": "2026-12-01",
              "new_address": "Flat 2, 5 Ștefan cel Mare Street\nLondon", "new_postcode": "E1 6AN",
              "account_number": "12345678", "adults_at_new_address": 2}
    form.set_values(stored)
    typed = form.values()
    assert typed["move_date"] == "01/12/2026"  # shown the way the desk writes dates
    assert typed["adults_at_new_address"] == 2 and typed["new_address"] == stored["new_address"]
    reading = form.readings["move_date"]
    assert reading.text() == "Reads as Tuesday 01 December 2026."
    form.fields["move_date"].setText("01/01/2020")
    assert "outside the allowed days" in reading.text()
    form.fields["move_date"].setText("next week")
    assert reading.text() == "Not a date yet."
    form.set_values({"adults_at_new_address": ""})
    assert form.values()["adults_at_new_address"] == ""  # "not given", not a number made up

    street = RequestForm(kinds["street_problem"], date(2026, 11, 23))
    qtbot.addWidget(street)
    street.set_values({"dangerous": True, "problem": "graffiti"})
    assert street.values()["dangerous"] is True and street.values()["problem"] == "graffiti"


# ---- making a request while serving -----------------------------------------------------------


def test_a_request_made_while_serving_is_queued_with_its_file_and_both_references_shown(
        qtbot, panel, services, admin, tmp_path):
    resident = ready_resident(services, admin)
    form = serve_with_missed_bin(qtbot, panel)
    assert panel.form.help_type.currentData() == HelpType.ON_BEHALF.value  # done on the resident's behalf
    assert panel.attachments_label.text().startswith("Files sent with the request")
    fill_missed_bin(form)
    photo = tmp_path / "bin-left-out.png"
    photo.write_bytes(png())
    panel.attachments.add_files([photo])
    settle(qtbot, panel)
    assert len(panel.attachments.pending()) == 1

    queued = []
    panel.request_queued.connect(queued.append)
    qtbot.keyClick(form.fields["notes"], Qt.Key.Key_Return, CTRL)

    rows = submissions(services)
    assert len(rows) == 1
    row = rows[0]
    assert (row.resident_id, row.request_type, row.state) == (resident, "missed_bin", "queued")
    assert json.loads(row.fields_json) == {"bin_type": "recycling", "collection_date": "2026-11-21",
                                           "bin_left_at": "kerbside", "notes": "Behind the gate — Łukasz"}
    files = attachments_of(services, row.id)
    assert [(f.filename, f.media_type) for f in files] == [("bin-left-out.png", "image/png")]
    contact = logged(services)[0]
    assert contact.help_type == "on_behalf" and files[0].interaction_id == contact.id

    assert panel.banner.text() == contact.reference
    assert panel.banner.request_text() == row.reference and queued == [row.reference]
    assert "waiting to be sent to the back office" in panel.banner.request_caption.text()
    assert row.reference in panel.banner.accessibleName() and contact.reference in panel.banner.accessibleName()
    assert panel.form.is_pristine() and panel.form.request_form is None and panel.attachments.pending() == []
    assert panel.attachments_label.text().startswith("Files kept with the contact")
    settle(qtbot, panel)
    assert services.interactions.load_draft(admin) is None
    timeline = [panel.timeline.model.item(r) for r in range(panel.timeline.model.rowCount())]
    assert any(item.reference == row.reference and item.open_kind == "submission" for item in timeline)


def test_a_contact_without_a_request_keeps_its_files_with_the_contact(qtbot, panel, services, admin, tmp_path):
    ready_resident(services, admin)
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Council Tax")
    assert panel.attachments_label.text().startswith("Files kept with the contact")
    scan = tmp_path / "bill.png"
    scan.write_bytes(png(colour=(10, 200, 10)))
    panel.attachments.add_files([scan])
    settle(qtbot, panel)
    reference = panel.save()
    assert reference and submissions(services) == []
    contact = logged(services)[0]
    assert [r.filename for r in services.attachments.for_interaction(admin, contact.id)] == ["bill.png"]


def test_a_refused_date_keeps_everything_and_puts_the_cursor_on_it(qtbot, panel, services, admin, tmp_path):
    ready_resident(services, admin)
    form = serve_with_missed_bin(qtbot, panel)
    fill_missed_bin(form, day="01/10/2026")
    panel.form.notes.setPlainText("Contact notes stay too")
    photo = tmp_path / "bin.png"
    photo.write_bytes(png())
    panel.attachments.add_files([photo])
    settle(qtbot, panel)
    before, request_before = panel.form.values(), form.values()

    assert panel.save() is None
    assert submissions(services) == [] and logged(services) == []
    assert panel.message.isVisible()
    assert "Day it should have been collected 01/10/2026 is too early" in panel.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.fields["collection_date"])
    assert form.fields["collection_date"].selectedText() == "01/10/2026"
    assert panel.form.values() == before and form.values() == request_before
    assert len(panel.attachments.pending()) == 1
    assert not panel.banner.isVisible()

    form.fields["collection_date"].setText("22/11/2026")
    assert panel.save() is not None
    assert json.loads(submissions(services)[0].fields_json)["collection_date"] == "2026-11-22"


def test_a_missing_required_choice_and_a_request_field_named_like_a_contact_field(qtbot, panel, services, admin):
    ready_resident(services, admin)
    form = serve_with_missed_bin(qtbot, panel)
    fill_missed_bin(form)
    form.fields["bin_left_at"].setCurrentIndex(0)  # "choose…"
    assert panel.save() is None
    assert panel.message.text() == "Where the bin was left is required for this request."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.fields["bin_left_at"])
    # "notes" is both a contact field and a missed-bin field: the refusal finds the right one.
    form.fields["bin_left_at"].setCurrentIndex(1)
    form.fields["notes"].setPlainText("x" * 1001)
    assert panel.save() is None
    assert panel.message.text().startswith("Anything the crew should know")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.fields["notes"])


def test_a_resident_without_the_address_the_back_office_needs_gets_a_way_to_add_it(qtbot, panel, services, admin):
    resident = ready_resident(services, admin, "Priya", "Patel", address=False)
    form = serve_with_missed_bin(qtbot, panel, "priya")
    fill_missed_bin(form)
    assert panel.save() is None
    assert submissions(services) == [] and logged(services) == []
    assert "needs the resident's address for 'Report a missed bin collection'" in panel.message.text()
    assert panel.edit_resident_button.isVisible() and QApplication.focusWidget() is panel.edit_resident_button
    typed = form.values()

    qtbot.keyClick(panel.edit_resident_button, Qt.Key.Key_Space)
    dialog = panel.resident_dialog
    assert isinstance(dialog, ResidentDialog) and dialog.isVisible()
    dialog.address_line1.setText("3 Whitechapel High Street")
    dialog.town.setText("London")
    dialog.save_button.click()
    settle(qtbot, panel)
    assert "details are saved" in panel.message.text()
    assert panel.form.request_form is form and form.values() == typed  # the request is still as typed
    assert panel.save() is not None
    row = submissions(services)[0]
    assert row.resident_id == resident
    assert json.loads(row.resident_json)["address"].startswith("3 Whitechapel High Street")


def test_the_draft_keeps_the_request_and_brings_it_back(qtbot, make_panel, services, admin):
    ready_resident(services, admin)
    first = make_panel()
    form = serve_with_missed_bin(qtbot, first)
    fill_missed_bin(form, notes="Bin by the lamp post")
    settle(qtbot, first)
    draft = services.interactions.load_draft(admin)
    assert draft.payload["form"]["request_type"] == "missed_bin"
    assert draft.payload["form"]["request"]["notes"] == "Bin by the lamp post"
    typed = form.values()
    first.close()  # as if the desk crashed: the draft is all that is left

    again = make_panel()
    settle(qtbot, again)
    assert again.form.request_type.currentData() == "missed_bin"
    assert again.form.request_form is not None and again.form.request_form.values() == typed
    assert again.form.request_section.isVisible()
    assert again.form.help_type.currentData() == HelpType.ON_BEHALF.value
    assert "brought back" in again.message.text()
    assert again.save() is not None
    assert submissions(again.services)[0].request_type == "missed_bin"


def test_no_request_is_offered_for_an_anonymous_contact_or_a_service_without_requests(qtbot, panel, services, admin):
    ready_resident(services, admin)
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Libraries")
    assert not panel.form.request_section.isVisible()
    panel.form.service.setEditText("Waste and recycling")
    assert panel.form.request_section.isVisible()
    panel.form.choose_request("missed_bin")
    panel.start_anonymous()
    assert not panel.form.request_section.isVisible() and panel.form.request_form is None


def test_choosing_another_request_by_mistake_and_back_loses_nothing(qtbot, panel, services, admin):
    ready_resident(services, admin)
    form = serve_with_missed_bin(qtbot, panel)
    fill_missed_bin(form)
    typed = form.values()
    panel.form.choose_request("new_bin")
    assert panel.form.request_form.request.code == "new_bin"
    panel.form.choose_request("missed_bin")
    assert panel.form.request_form.values() == typed


def test_every_widget_is_named_and_alt_letters_stay_unique_with_a_request(qtbot, panel, services, admin):
    from .test_serve import mnemonics

    ready_resident(services, admin)
    serve_with_missed_bin(qtbot, panel)
    assert unnamed_widgets(panel) == []
    letters = [letter for letter, _text in mnemonics(panel)]
    assert len(letters) == len(set(letters)), mnemonics(panel)


@pytest.mark.parametrize("scale", [1, 2])
def test_the_serve_panel_with_a_request_renders_to_png(qtbot, qapp, make_panel, services, admin, artifacts, scale,
                                                       request, tmp_path):
    use_text_size(qapp, request, scale)
    ready_resident(services, admin, consent=("waste_recycling", "council_tax"))
    panel = make_panel()
    panel.resize(1280 * scale, 800 * scale)
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Council Tax")
    panel.form.choose_request("council_tax_move")
    form = panel.form.request_form
    form.fields["move_date"].setText("01/12/2026")
    form.fields["new_address"].setPlainText("Flat 2, 5 Ștefan cel Mare Street")
    photo = tmp_path / "tenancy-agreement.png"
    photo.write_bytes(png())
    panel.attachments.add_files([photo])
    settle(qtbot, panel)
    QApplication.processEvents()
    backend = backend_of(request)
    for label in form.findChildren(QLabel):  # nothing cut off: a wrapped label gets the height it needs
        if label.isVisible() and label.wordWrap() and label.text():
            assert label.height() >= label.heightForWidth(label.width()) - 1, label.text()
    panel.scroller.ensureWidgetVisible(form.fields["move_date"])
    assert panel.grab().save(str(artifacts / f"serve-request-form-{scale}x-{backend}.png"))
    panel.scroller.verticalScrollBar().setValue(panel.scroller.verticalScrollBar().maximum())
    assert panel.grab().save(str(artifacts / f"serve-request-form-end-{scale}x-{backend}.png"))
    form.fields["move_type"].setCurrentIndex(1)
    form.fields["move_date"].setText("01/01/2020")
    assert panel.save() is None
    QApplication.processEvents()
    assert "Date of the move 01/01/2020 is too early" in panel.message.text()
    assert panel.grab().save(str(artifacts / f"serve-request-refused-{scale}x-{backend}.png"))
    form.fields["move_date"].setText("01/12/2026")
    form.fields["new_postcode"].setText("E1 6AN")
    form.fields["adults_at_new_address"].setValue(2)
    assert panel.save() is not None, panel.message.text()
    settle(qtbot, panel)
    QApplication.processEvents()
    assert panel.grab().save(str(artifacts / f"serve-request-saved-{scale}x-{backend}.png"))


def test_the_date_window_follows_the_desk_clock(qtbot, panel, services, admin):
    ready_resident(services, admin)
    form = serve_with_missed_bin(qtbot, panel)
    today = london_today(services.clock)
    field = form.fields["collection_date"]
    assert f"Allowed: {today - timedelta(days=14):%d/%m/%Y} to {today:%d/%m/%Y}." in field.accessibleDescription()
