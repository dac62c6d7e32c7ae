"""Case types an administrator sets up, on SQLite and PostgreSQL: the seeded five, adding,
editing, every refusal, and what a type in use protects."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from assisted_desk.casework.case_types import (
    MAX_EXPECTED,
    MAX_STATUSES,
    CaseStatus,
    CaseTypeRecord,
    ExpectedActivity,
    checked_type,
)
from assisted_desk.casework.models import Case
from assisted_desk.casework.records import CaseInput
from assisted_desk.casework.vocab import ActivityKind
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput

from ..conftest import make_actor

SEEDED = ["benefits", "complaint", "housing", "multiple_needs", "social_care"]


def repairs(**changes) -> CaseTypeRecord:
    base = CaseTypeRecord(
        id=None, code="housing_repairs", name="Housing repairs — Łódź tenants",
        statuses=(CaseStatus("new", "New"), CaseStatus("reported", "Reported to the landlord"),
                  CaseStatus("waiting", "Waiting on the landlord")),
        transitions={"new": ("reported",), "reported": ("waiting",), "waiting": ("reported",)},
        first_response_days=2, resolution_days=30,
        expected_activities=(ExpectedActivity(ActivityKind.CALL, "First call", 2),
                             ExpectedActivity(ActivityKind.LETTER, "Letter to the landlord", 10)),
    )
    return dataclasses.replace(base, **changes)


def audit_actions(services, record_type: str = "case_type") -> list[tuple[str, str, str]]:
    with services.db.unit_of_work() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                               .order_by(AuditEvent.id))
        return [(row.action, row.record_id, row.summary) for row in rows]


def open_a_case(services, actor, case_type_id: int) -> int:
    """A case of the type, open in the type's first status, owned by an advocate."""
    resident = services.residents.register(actor, ResidentInput(given_name="Łukasz", family_name="Nowak"))
    advocate = make_actor(services, actor, "advocate", Role.ADVOCATE)
    return services.cases.open_case(actor, CaseInput(resident.id, case_type_id, "Damp in the flat",
                                                     owner_id=advocate.staff_id)).id


def set_case_status(services, case_id: int, status: str) -> None:
    with services.db.unit_of_work() as session:
        session.get(Case, case_id).status = status


# ---- reading and saving --------------------------------------------------------------------------


def test_the_five_seeded_types(services, admin):
    types = services.case_types.list(admin)
    assert sorted(t.code for t in types) == SEEDED
    assert [t.name for t in types] == sorted(t.name for t in types)
    housing = next(t for t in types if t.code == "housing")
    assert housing.first_status == "new" and housing.label_of("closed") == "Closed"
    assert housing.first_response_days == 2 and housing.resolution_days == 20
    assert housing.next_statuses("new") == ("assessing", "in_progress")
    assert housing.expected_activities[0] == ExpectedActivity(ActivityKind.CALL, "First call to the resident", 2)
    assert services.case_types.get(admin, housing.id) == housing
    with pytest.raises(NotFound):
        services.case_types.get(admin, 999_999)


