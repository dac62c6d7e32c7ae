"""The attachments box: files read and checked as they are added, refusals explained in place,
opened with the system's viewer, removed; before a contact is saved and after."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import select

from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.attachment_models import Attachment, AttachmentContent
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.models import Interaction
from assisted_desk.ui.desk import attachments_box
from assisted_desk.ui.desk.attachments_box import AttachmentsBox
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import make_actor
from ..desk import attachment_files as files
from ..desk.contact_fixtures import audit_actions, contact, register


class Viewer(QObject):
    """Stands in for the system's viewer: Qt hands it every file URL opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []

    @Slot(QUrl)
    def show_file(self, url: QUrl) -> None:
        self.opened.append(Path(url.toLocalFile()))


@pytest.fixture
def viewer():
    handler = Viewer()
    QDesktopServices.setUrlHandler("file", handler, "show_file")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def make_box(qtbot, services, admin):
    def make(actor=None) -> AttachmentsBox:
        box = AttachmentsBox(services, actor or admin)
        qtbot.addWidget(box)
        box.resize(620, 330)
        box.show()
        qtbot.waitExposed(box)
        return box

    yield make
    wait_for_background_jobs()


@pytest.fixture
def box(make_box) -> AttachmentsBox:
    return make_box()


def settle(qtbot, box: AttachmentsBox) -> None:
    qtbot.waitUntil(lambda: not box.is_busy(), timeout=10_000)
    wait_for_background_jobs()
    QApplication.processEvents()


def photo(path: Path, colour: str = "teal") -> Path:
    """A real JPEG, as a phone or Qt writes it."""
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path), "JPEG")
    return path


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def rows(box: AttachmentsBox) -> list[list[str]]:
    proxy = box.proxy
    return [[proxy.index(r, c).data() for c in range(proxy.columnCount())] for r in range(proxy.rowCount())]


def select_name(box: AttachmentsBox, name: str) -> None:
    for r in range(box.proxy.rowCount()):
        if box.proxy.index(r, 0).data() == name:
            box.table.selectRow(r)
            return
    raise AssertionError(f"{name} is not listed: {rows(box)}")


@contextmanager
def answering_message_boxes(*buttons: QMessageBox.StandardButton):
    said: list[str] = []
    pending = list(buttons)
    answered: list[QMessageBox] = []

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if pending and isinstance(box, QMessageBox) and box.isVisible() and all(box is not b for b in answered):
            answered.append(box)
            said.append(box.text())
            box.button(pending.pop(0)).click()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(attempt)
    timer.start()
    try:
        yield said
    finally:
        timer.stop()
    assert not pending, f"expected {len(pending)} more message box(es); saw {said}"


def test_files_are_checked_as_they_are_added_and_refusals_named(qtbot, box, tmp_path, artifacts):
    good = [photo(tmp_path / "Łukasz – proof of address.jpg"), write(tmp_path / "محمد bill.pdf", files.pdf()),
            write(tmp_path / "પ્રિયા letter.png", files.png())]
    bad = [write(tmp_path / "form.pdf", files.EXE), write(tmp_path / "empty.pdf", b""),
           write(tmp_path / "cut.pdf", files.pdf()[:-40]), photo(tmp_path / "photo.pdf", "orange")]
    changes = []
    box.changed.connect(lambda: changes.append(1))
    box.add_files(good[:1] + bad[:2] + good[1:] + bad[2:])
    assert box.is_busy() and not box.add_button.isEnabled()
    settle(qtbot, box)
    assert [r[0] for r in rows(box)] == ["Łukasz – proof of address.jpg", "محمد bill.pdf", "પ્રિયા letter.png"]
    assert [r[1] for r in rows(box)] == ["JPEG photo", "PDF document", "PNG image"]
    assert rows(box)[1][2] == f"{len(files.pdf())} bytes"
    assert [(item.filename, item.data) for item in box.pending()] == [(p.name, p.read_bytes()) for p in good]
    said = [line.removeprefix("• ") for line in box.message.text().splitlines()]
    assert len(said) == 4 and box.message.isVisible() and box.message.property("kind") == "error"
    assert said[0].startswith("‘form.pdf’ is not a kind of file the desk accepts (it looks like a program)")
    assert said[1].startswith("‘empty.pdf’ is empty")
    assert said[2].startswith("‘cut.pdf’ looks cut short")
    assert said[3].startswith("‘photo.pdf’ is a JPEG photo, not a PDF document: rename it ‘photo.jpg’")
    assert changes == [1]
    box.resize(620, box.sizeHint().height() + 40)
    QApplication.processEvents()
    box.grab().save(str(artifacts / "attachments_box_refusals.png"))


