"""Legal holds: placed and lifted by administrators and service managers, audited, following the
person through a merge; one at a time; erasure and retention refuse while one is in place."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from tests.conftest import make_actor
from tests.desk.contact_fixtures import register


def test_placing_and_lifting_a_hold(services, admin, clock):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    rid = register(services, desk)
    duplicate = register(services, desk, "Lukasz", "Zolc")
    with pytest.raises(PermissionDenied):
        services.erasure.place_legal_hold(desk, rid, "Claim")
    with pytest.raises(ValidationError, match="Reason is required"):
        services.erasure.place_legal_hold(manager, rid, " ")
    with pytest.raises(NotFound):
        services.erasure.place_legal_hold(manager, 9999, "Claim")
    with pytest.raises(ValidationError, match="no legal hold in place"):
        services.erasure.lift_legal_hold(manager, rid)

    hold = services.erasure.place_legal_hold(manager, duplicate, "County court claim K00EC123")
    with pytest.raises(ConflictError, match="already under a legal hold, placed by manager on 23/11/2026 10:00: "
                                            "County court claim K00EC123"):
        services.erasure.place_legal_hold(admin, duplicate, "Another")
    # A merge takes the hold to the record kept: the person is still held.
    survivor, merged = services.residents.get(admin, rid), services.residents.get(admin, duplicate)
    services.residents.merge(admin, rid, duplicate, expected_survivor_version=survivor.version,
                             expected_merged_version=merged.version)
    standing = services.erasure.standing(manager, str(rid))
    assert standing.hold.id == hold.id and "legal hold placed by manager" in standing.refusal
    # The resident is told of it when they ask for what is held about them.
    [told] = services.subject_access.export(manager, rid).data["legal_holds"]
    assert (told["reason"], told["placed_by"]) == ("County court claim K00EC123", "manager")
    with pytest.raises(ValidationError, match="merged into record"):
        services.erasure.place_legal_hold(manager, duplicate, "Claim")

    clock.advance(days=30)
    lifted = services.erasure.lift_legal_hold(manager, rid)
    assert lifted.lifted_by == "manager" and lifted.lifted_at == clock.now()
    assert services.erasure.standing(admin, str(rid)).refusal == ""
    assert [h.id for h in services.erasure.legal_holds(manager, rid)] == [hold.id]
    with services.db.unit_of_work() as session:
        audit = session.execute(select(AuditEvent.action, AuditEvent.record_id, AuditEvent.summary).where(
            AuditEvent.action.like("resident.legal_hold%")).order_by(AuditEvent.id)).all()
    assert [(a, r) for a, r, _s in audit] == [("resident.legal_hold_placed", str(duplicate)),
                                              ("resident.legal_hold_lifted", str(rid))]
    assert "County court claim K00EC123" in audit[0][2]

    services.erasure.erase(admin, rid, "Asked in writing")
    with pytest.raises(ValidationError, match="was erased on .* nothing left to hold"):
        services.erasure.place_legal_hold(manager, rid, "Too late")
