"""The desk targets: the RAG rule at its edges (pure), and saving them as shared settings on
SQLite and PostgreSQL (refusals, audit, damaged settings)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.reporting.model import Rag
from assisted_desk.reporting.targets import (SETTING_KEY, DeskTargets, Indicator, number_from_text, read_targets,
                                             save_targets)
from tests.conftest import make_actor

DEFAULTS = DeskTargets()


@pytest.mark.parametrize(("indicator", "value", "rag"), [
    (Indicator.FIRST_CONTACT, 80.0, Rag.GREEN),  # exactly on target
    (Indicator.FIRST_CONTACT, 100 * 4 / 5, Rag.GREEN),
    (Indicator.FIRST_CONTACT, 79.99, Rag.AMBER),
    (Indicator.FIRST_CONTACT, 75.0, Rag.AMBER),  # the margin's edge
    (Indicator.FIRST_CONTACT, 74.99, Rag.RED),
    (Indicator.RIGHT_FIRST_TIME, 79.0, Rag.GREEN),
    (Indicator.RIGHT_FIRST_TIME, 74.0, Rag.AMBER),
    (Indicator.RIGHT_FIRST_TIME, 73.9, Rag.RED),
    (Indicator.SATISFACTION, 89.0, Rag.GREEN),
    (Indicator.SATISFACTION, 100 * 89 / 100, Rag.GREEN),
    (Indicator.FIRST_RESPONSE, 98.0, Rag.GREEN),
    (Indicator.RESOLUTION, 93.0, Rag.AMBER),
    (Indicator.RESOLUTION, 92.9, Rag.RED),
    (Indicator.CALLBACKS_ON_TIME, 90.0, Rag.GREEN),
    (Indicator.CALLBACKS_ON_TIME, 84.9, Rag.RED),
    (Indicator.WAIT_AVERAGE, 5.0, Rag.GREEN),  # lower is better
    (Indicator.WAIT_AVERAGE, 0.0, Rag.GREEN),
    (Indicator.WAIT_AVERAGE, 5.1, Rag.AMBER),
    (Indicator.WAIT_AVERAGE, 6.0, Rag.AMBER),  # 20% over
    (Indicator.WAIT_AVERAGE, 6.01, Rag.RED),
    (Indicator.WAIT_P90, 6.0, Rag.AMBER),
    (Indicator.WAIT_P90, 7.5, Rag.RED),
])
def test_rag_edges(indicator, value, rag):
    assert DEFAULTS.rag(indicator, value) is rag


def test_no_figure_has_no_colour_and_margins_move_the_edges():
    assert DEFAULTS.rag(Indicator.FIRST_CONTACT, None) is None
    strict = DeskTargets(amber_margin_points=0, amber_wait_percent=0)
    assert strict.rag(Indicator.FIRST_CONTACT, 79.9) is Rag.RED
    assert strict.rag(Indicator.WAIT_AVERAGE, 5.01) is Rag.RED
    wide = DeskTargets(amber_margin_points=10, amber_wait_percent=50)
    assert wide.rag(Indicator.FIRST_CONTACT, 70) is Rag.AMBER
    assert wide.rag(Indicator.WAIT_AVERAGE, 7.5) is Rag.AMBER


def test_defaults():
    assert [DEFAULTS.target(i) for i in Indicator] == [80, 79, 5, 5, 90, 98, 98, 89]
    assert (DEFAULTS.amber_margin_points, DEFAULTS.amber_wait_percent) == (5, 20)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"first_contact": 101}, "first_contact", "percentage from 0 to 100"),
    ({"satisfaction": -1}, "satisfaction", "percentage from 0 to 100"),
    ({"wait_average": 0}, "wait_average", "between 1 and 120 minutes"),
    ({"wait_p90": 121}, "wait_p90", "between 1 and 120 minutes"),
    ({"amber_margin_points": 51}, "amber_margin_points", "0 to 50 percentage points"),
    ({"amber_wait_percent": -5}, "amber_wait_percent", "0% to 100%"),
    ({"resolution": float("nan")}, "resolution", "percentage"),
    ({"callbacks_on_time": True}, "callbacks_on_time", "percentage"),
])
def test_out_of_range_targets_are_refused(changes, field, words):
    with pytest.raises(ValidationError, match=words) as refused:
        DeskTargets(**changes).checked()
    assert refused.value.field == field


def test_numbers_as_typed():
    assert number_from_text(" 80 ", "first_contact", "a percentage") == 80
    assert number_from_text("97.5%", "first_contact", "a percentage") == 97.5
    assert number_from_text("97,5", "first_contact", "a percentage") == 97.5
    with pytest.raises(ValidationError, match="“eighty” is not a number: type a percentage") as refused:
        number_from_text("eighty", "first_contact", "a percentage")
    assert refused.value.field == "first_contact"
    with pytest.raises(ValidationError, match="“nothing” is not a number"):
        number_from_text("  ", "wait_p90", "minutes")


def test_save_and_read_back(services, admin):
    assert read_targets(services.settings) == DEFAULTS
    chosen = DeskTargets(first_contact=85, wait_p90=12, callbacks_on_time=95.5, amber_margin_points=2)
    assert save_targets(services.settings, admin, chosen) == chosen
    assert read_targets(services.settings) == chosen
    with services.db.unit_of_work() as session:
        summary, record_id = session.execute(select(AuditEvent.summary, AuditEvent.record_id).where(
            AuditEvent.action == "setting.changed").order_by(AuditEvent.id.desc())).first()
    assert record_id == SETTING_KEY
    assert "first_contact 80 -> 85" in summary and "callbacks_on_time 90 -> 95.5" in summary
    assert "satisfaction" not in summary  # unchanged targets are not listed


def test_save_refusals(services, admin):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    with pytest.raises(PermissionDenied):
        save_targets(services.settings, manager, DeskTargets(first_contact=85))
    with pytest.raises(ValidationError, match="between 1 and 120 minutes"):
        save_targets(services.settings, admin, DeskTargets(wait_average=200))
    assert read_targets(services.settings) == DEFAULTS


def test_a_damaged_setting_reads_as_the_defaults(services, admin):
    for stored in ("not json", "[1, 2]", json.dumps({"first_contact": 500}), json.dumps({"first_contact": "x"})):
        services.settings.write(admin, SETTING_KEY, stored, "test: damaged")
        assert read_targets(services.settings).first_contact == 80
    services.settings.write(admin, SETTING_KEY, json.dumps({"first_contact": 70, "unknown": 3}), "test: partial")
    assert read_targets(services.settings) == DeskTargets(first_contact=70)