def test_the_same_file_twice_and_a_file_over_the_limit(qtbot, box, services, admin, tmp_path):
    services.attachments.set_limit_mb(admin, 1)
    box.set_limit_hint(1)
    scan = write(tmp_path / "scan.pdf", files.pdf())
    copy = write(tmp_path / "scan copy.pdf", files.pdf())
    big = write(tmp_path / "big scan.pdf", files.pdf(size=1024 * 1024 + 1))
    box.add_files([scan])
    settle(qtbot, box)
    box.add_files([copy, big])
    settle(qtbot, box)
    assert [r[0] for r in rows(box)] == ["scan.pdf"]
    assert box.message.text().splitlines() == [
        "• ‘scan copy.pdf’ is already in the list (the same file as ‘scan.pdf’).",
        "• ‘big scan.pdf’ is just over 1 MB (1,048,577 bytes); the limit an administrator set is 1 MB. Make it smaller "
        "(scan at a lower resolution, or as several files) or ask an administrator."]
    assert "up to 1 MB each" in box.hint.text()


def test_pending_files_open_and_go_without_touching_the_database(qtbot, box, services, tmp_path, viewer):
    box.add_files([photo(tmp_path / "Ștefan.jpg"), write(tmp_path / "notes.png", files.png())])
    settle(qtbot, box)
    select_name(box, "Ștefan.jpg")
    box.open_button.click()
    [opened] = viewer.opened
    assert opened.name == "Ștefan.jpg" and opened.read_bytes() == (tmp_path / "Ștefan.jpg").read_bytes()
    assert opened.parent != tmp_path and oct(opened.parent.stat().st_mode & 0o777) == "0o700"
    box.remove_button.click()
    assert [r[0] for r in rows(box)] == ["notes.png"] and [i.filename for i in box.pending()] == ["notes.png"]
    assert "attachment.opened" not in [a[0] for a in audit_actions(services)]
    box.clear()
    assert rows(box) == [] and box.pending() == [] and not box.message.isVisible()


def test_the_table_and_buttons_work_from_the_keyboard(qtbot, box, tmp_path, viewer):
    box.add_files([write(tmp_path / "a.png", files.png()), write(tmp_path / "b.pdf", files.pdf())])
    settle(qtbot, box)
    box.table.setFocus()
    box.table.selectRow(0)
    qtbot.keyClick(box.table, Qt.Key.Key_Return)
    assert [p.name for p in viewer.opened] == ["a.png"]
    qtbot.keyClick(box.table, Qt.Key.Key_Delete)
    assert [r[0] for r in rows(box)] == ["b.pdf"]
    assert box.table.selectionModel().selectedRows()  # the next file is chosen, ready for another key
    order = []
    widget = box.table
    for _ in range(3):
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [box.add_button, box.remove_button, box.open_button]
    for widget in box.findChildren(QWidget):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            assert widget.accessibleName(), widget


def test_the_model_passes_the_model_tester(qtbot, box, tmp_path, qtmodeltester):
    qtmodeltester.check(box.model, force_py=True)  # empty
    box.add_files([write(tmp_path / "a.png", files.png()), write(tmp_path / "b.tif", files.tiff()),
                   write(tmp_path / "c.webp", files.WEBP)])
    settle(qtbot, box)
    qtmodeltester.check(box.model, force_py=True)
    qtmodeltester.check(box.proxy, force_py=True)
    box.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [r[0] for r in rows(box)] == ["b.tif", "a.png", "c.webp"]  # by size, as numbers


@pytest.fixture
def saved_contact(services, admin, tmp_path) -> int:
    resident = register(services, admin)
    reference = services.interactions.log_interaction(admin, contact(resident), attachments=[
        AttachmentInput("Łukasz passport.jpg", photo(tmp_path / "p.jpg").read_bytes()),
        AttachmentInput("bill.pdf", files.pdf())])
    with services.db.unit_of_work() as session:
        return session.scalar(select(Interaction.id).where(Interaction.reference == reference))


def test_saved_files_open_from_the_database_and_are_audited(qtbot, box, services, admin, saved_contact, viewer,
                                                            artifacts):
    box.show_saved(services.attachments.for_interaction(admin, saved_contact))
    assert [r[0] for r in rows(box)] == ["Łukasz passport.jpg", "bill.pdf"] and box.pending() == []
    assert not box.add_button.isEnabled()  # no contact to store more with
    select_name(box, "bill.pdf")
    box.open_button.click()
    settle(qtbot, box)
    [opened] = viewer.opened
    assert opened.read_bytes() == files.pdf() and opened.name == "bill.pdf"
    assert [a[0] for a in audit_actions(services, "attachment")].count("attachment.opened") == 1
    assert "Opened ‘bill.pdf’" in box.message.text()
    QApplication.processEvents()
    box.grab().save(str(artifacts / "attachments_box_saved.png"))