def test_adding_a_type_then_editing_its_targets(services, admin):
    added = services.case_types.save(admin, repairs(code=" Housing_Repairs "))
    assert added.id is not None and added.code == "housing_repairs" and added.active
    assert added.name == "Housing repairs — Łódź tenants"
    assert added.statuses[1] == CaseStatus("reported", "Reported to the landlord")
    assert added.next_statuses("new") == ("reported",)
    assert services.case_types.get(admin, added.id) == added
    assert "housing_repairs" in [t.code for t in services.case_types.list(admin)]

    changed = services.case_types.save(admin, dataclasses.replace(added, first_response_days=3,
                                                                  resolution_days=40))
    assert (changed.first_response_days, changed.resolution_days) == (3, 40)
    assert changed.version > added.version

    retired = services.case_types.save(admin, dataclasses.replace(changed, active=False))
    assert not retired.active
    assert "housing_repairs" not in [t.code for t in services.case_types.list(admin)]
    assert "housing_repairs" in [t.code for t in services.case_types.list(admin, include_retired=True)]
    back = services.case_types.save(admin, dataclasses.replace(retired, active=True))
    assert back.active

    assert audit_actions(services) == [
        ("case_type.added", str(added.id), "Housing repairs — Łódź tenants"),
        ("case_type.changed", str(added.id), "Housing repairs — Łódź tenants"),
        ("case_type.changed", str(added.id), "Housing repairs — Łódź tenants"),
        ("case_type.changed", str(added.id), "Housing repairs — Łódź tenants"),
    ]


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(services, admin):
    housing = next(t for t in services.case_types.list(admin) if t.code == "housing")
    services.case_types.save(admin, dataclasses.replace(housing, resolution_days=25))
    with pytest.raises(ConflictError) as refused:
        services.case_types.save(admin, dataclasses.replace(housing, first_response_days=1))
    assert "changed by admin" in refused.value.message
    now = services.case_types.get(admin, housing.id)
    assert (now.first_response_days, now.resolution_days) == (2, 25)


def test_a_code_another_type_has_is_refused(services, admin):
    with pytest.raises(ValidationError) as refused:
        services.case_types.save(admin, repairs(code="housing"))
    assert refused.value.field == "code" and "Another case type (Housing)" in refused.value.message
    benefits = next(t for t in services.case_types.list(admin) if t.code == "benefits")
    with pytest.raises(ValidationError):
        services.case_types.save(admin, dataclasses.replace(benefits, code="housing"))
    assert sorted(t.code for t in services.case_types.list(admin)) == SEEDED


def test_a_type_in_use_keeps_its_code_and_the_statuses_its_open_cases_are_in(services, admin):
    added = services.case_types.save(admin, repairs())
    case_id = open_a_case(services, admin, added.id)
    set_case_status(services, case_id, "reported")

    with pytest.raises(ValidationError) as refused:
        services.case_types.save(admin, dataclasses.replace(added, code="repairs"))
    assert refused.value.field == "code"

    without_reported = dataclasses.replace(
        added, statuses=(added.statuses[0], added.statuses[2]), transitions={"new": ("waiting",)})
    with pytest.raises(ValidationError) as refused:
        services.case_types.save(admin, without_reported)
    assert refused.value.field == "statuses" and "1 in 'reported'" in refused.value.message
    assert services.case_types.get(admin, added.id) == added

    # A status no open case is in may go; once the case is closed, so may the rest.
    without_waiting = dataclasses.replace(added, statuses=added.statuses[:2], transitions={"new": ("reported",)})
    kept = services.case_types.save(admin, without_waiting)
    assert [s.code for s in kept.statuses] == ["new", "reported"]
    set_case_status(services, case_id, "closed")
    trimmed = services.case_types.save(admin, dataclasses.replace(kept, statuses=kept.statuses[:1], transitions={}))
    assert [s.code for s in trimmed.statuses] == ["new"]


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.DESK, Role.MANAGER])
def test_only_administrators_set_up_types(services, admin, role):
    someone = make_actor(services, admin, "someone", role)
    housing = next(t for t in services.case_types.list(someone) if t.code == "housing")
    with pytest.raises(PermissionDenied):
        services.case_types.save(someone, repairs())
    with pytest.raises(PermissionDenied):
        services.case_types.save(someone, dataclasses.replace(housing, resolution_days=99))
    assert services.case_types.get(admin, housing.id) == housing
    assert audit_actions(services) == []


# ---- every refusal in checked_type ---------------------------------------------------------------

S = CaseStatus
E = ExpectedActivity
CALL = ActivityKind.CALL
MANY_STATUSES = tuple(S(f"step_{n}", f"Step {n}") for n in range(MAX_STATUSES + 1))
MANY_EXPECTED = tuple(E(CALL, f"Call {n}", 2) for n in range(MAX_EXPECTED + 1))

