"""Losing the database mid-shift, on the real PostgreSQL server behind a line that is cut and
restored: the desk says so, what was typed is kept, it keeps trying, and it carries on when the
line comes back, without a restart and without saving anything twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.errors import EnvironmentFault
from assisted_desk.desk.models import Resident
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.ui.main_window import CONNECTION_CHECK_MS, RECONNECT_CHECK_MS, MainWindow
from assisted_desk.ui.workers import wait_for_background_jobs

from ..cuttable_proxy import CuttableProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def line(services, database_url):
    proxy = CuttableProxy(parse_database_url(database_url).port)
    yield proxy
    proxy.close()


@pytest.fixture
def desk(services, database_url, line, clock, hashing, tmp_path):
    """This desk's own services, reaching the database only through the line."""
    from assisted_desk.services import open_services

    url = parse_database_url(database_url).set(port=line.port)
    built = open_services(Paths.for_home(tmp_path / "desk"), url, clock=clock, hashing=hashing, migrate=False)
    yield built
    built.close()


def residents_named(services, family: str) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Resident).where(Resident.family_name == family))


def test_a_save_while_the_line_is_down_is_refused_plainly_then_succeeds_once_it_returns(services, desk, line, admin):
    before = desk.residents.register(admin, ResidentInput(given_name="Ana", family_name="Before"),
                                     confirm_not_duplicate=True)
    typed = ResidentInput(given_name="Łukasz", family_name="Żółć", postcode="E1 6AN", phone="07400 123456")
    line.cut()
    with pytest.raises(EnvironmentFault) as fault:
        desk.residents.register(admin, typed, confirm_not_duplicate=True)
    assert "cannot be reached" in str(fault.value) and "try again" in str(fault.value)
    with pytest.raises(EnvironmentFault):
        desk.search.find(admin, "Ana Before")
    assert residents_named(services, "Żółć") == 0  # nothing half-saved
    line.restore()
    # The same desk carries on: the broken connections are replaced, the same input saves once.
    saved = desk.residents.register(admin, typed, confirm_not_duplicate=True)
    assert (saved.given_name, saved.postcode) == ("Łukasz", "E1 6AN")
    assert residents_named(services, "Żółć") == 1
    assert desk.residents.get(admin, before.id).family_name == "Before"


def test_the_main_window_says_the_database_is_out_of_reach_keeps_trying_and_says_when_it_is_back(
        qtbot, desk, line, admin):
    window = MainWindow(desk, admin)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.connection_label.text() == "Connected", timeout=15_000)
        line.cut()
        window.check_connection()
        qtbot.waitUntil(lambda: window.connection_label.text().startswith("Not connected since"), timeout=15_000)
        said = window.connection_label.text()
        assert "cannot be reached" in said and "what you type stays in its form" in said
        assert window._connection_timer.interval() == RECONNECT_CHECK_MS  # tries again sooner
        line.restore()
        window.check_connection()
        qtbot.waitUntil(lambda: window.connection_label.text().startswith("Connected again at"), timeout=15_000)
        assert window._connection_timer.interval() == CONNECTION_CHECK_MS
    finally:
        window.handing_over = True
        window.close()
        wait_for_background_jobs()
