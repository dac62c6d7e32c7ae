"""How the Partners tab reads to a person, over real services on SQLite: opening times in words
(never RFC 5545 codes), "takes referrals" worded by whether the service came from a directory,
every column of the list within its width (at 1280 and 1100 pixels, at 1x and 2x text) so a
partner's responsiveness is never off to the side, and an import failure message shown whole."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from assisted_desk.inclusion.directory_records import ScheduleRecord, days_in_words
from assisted_desk.inclusion.referral_vocab import ReferralStatus
from assisted_desk.ui.inclusion.partners_models import PartnerColumn
from assisted_desk.ui.inclusion.partners_tab import ImportDialog, PartnersTab

from ..inclusion.partner_rows import add_organisation, add_points, add_service, place
from . import test_inclusion_referrals as referrals_ui
from .conftest import double_the_text
from .test_inclusion_referrals import GUJARATI, loaded, sent_referral
from .test_residents_ui import save_png, shown

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # every test but the first

coordinator, resident = referrals_ui.coordinator, referrals_ui.resident

TOOLTIP = Qt.ItemDataRole.ToolTipRole
LONG_OFFERS = ["foundation", "communicating", "handling_information", "transacting", "problem_solving", "being_safe"]


@pytest.fixture
def partners(services):
    """Four services with long names and what they teach: one hand-added running Tuesdays and
    Thursdays, one imported from a directory, one with our own "not now" on a hand-added one."""
    with services.db.unit_of_work() as session:
        add_points(session)
        hub = add_organisation(session, "Good Things Network — Eastfield Community Hub")
        arabic = add_organisation(session, "مركز المجتمع العربي Arabic Community Centre")
        imported = add_organisation(session, "Tower Hamlets Digital", source="https://directory.example.org/api",
                                    external_id="org-1")
        ids = {
            "Learn My Way drop-in": add_service(
                session, hub, "Learn My Way drop-in", skill_areas=LONG_OFFERS, offers=["confidence"],
                languages=["en", "pl", "bn", "gu"], referral_method="email", referral_email="hub@example.org",
                locations=[place("E1 6QL", "Eastfield Community Hub"), place("E2 8HD")],
                schedules=[{"byday": "TU,TH", "opens_at": "10:00", "closes_at": "12:30", "description": ""}]).id,
            f"{GUJARATI} and Łukasz's phone club for beginners": add_service(
                session, arabic, f"{GUJARATI} and Łukasz's phone club for beginners", skill_areas=LONG_OFFERS,
                languages=["ar", "en"], referral_method="phone", referral_phone="020 7946 0999",
                locations=[place("E1 6AN")]).id,
            "Digital drop-in": add_service(
                session, imported, "Digital drop-in", skill_areas=["transacting"], referral_method="email",
                referral_email="svc-1@example.org", source="https://directory.example.org/api",
                external_id="svc-1", locations=[place("E1 1BU")],
                schedules=[{"byday": "1TU", "opens_at": "18:00", "closes_at": "", "description": "term time"}]).id,
        }
    return ids


def tab_for(qtbot, services, actor, width: int, height: int = 720) -> PartnersTab:
    tab = shown(qtbot, PartnersTab(services, actor), width, height)
    tab.shown()
    loaded(qtbot, tab)
    return tab


def choose(tab, name: str) -> None:
    row = next(row for row in range(tab.model.rowCount()) if tab.model.service(row).name == name)
    tab.table.selectRow(tab.proxy.mapFromSource(tab.model.index(row, 0)).row())


def details_part(tab, heading: str) -> str:
    """The words under one heading of the chosen service, as plain text."""
    text = tab.details.text()
    start = text.index(f"<b>{heading}</b><br>") + len(f"<b>{heading}</b><br>")
    return text[start:text.index("</p>", start)]


# ---- opening times --------------------------------------------------------------------------------

def test_opening_times_in_words():
    assert ScheduleRecord("TU,TH", "10:00", "12:30", "").in_words() == "Tuesdays and Thursdays, 10:00 to 12:30"
    assert ScheduleRecord("FR,MO,WE", "09:30", "", "").in_words() == "Mondays, Wednesdays and Fridays, from 09:30"
    assert ScheduleRecord("MO,TU,WE,TH,FR", "", "17:00", "").in_words() == "Weekdays, until 17:00"
    assert ScheduleRecord("SA,SU", "", "", "bring ID").in_words() == "Weekends; bring ID"
    assert ScheduleRecord("1TU,-1FR", "18:00", "20:00", "").in_words() == \
        "The first Tuesday and the last Friday of the month, 18:00 to 20:00"
    assert ScheduleRecord("", "", "", "First Tuesday of the month").in_words() == "First Tuesday of the month"
    assert days_in_words("MO,TU,WE,TH,FR,SA,SU") == "Every day"
    assert days_in_words("tu, TU ,th") == "Tuesdays and Thursdays"  # as typed by hand, repeated
    assert days_in_words("XX") == "XX"  # never dropped, even when not understood
    assert days_in_words("") == ""


@SQLITE
def test_details_and_list_show_times_and_takes_referrals_in_words(qtbot, services, coordinator, partners):
    club = f"{GUJARATI} and Łukasz's phone club for beginners"
    tab = tab_for(qtbot, services, coordinator, 1280)
    choose(tab, "Learn My Way drop-in")
    assert details_part(tab, "When") == "Tuesdays and Thursdays, 10:00 to 12:30"
    assert "TU,TH" not in tab.details.text()
    row = tab.model.row_of(partners["Learn My Way drop-in"])
    where_tip = tab.model.index(row, PartnerColumn.WHERE).data(TOOLTIP)  # ToolTipRole
    assert "Tuesdays and Thursdays, 10:00 to 12:30" in where_tip and "Eastfield Community Hub" in where_tip

    choose(tab, "Digital drop-in")
    assert details_part(tab, "When") == "The first Tuesday of the month, from 18:00; term time"

    # Our own "not now" on a hand-added service: no directory to differ from, so none mentioned.
    record = services.partners.get_service(coordinator, partners[club])
    services.partners.set_service_capacity(coordinator, record.id, False, "full until January",
                                           expected_version=record.version)
    tab.reload(select_id=partners[club])
    loaded(qtbot, tab)
    assert details_part(tab, "Takes referrals now") == "No — full until January"
    assert "directory" not in tab.details.text().split("<b>Record</b>")[0]
    # The same on an imported one says what its directory says.
    record = services.partners.get_service(coordinator, partners["Digital drop-in"])
    services.partners.set_service_capacity(coordinator, record.id, False, expected_version=record.version)
    tab.reload(select_id=partners["Digital drop-in"])
    loaded(qtbot, tab)
    assert details_part(tab, "Takes referrals now") == "No (our setting; the directory says yes)"


# ---- the list fits ----------------------------------------------------------------------------------

MEASURES = (PartnerColumn.TAKES_REFERRALS, PartnerColumn.DAYS_TO_ACCEPT, PartnerColumn.ACCEPTED,
            PartnerColumn.ATTENDED)


def assert_every_column_within_the_list(tab) -> list[PartnerColumn]:
    """Every column shown is within the list (no sideways scrolling), the measures always among
    them with their headings and figures whole. Returns the columns left out."""
    QApplication.processEvents()
    table, header = tab.table, tab.table.horizontalHeader()
    width = table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    left_out = [column for column in PartnerColumn if table.isColumnHidden(column)]
    assert not set(left_out) & {*MEASURES, PartnerColumn.SERVICE}
    for column in set(PartnerColumn) - set(left_out):
        left = header.sectionViewportPosition(column)
        assert 0 <= left and left + header.sectionSize(column) <= width, (column.name, left, width)
    for column in (PartnerColumn.DAYS_TO_ACCEPT, PartnerColumn.ACCEPTED, PartnerColumn.ATTENDED):
        assert header.sectionSize(column) >= header.sectionSizeHint(column), column.name  # heading whole
        assert header.sectionSize(column) >= table.sizeHintForColumn(column), column.name  # figures whole
    texts = {PartnerColumn.ORGANISATION, PartnerColumn.OFFERS, PartnerColumn.LANGUAGES} - set(left_out)
    assert all(header.sectionSize(PartnerColumn.SERVICE) >= header.sectionSize(c) for c in texts)  # the name first
    return left_out


@SQLITE
@pytest.mark.parametrize("width", [1280, 1100])
def test_every_column_within_the_list(qtbot, services, coordinator, resident, partners, artifacts, width):
    referral_id = sent_referral(services, coordinator, resident, partners["Learn My Way drop-in"],
                                "Good Things Network — Eastfield Community Hub")
    version = services.referrals.get(coordinator, referral_id).version
    services.referrals.record_update(coordinator, referral_id, ReferralStatus.ACCEPTED, expected_version=version)
    tab = tab_for(qtbot, services, coordinator, width)
    choose(tab, "Learn My Way drop-in")
    assert tab.splitter.orientation() == Qt.Orientation.Horizontal  # the chosen one beside the list
    assert assert_every_column_within_the_list(tab) == []
    row = tab.model.row_of(partners["Learn My Way drop-in"])
    assert tab.model.index(row, PartnerColumn.ACCEPTED).data() == "100%"
    # Short headings, said in full in their tooltips; a cut "teaches and offers" is whole in its tooltip.
    model = tab.model
    assert model.headerData(PartnerColumn.DAYS_TO_ACCEPT, Qt.Orientation.Horizontal) == "Days"
    assert "Median days" in model.headerData(PartnerColumn.DAYS_TO_ACCEPT, Qt.Orientation.Horizontal, TOOLTIP)
    assert model.headerData(PartnerColumn.TAKES_REFERRALS, Qt.Orientation.Horizontal, TOOLTIP) == "Takes referrals now"
    offers = model.index(row, PartnerColumn.OFFERS)
    assert tab.table.fontMetrics().horizontalAdvance(offers.data()) > tab.table.columnWidth(PartnerColumn.OFFERS)
    assert offers.data(TOOLTIP) == offers.data()
    assert offers.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Teaches and offers: Foundation skills, Communicating")
    tab.resize(width - 180, 720)  # narrower still: the columns follow, the chosen one goes under the list
    assert_every_column_within_the_list(tab)
    tab.resize(width, 720)
    save_png(tab, artifacts, f"partners-fit-{width}.png")


@SQLITE
@pytest.mark.parametrize("width", [1280, 1100])
def test_every_column_within_the_list_at_double_text_size(qtbot, qapp, request, services, coordinator, partners,
                                                          artifacts, width):
    double_the_text(qapp, request)
    tab = tab_for(qtbot, services, coordinator, width, 760)
    choose(tab, "Learn My Way drop-in")
    left_out = assert_every_column_within_the_list(tab)
    assert tab.details_scroll.isVisible() and tab.details_scroll.height() >= 150
    # What a narrow list leaves out, the service's tooltip still says.
    tip = tab.model.index(tab.model.row_of(partners["Learn My Way drop-in"]), PartnerColumn.SERVICE).data(TOOLTIP)
    for words in ("Good Things Network — Eastfield Community Hub", "Languages: English, Polish", "Where: E1 6QL"):
        assert words in tip
    print(width, [c.name for c in left_out])
    save_png(tab, artifacts, f"partners-fit-{width}-2x.png")


# ---- the import failure is readable -------------------------------------------------------------------

def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@SQLITE
@pytest.mark.parametrize("big", [False, True], ids=["1x", "2x"])
def test_import_failure_message_shown_whole(qtbot, qapp, request, services, coordinator, artifacts, big):
    if big:
        double_the_text(qapp, request)
    tab = tab_for(qtbot, services, coordinator, 1100)
    tab.import_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, ImportDialog)
    qtbot.waitExposed(dialog)
    dialog.url.setText(f"http://127.0.0.1:{closed_port()}/")
    dialog.start_button.click()
    loaded(qtbot, dialog)
    QApplication.processEvents()
    assert dialog.message.isVisible() and dialog.summary is None
    assert "could not be reached" in dialog.message.text() and "Nothing was changed." in dialog.message.text()
    labels = [w for w in dialog.findChildren(QLabel) if w.isVisible() and w.wordWrap() and w.text()]
    assert dialog.message in labels and len(labels) >= 2  # the introduction too
    for label in labels:
        assert label.heightForWidth(label.width()) <= label.height(), label.text()
        bottom = label.mapTo(dialog, label.rect().bottomLeft()).y()
        assert bottom <= dialog.height(), label.text()
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height()
    # Still whole when the dialog is made narrower (more lines).
    dialog.resize(dialog.minimumWidth(), dialog.height())
    QApplication.processEvents()
    assert dialog.message.heightForWidth(dialog.message.width()) <= dialog.message.height()
    save_png(dialog, artifacts, f"partners-import-failed-{'2x' if big else '1x'}.png")
    dialog.close_button.click()