def test_saved_files_are_removed_after_asking(qtbot, box, services, admin, saved_contact):
    box.show_saved(services.attachments.for_interaction(admin, saved_contact), interaction_id=saved_contact)
    select_name(box, "bill.pdf")
    with answering_message_boxes(QMessageBox.StandardButton.No) as said:
        box.remove_button.click()
    assert "Remove ‘bill.pdf’?" in said[0] and len(rows(box)) == 2
    with answering_message_boxes(QMessageBox.StandardButton.Yes):
        box.remove_button.click()
    assert [r[0] for r in rows(box)] == ["Łukasz passport.jpg"]
    with services.db.unit_of_work() as session:
        removed = session.scalar(select(Attachment).where(Attachment.filename == "bill.pdf"))
        assert removed.removed_by == "admin" and session.get(AttachmentContent, removed.id) is None


def test_files_added_to_a_saved_contact_are_stored_at_once(qtbot, box, services, admin, saved_contact, tmp_path):
    box.show_saved(services.attachments.for_interaction(admin, saved_contact), interaction_id=saved_contact)
    assert box.add_button.isEnabled()
    box.add_files([write(tmp_path / "Ștefan.heic", files.heic()), write(tmp_path / "setup.png", files.EXE)])
    settle(qtbot, box)
    assert [r[0] for r in rows(box)] == ["Łukasz passport.jpg", "bill.pdf", "Ștefan.heic"]
    assert [a.filename for a in services.attachments.for_interaction(admin, saved_contact)] == [
        "Łukasz passport.jpg", "bill.pdf", "Ștefan.heic"]
    assert box.message.text().startswith("‘setup.png’ is not a kind of file")


def test_a_refusal_from_the_database_is_shown_in_place(qtbot, make_box, services, admin, saved_contact, monkeypatch):
    desk = make_actor(services, admin, "dana", Role.DESK)
    box = make_box(desk)
    box.show_saved(services.attachments.for_interaction(admin, saved_contact), interaction_id=saved_contact)
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.LOG_CONTACTS})
    select_name(box, "bill.pdf")
    with answering_message_boxes(QMessageBox.StandardButton.Yes):
        box.remove_button.click()
    assert "may not log contacts" in box.message.text() and len(rows(box)) == 2


def test_no_viewer_for_the_kind_says_where_the_copy_is(qtbot, box, tmp_path, monkeypatch):
    monkeypatch.setattr(attachments_box.QDesktopServices, "openUrl", lambda url: False)
    box.add_files([write(tmp_path / "IMG_0001.HEIC", files.heic())])
    settle(qtbot, box)
    box.table.selectRow(0)
    box.open_button.click()
    text = box.message.text()
    assert text.startswith("No program on this computer opens HEIC photo files. A copy is at ")
    assert Path(text.split("A copy is at ", 1)[1].rstrip(".")).read_bytes() == files.heic()


def test_add_file_asks_for_several_files_and_insert_does_the_same(qtbot, box, tmp_path, monkeypatch):
    chosen = [write(tmp_path / "a.png", files.png()), write(tmp_path / "b.pdf", files.pdf())]
    asked = []

    def choose(parent, title, folder, filters):
        asked.append((title, folder, filters))
        return [str(path) for path in chosen[len(asked) - 1:len(asked)]], ""

    monkeypatch.setattr(attachments_box.QFileDialog, "getOpenFileNames", choose)
    box.add_button.click()
    settle(qtbot, box)
    box.table.setFocus()
    qtbot.keyClick(box.table, Qt.Key.Key_Insert)
    settle(qtbot, box)
    assert [r[0] for r in rows(box)] == ["a.png", "b.pdf"]
    assert asked[0][0] == "Add files" and "*.pdf" in asked[0][2] and "*.heic" in asked[0][2]
    assert asked[1][1] == str(tmp_path)  # the next time starts where the last file was
    assert box.message.text() == "Added: b.pdf."


def test_read_only_opens_but_never_adds_or_removes_even_by_key(qtbot, box, services, admin, saved_contact,
                                                               tmp_path, viewer):
    box.show_saved(services.attachments.for_interaction(admin, saved_contact), interaction_id=saved_contact)
    box.set_read_only(True)
    assert box.add_button.isHidden() and box.remove_button.isHidden()
    select_name(box, "bill.pdf")
    box.table.setFocus()
    qtbot.keyClick(box.table, Qt.Key.Key_Delete)
    box.remove_selected()
    box.add_files([photo(tmp_path / "extra.png")])
    settle(qtbot, box)
    assert [r[0] for r in rows(box)] == ["Łukasz passport.jpg", "bill.pdf"]
    with services.db.unit_of_work() as session:
        assert all(a.removed_at is None for a in session.scalars(select(Attachment)))
        assert len(session.scalars(select(Attachment)).all()) == 2
    box.open_button.click()
    settle(qtbot, box)
    assert [p.name for p in viewer.opened] == ["bill.pdf"]
