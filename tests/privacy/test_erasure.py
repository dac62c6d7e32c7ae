"""Erasure at a resident's request: personal details gone everywhere, every report's figures the
same, the record a stub that cannot be found, edited or merged; refusals say why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assisted_desk.casework.models import Case
from assisted_desk.core.db import Base
from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.desk.merge import RESIDENT_LINKS, STAYS_WITH_RECORD
from assisted_desk.desk.models import ResidentNameWord
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.equality import EqualityAnswers
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.desk.vocab import ConsentPurpose
from assisted_desk.desk.submission_models import Submission
from assisted_desk.privacy.erasure_rules import ERASED_NAME, ERASURE_RULES
from tests.conftest import make_actor
from tests.desk.contact_fixtures import register
from tests.desk.submission_fixtures import submit_missed_bin
from tests.privacy.erasure_world import PERSONAL, all_figures, erasable_world, every_text, row_counts
from tests.privacy.subject_access_world import build_world


def test_every_table_a_resident_reaches_has_an_erasure_rule():
    """A table registered as pointing at a resident, or hanging off one that does, must say what
    erasure does to it: a new table cannot be forgotten."""
    reached = {link.model.__tablename__ for link in RESIDENT_LINKS} | {key.split(".")[0] for key in STAYS_WITH_RECORD}
    assert "legal_hold" in reached
    grew = True
    while grew:  # rows hanging off rows that hang off a resident, to any depth
        grew = False
        for table in Base.metadata.sorted_tables:
            if table.name in reached or table.name.startswith("interaction_day"):
                continue  # the kept counts point at a site and a day, never a row
            if any(fk.column.table.name in reached for column in table.columns for fk in column.foreign_keys
                   if fk.column.table.name != "staff" and fk.column.table.name != "site"):
                if table.name not in {"case_type", "service_entry", "partner_service", "partner_organisation"}:
                    reached.add(table.name)
                    grew = True
    missing = sorted(reached - set(ERASURE_RULES))
    assert not missing, f"no erasure rule for {missing}: add one to privacy/erasure_rules.ERASURE_RULES"


def test_erasure_removes_the_person_and_keeps_every_report_figure(services, admin):
    world = erasable_world(services, admin)
    # A contact being typed for them at one desk, and for someone else at another.
    services.interactions.save_draft(admin, {"resident_id": world.resident_id, "notes": "Rang Łukasz about the damp"})
    drafter = make_actor(services, admin, "drafter", Role.DESK)
    services.interactions.save_draft(drafter, {"resident_id": world.other_id, "notes": "Zofia at the desk"})
    before = all_figures(services, admin)
    assert sum(v for v in before.values() if isinstance(v, int)) > 20  # the reports really count something
    texts = "\n".join(every_text(services))
    assert all(word in texts for word in ("Damp in the flat", "Worried about scams", "Rang Łukasz"))
    counts = row_counts(services)

    standing = services.erasure.standing(admin, world.contact_reference)
    assert standing.resident_id == world.resident_id and standing.refusal == ""
    result = services.erasure.erase(admin, world.resident_id, "Written request of 20/11/2026")
    assert set(result.erased_ids) == {world.resident_id, world.merged_id}
    assert result.described.startswith("2 files deleted, 1 case, 3 consents, 3 contacts, 1 request, 2 lines of "
                                       "request history, ")
    assert result.described.endswith(" and the name search entries") and "_" not in result.described

    assert all_figures(services, admin) == before
    left = "\n".join(every_text(services))
    assert [word for word in PERSONAL if word in left] == []
    assert "attachment_content rows=0" in left
    # Rows reports count stay; rows that only identify someone go.
    after = row_counts(services)
    for kept in ("interaction", "queue_ticket", "callback", "advocacy_case", "case_activity", "referral",
                 "referral_event", "skills_assessment", "skills_result_level", "print_record", "interaction_day",
                 "interaction_day_group", "resident_equality", "resident", "submission"):
        assert after[kept] == counts[kept], kept
    assert after["attachment"] == after["representative"] == 0
    with services.db.unit_of_work() as session:
        assert session.scalars(select(ResidentNameWord.resident_id).where(
            ResidentNameWord.resident_id.in_(result.erased_ids))).all() == []
    assert counts["attachment"] == 2 and counts["representative"] == 1

    # The other resident is untouched.
    assert "Zofia Other's private matter" in left and "other@example.org" in left
    record = services.residents.get(admin, world.resident_id)
    assert record.name == ERASED_NAME and record.date_of_birth is None and record.email == ""
    with services.db.unit_of_work() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.erased")).all()
        assert {a.record_id for a in audit} == {str(world.resident_id), str(world.merged_id)}
        assert all("Written request" in a.summary for a in audit)
        assert not any(word in a.summary for a in audit for word in PERSONAL)

    # Not findable (not even by a reference it was given), not editable, not mergeable, not erasable again.
    assert services.search.find(admin, world.contact_reference).matches == ()
    assert services.search.find(admin, "Erased record").matches == ()
    with pytest.raises(ValidationError, match="erased at the resident's request"):
        services.residents.update(admin, world.resident_id, ResidentInput(given_name="Back", family_name="Again"),
                                  record.version)
    other = services.residents.get(admin, world.other_id)
    with pytest.raises(ValidationError, match="erased"):
        services.residents.merge(admin, world.other_id, world.resident_id, expected_survivor_version=other.version,
                                 expected_merged_version=record.version)
    with pytest.raises(ValidationError, match="erased at the resident's request"):
        services.residents.record_equality(admin, world.resident_id, EqualityAnswers(sex="Male"), None)
    with pytest.raises(ValidationError, match="This record was erased on 23/11/2026 .* by admin"):
        services.erasure.erase(admin, world.resident_id, "again")
    assert services.erasure.standing(admin, str(world.resident_id)).erased

    # The draft about them went; the other desk's draft about someone else stays.
    assert services.interactions.load_draft(admin) is None
    assert services.interactions.load_draft(drafter).payload["notes"] == "Zofia at the desk"
    # Nothing new can be added to the stub, whoever knows its record number.
    contact = ContactInput(resident_id=world.resident_id, channel="face_to_face", service_code="council_tax",
                           help_type="information", outcome="resolved", notes="Came back")
    with pytest.raises(NotFound, match="erased at the resident's request"):
        services.interactions.log_interaction(admin, contact)
    with pytest.raises(NotFound, match="erased at the resident's request"):
        services.queue.issue_ticket(admin, resident_id=world.resident_id, reason="Council tax")
    with pytest.raises(NotFound, match="erased at the resident's request"):
        services.consent.record_consent(admin, world.resident_id, ConsentInput(
            ConsentPurpose.SHARE_WITH_PARTNER, "Good Things Foundation", "verbal"))


def test_erasure_is_refused_with_the_reason(services, admin):
    world = build_world(services, admin)  # an open case and a request waiting to be sent
    desk = world.desk
    with pytest.raises(PermissionDenied):
        services.erasure.erase(desk, world.resident_id, "asked")
    with pytest.raises(PermissionDenied):
        services.erasure.erase(world.manager, world.resident_id, "asked")
    with pytest.raises(ValidationError, match="Reason is required: say why the record is erased, e.g. 'Written"):
        services.erasure.erase(admin, world.resident_id, "  ")
    with pytest.raises(ValidationError, match=f"open advocacy case \\({world.case_reference}\\). Close the case"):
        services.erasure.erase(admin, world.resident_id, "asked")
    with pytest.raises(ValidationError, match=f"merged into record {world.resident_id}.*erase record "
                                              f"{world.resident_id} instead"):
        services.erasure.erase(admin, world.merged_id, "asked")

    services.erasure.place_legal_hold(world.manager, world.resident_id, "Tribunal claim 2026/114")
    with pytest.raises(ValidationError, match="legal hold placed by manager on 23/11/2026 .*: Tribunal claim "
                                              "2026/114. It cannot be erased until the hold is lifted"):
        services.erasure.erase(admin, world.resident_id, "asked")

    # A request waiting in the outbox would go out empty.
    someone = register(services, desk, "Ada", "Lovelace", born="10/12/1990", address_line1="1 Bow Road", town="London")
    services.consent.record_consent(desk, someone, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "waste_recycling",
                                                                "verbal"))
    receipt = submit_missed_bin(services, desk, someone)
    with pytest.raises(ValidationError, match=f"Request {receipt.submission_reference} is waiting to be sent"):
        services.erasure.erase(admin, someone, "asked")
    with services.db.unit_of_work() as session:
        assert session.scalar(select(Submission.fields_json).where(Submission.resident_id == someone)) != "{}"
        assert session.scalar(select(Case.summary).where(Case.reference == world.case_reference))

    with pytest.raises(NotFound, match="no resident with record number 99999"):
        services.erasure.standing(admin, "99999")
    with pytest.raises(ValidationError, match="neither a record number nor a reference"):
        services.erasure.standing(admin, "Smith")
    with pytest.raises(NotFound, match="No record has the reference AD-0000-00"):
        services.erasure.standing(admin, "ad-0000-00")
    standing = services.erasure.standing(admin, f"Record {world.resident_id}")
    assert standing.hold.placed_by == "manager" and standing.open_cases == (world.case_reference,)
    assert "legal hold" in standing.refusal
    coordinator = make_actor(services, admin, "coord2", Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.erasure.standing(coordinator, str(world.resident_id))


def test_erasure_waits_while_they_are_in_todays_queue_or_owed_a_callback(services, admin, clock):
    """Staff would otherwise call an "Erased record" to the desk, or ring nobody back."""
    from datetime import timedelta

    desk = make_actor(services, admin, "queuedesk", Role.DESK)
    rid = register(services, desk, "Ada", "Lovelace", born="10/12/1990")
    ticket = services.queue.issue_ticket(desk, resident_id=rid, reason="Council tax")
    with pytest.raises(ValidationError, match=f"Record {rid} is waiting in today's queue at .* \\(ticket "
                                              f"{ticket.number}\\): serve them or remove the ticket first"):
        services.erasure.erase(admin, rid, "Written request")
    assert "serve them or remove the ticket first" in services.erasure.standing(admin, str(rid)).refusal
    called = services.queue.call_ticket(desk, ticket.id)
    with pytest.raises(ValidationError, match="is waiting in today's queue"):  # called, not yet served
        services.erasure.erase(admin, rid, "Written request")
    services.queue.mark_no_show(desk, called.id)

    callback = services.callbacks.create(desk, reason="Blue badge", resident_id=rid, phone="020 7946 0123",
                                         due_by=clock.now() + timedelta(days=1))
    with pytest.raises(ValidationError, match=f"Record {rid} has an open callback due 24/11/2026 10:00: make it or "
                                              "cancel it first"):
        services.erasure.erase(admin, rid, "Written request")
    services.callbacks.cancel(desk, callback.id, "Resident came in instead")
    # A ticket left from another day is not in today's queue: it does not stand in the way.
    clock.advance(days=1)
    services.queue.issue_ticket(desk, resident_id=rid)
    clock.advance(days=1)
    assert services.erasure.erase(admin, rid, "Written request").resident_id == rid