REFUSALS = [
    ("code", dict(code=""), "code is 2 to 40"),
    ("code", dict(code="h"), "code is 2 to 40"),
    ("code", dict(code="1st_type"), "starting with a letter"),
    ("code", dict(code="housing-repairs"), "underscores"),
    ("code", dict(code="a" * 41), "2 to 40"),
    ("name", dict(name="   "), "name is required"),
    ("name", dict(name="x" * 121), "at most 120"),
    ("name", dict(name="Housing\x07"), "control characters"),
    ("statuses", dict(statuses=(), transitions={}), "at least one status"),
    ("statuses", dict(statuses=MANY_STATUSES, transitions={}), f"at most {MAX_STATUSES} statuses"),
    ("statuses", dict(statuses=(S("New status", "New"),), transitions={}), "Status code 'New status'"),
    ("statuses", dict(statuses=(S("new", "New"), S("closed", "Closed")), transitions={}), "'closed' is not a status"),
    ("statuses", dict(statuses=(S("new", "New"), S("NEW", "New again")), transitions={}), "'new' is listed twice"),
    ("statuses", dict(statuses=(S("new", " "),), transitions={}), "label of status 'new' is required"),
    ("statuses", dict(statuses=(S("new", "x" * 61),), transitions={}), "at most 60"),
    ("transitions", dict(transitions={"nowhere": ("new",)}), "starts from 'nowhere'"),
    ("transitions", dict(transitions={"new": ("closed",)}), "goes to 'closed'"),
    ("transitions", dict(transitions={"new": ("new",)}), "to itself is not a move"),
    ("first_response_days", dict(first_response_days=0), "between 1 and 250"),
    ("first_response_days", dict(first_response_days="two"), "whole number"),
    ("first_response_days", dict(first_response_days=None), "whole number"),
    ("resolution_days", dict(resolution_days=251), "between 1 and 250"),
    ("first_response_days", dict(first_response_days=10, resolution_days=5), "longer than the resolution target"),
    ("expected_activities", dict(expected_activities=MANY_EXPECTED), f"At most {MAX_EXPECTED}"),
    ("expected_activities", dict(expected_activities=(E("phone", "Ring", 2),)), "Activity 'phone' is not one of"),
    ("expected_activities", dict(expected_activities=(E(ActivityKind.OPENED, "Open", 2),)),
     "An expected activity is one of"),
    ("expected_activities", dict(expected_activities=(E(CALL, "", 2),)), "description is required"),
    ("expected_activities", dict(expected_activities=(E(CALL, "Call", 0),)), "between 1 and 250"),
    ("expected_activities", dict(expected_activities=(E(CALL, "Call", 31),)), "after the case is due"),
]


@pytest.mark.parametrize("field, changes, words", REFUSALS, ids=[f"{r[0]}-{n}" for n, r in enumerate(REFUSALS)])
def test_checked_type_refuses(field, changes, words):
    with pytest.raises(ValidationError) as refused:
        checked_type(repairs(**changes))
    assert refused.value.field == field
    assert words in refused.value.message


def test_the_service_refuses_what_checked_type_refuses_and_writes_nothing(services, admin):
    for _field, changes, _words in REFUSALS[::4]:
        with pytest.raises(ValidationError):
            services.case_types.save(admin, repairs(**changes))
    assert sorted(t.code for t in services.case_types.list(admin, include_retired=True)) == SEEDED
    assert audit_actions(services) == []


def test_checked_type_tidies_what_it_accepts():
    cleaned = checked_type(repairs(
        code=" REPAIRS ", name="  Repairs ",
        statuses=(S(" New ", " New "), S("reported", "Reported")),
        transitions={"new": ("reported", "reported"), "reported": ()},
        first_response_days="2",
        expected_activities=(E("Letter", " Letter to the landlord ", 5),)))
    assert cleaned.code == "repairs" and cleaned.name == "Repairs"
    assert cleaned.statuses == (S("new", "New"), S("reported", "Reported"))
    assert cleaned.transitions == {"new": ("reported",)}
    assert cleaned.first_response_days == 2
    assert cleaned.expected_activities == (E(ActivityKind.LETTER, "Letter to the landlord", 5),)
