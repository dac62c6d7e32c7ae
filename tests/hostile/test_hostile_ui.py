"""A hostile name set into the resident dialog (never key-clicked: non-ASCII aborts Qt's test
keyboard) saves, shows back exactly on the Residents page, is found again by searching for it,
and a guide printed for that resident renders. An unstorable one is refused in the dialog,
keeping what was typed. SQLite only: the services tests cover both databases."""

from __future__ import annotations

import unicodedata

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import Role
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.printing.guide_pdf import render_guide
from assisted_desk.printing.guides import GuideLibrary
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.printing.personal import header_for
from assisted_desk.ui.residents import ResidentDialog, ResidentsPage

from ..conftest import make_actor
from .strings import NFD_E, RLO, ZWNJ

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

GIVEN = f"Ren{NFD_E}e-મ{ZWNJ}ી O'Brien"  # decomposed é, Gujarati with a joiner, an apostrophe
FAMILY = "محمد\u0651 Łukasz-Ștefan"
ADDRESS = f"<b>Flat 2</b>; DROP TABLE resident;-- {RLO}evil 👩‍👩‍👧‍👦"
NEEDS = "=cmd|' /C calc'!A0\n+SUM(1)\n\t=1 large print"


def shown(qtbot, widget, width=1100, height=720):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_hostile_name_saves_shows_back_is_found_and_prints(qtbot, services, admin, artifacts, tmp_path):
    desk = make_actor(services, admin, "desk", Role.DESK)
    dialog = shown(qtbot, ResidentDialog(services, desk), 700, 700)
    dialog.given_name.setText(GIVEN)
    dialog.family_name.setText(FAMILY)
    dialog.address_line1.setText(ADDRESS)
    dialog.accessibility_needs.setPlainText(NEEDS)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    record = services.residents.get(desk, saved.args[0])
    assert record.given_name == unicodedata.normalize("NFC", GIVEN) and record.family_name == FAMILY
    assert record.address_line1 == ADDRESS and record.accessibility_needs == NEEDS

    page = shown(qtbot, ResidentsPage(services, desk))
    page.show_resident(record.id)
    qtbot.waitUntil(lambda: page.record is not None and page.record.id == record.id, timeout=5000)
    assert page.details.heading.text() == record.name
    values = {key: label.text() for key, label in page.details.values.items()}
    assert ADDRESS in values["address"] and values["accessibility"] == NEEDS
    QApplication.processEvents()
    assert page.grab().save(str(artifacts / "hostile-resident-page.png"))

    found = services.search.find(desk, f"{GIVEN} {FAMILY}")
    assert record.id in [m.resident_id for m in found.matches]

    header = header_for(services, desk, record.id)
    result = render_guide(GuideLibrary().get("bins"), PrintFormat.LARGE_PRINT, tmp_path / "guide.pdf", header=header)
    assert result.pages >= 1 and len(PdfReader(result.path).pages) == result.pages
    (artifacts / "hostile-guide.pdf").write_bytes(result.path.read_bytes())


def test_an_unstorable_name_is_refused_in_the_dialog_keeping_what_was_typed(qtbot, services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    dialog = shown(qtbot, ResidentDialog(services, desk), 700, 700)
    dialog.given_name.setText("Anna")
    dialog.address_line1.setText("12 Mile End Road\x00")
    dialog.save_button.click()
    assert dialog.isVisible() and "control characters" in dialog.message.text()
    assert dialog.address_line1.text() == "12 Mile End Road\x00"


def test_markup_in_a_record_is_shown_as_typed_not_as_markup(qtbot, services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    record = services.residents.register(desk, ResidentInput(given_name="Anna", address_line1="<b>Flat 2</b>"),
                                         confirm_not_duplicate=True)
    page = shown(qtbot, ResidentsPage(services, desk))
    page.show_resident(record.id)
    qtbot.waitUntil(lambda: page.record is not None, timeout=5000)
    assert page.details.values["address"].textFormat() == Qt.TextFormat.PlainText
    assert page.details.heading.textFormat() == Qt.TextFormat.PlainText
