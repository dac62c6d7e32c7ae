"""Merging two records of one person and undoing it, on SQLite and PostgreSQL: every linked row
moves, undo moves exactly those back, 30 days to undo, and who may do it."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk import merge as merge_module
from assisted_desk.desk.merge import RESIDENT_LINKS, STAYS_WITH_RECORD, unlinked_columns
from assisted_desk.desk.models import (
    Callback,
    Consent,
    Interaction,
    QueueTicket,
    RecordReference,
    Representative,
    Resident,
    ResidentMerge,
    ResidentNameWord,
    ServiceEntry,
)
from assisted_desk.desk.residents import EqualityAnswers, ResidentInput

from ..conftest import make_actor

_ticket_numbers = itertools.count(1)
LINKED = (Interaction, Consent, Representative, QueueTicket, Callback, RecordReference)


@pytest.fixture
def advocate(services, admin):
    return make_actor(services, admin, "advocate", Role.ADVOCATE)


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


def register(services, actor, given, family, born="14/03/1985"):
    return services.residents.register(actor, ResidentInput(given_name=given, family_name=family, date_of_birth=born),
                                       confirm_not_duplicate=True)


def add_history(services, resident_id: int, site_id: int, tag: str, contact_at: datetime) -> dict[str, list]:
    """One row in every table that points at a resident; returns their keys by table."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        if session.get(ServiceEntry, "test_service") is None:
            session.add(ServiceEntry(code="test_service", name="Test service", active=True, position=0,
                                     updated_at=now, updated_by="test"))
            session.flush()
        representative = Representative(resident_id=resident_id, name=f"Rep {tag}", relationship="family",
                                        created_at=now, created_by="t", updated_at=now, updated_by="t")
        session.add(representative)
        session.flush()
        ticket = QueueTicket(site_id=site_id, day=date(2026, 11, 23), number=next(_ticket_numbers),
                             resident_id=resident_id, status="done", arrived_at=now, updated_at=now, updated_by="t")
        session.add(ticket)
        session.flush()
        interaction = Interaction(reference=f"AD-{tag[:4].upper():0<4}-01", resident_id=resident_id,
                                  representative_id=representative.id, site_id=site_id, queue_ticket_id=ticket.id,
                                  occurred_at=contact_at, channel="phone", service_code="test_service",
                                  help_type="information", outcome="resolved", created_at=now, updated_at=now,
                                  updated_by="t")
        consent = Consent(resident_id=resident_id, purpose="contact", scope="phone", method="verbal",
                          representative_id=representative.id, given_at=now, created_at=now, updated_at=now,
                          updated_by="t")
        callback = Callback(site_id=site_id, resident_id=resident_id, phone="+447911123456", reason="call back",
                            due_by=now, status="open", created_at=now, created_by="t", updated_at=now,
                            updated_by="t")
        session.add_all([interaction, consent, callback])
        session.flush()
        reference = RecordReference(reference=interaction.reference, record_type="interaction",
                                    record_id=interaction.id, resident_id=resident_id, created_at=now)
        session.add(reference)
        session.get(Resident, resident_id).last_contact_at = contact_at
        return {"interaction": [interaction.id], "consent": [consent.id], "representative": [representative.id],
                "queue_ticket": [ticket.id], "callback": [callback.id], "record_reference": [reference.reference]}


def owners(services, resident_id: int) -> dict[str, list]:
    """The keys of every linked row that now belongs to `resident_id`, by table."""
    found = {}
    with services.db.unit_of_work() as session:
        for model in LINKED:
            key = RecordReference.reference if model is RecordReference else model.id
            found[model.__tablename__] = sorted(session.scalars(select(key).where(model.resident_id == resident_id)))
    return found


def name_words(services, resident_id: int) -> set[str]:
    with services.db.unit_of_work() as session:
        return set(session.scalars(select(ResidentNameWord.word).where(ResidentNameWord.resident_id == resident_id)))


def actions(services, admin, resident_id: int) -> list[str]:
    entries = services.audit.browse(admin, AuditFilter(record_type="resident", record_id=str(resident_id))).entries
    return [e.action for e in entries]


EARLY = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
LATE = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)


@pytest.fixture
def pair(services, desk, admin):
    """Two records of one person, each with a full history; the merged one has the later contact."""
    keep = register(services, desk, "Anna", "Kowalska")
    dupe = register(services, desk, "Ana", "Kowalska")
    keep_rows = add_history(services, keep.id, desk.site_id, "keep", EARLY)
    dupe_rows = add_history(services, dupe.id, desk.site_id, "dupe", LATE)
    services.residents.record_equality(admin, dupe.id, EqualityAnswers(sex="Female"), None)
    return (services.residents.get(desk, keep.id), services.residents.get(desk, dupe.id), keep_rows, dupe_rows)


def merge(services, actor, keep, dupe):
    return services.residents.merge(actor, keep.id, dupe.id, expected_survivor_version=keep.version,
                                    expected_merged_version=dupe.version)


def test_every_table_pointing_at_a_resident_is_moved_or_stays_on_purpose():
    assert unlinked_columns() == []
    keys = {link.key for link in RESIDENT_LINKS}
    assert {"interaction.resident_id", "consent.resident_id", "representative.resident_id",
            "queue_ticket.resident_id", "callback.resident_id", "record_reference.resident_id",
            "resident_equality.resident_id"} <= keys
    assert not keys & STAYS_WITH_RECORD


def test_a_forgotten_table_stops_the_merge_rather_than_lose_history(services, advocate, pair, monkeypatch):
    keep, dupe, _keep_rows, dupe_rows = pair
    monkeypatch.setattr(merge_module, "RESIDENT_LINKS",
                        [link for link in RESIDENT_LINKS if link.model is not Interaction])
    assert unlinked_columns() == ["interaction.resident_id"]
    with pytest.raises(RuntimeError, match="interaction.resident_id"):
        merge(services, advocate, keep, dupe)
    assert owners(services, dupe.id) == dupe_rows  # nothing moved


def test_merge_moves_the_whole_history_to_the_survivor(services, advocate, desk, admin, pair):
    keep, dupe, keep_rows, dupe_rows = pair
    record = merge(services, advocate, keep, dupe)

    assert owners(services, dupe.id) == {table: [] for table in dupe_rows}
    assert owners(services, keep.id) == {table: sorted(keep_rows[table] + dupe_rows[table]) for table in keep_rows}
    # The survivor had no equality answers: the merged record's move with the history.
    assert services.residents.get_equality(admin, keep.id).answers.sex == "Female"
    assert services.residents.get_equality(admin, dupe.id).version is None

    survivor, merged = services.residents.get(desk, keep.id), services.residents.get(desk, dupe.id)
    assert merged.merged_into_id == keep.id and survivor.merged_into_id is None
    assert survivor.last_contact_at == LATE
    assert survivor.version == keep.version + 1 and merged.version == dupe.version + 1
    assert name_words(services, dupe.id) == set() and name_words(services, keep.id) == {"anna", "kowalska"}

    assert (record.survivor_id, record.merged_id, record.merged_by) == (keep.id, dupe.id, "advocate")
    assert (record.survivor_name, record.merged_name) == ("Anna Kowalska", "Ana Kowalska")
    assert record.can_undo and record.undo_until == services.clock.now() + timedelta(days=30)
    with services.db.unit_of_work() as session:
        moved = json.loads(session.get(ResidentMerge, record.id).moved)["rows"]
    assert moved == {f"{table}.resident_id": ids for table, ids in dupe_rows.items()} | {
        "resident_equality.resident_id": [keep.id]}
    assert "resident.merged" in actions(services, admin, keep.id)
    assert "resident.merged_away" in actions(services, admin, dupe.id)
    entry = services.audit.browse(admin, AuditFilter(action="resident.merged", record_id=str(keep.id))).entries[0]
    assert f"record {dupe.id} merged into this one" in entry.summary and "1 interaction" in entry.summary


def test_the_survivors_own_equality_answers_are_kept(services, advocate, admin, pair):
    keep, dupe, _k, _d = pair
    services.residents.record_equality(admin, keep.id, EqualityAnswers(age_band="35-44"), None)
    record = merge(services, advocate, keep, dupe)
    assert services.residents.get_equality(admin, keep.id).answers == EqualityAnswers(age_band="35-44")
    assert services.residents.get_equality(admin, dupe.id).answers == EqualityAnswers(sex="Female")
    services.residents.undo_merge(advocate, record.id)
    assert services.residents.get_equality(admin, keep.id).answers == EqualityAnswers(age_band="35-44")
    assert services.residents.get_equality(admin, dupe.id).answers == EqualityAnswers(sex="Female")


def test_undo_moves_back_exactly_what_moved(services, advocate, desk, admin, pair):
    keep, dupe, keep_rows, dupe_rows = pair
    record = merge(services, advocate, keep, dupe)
    # After the merge the survivor gets a new contact; it must stay with the survivor.
    later = add_history(services, keep.id, desk.site_id, "after", LATE + timedelta(days=2))

    undone = services.residents.undo_merge(advocate, record.id)
    assert undone.undone_by == "advocate" and undone.undone_at == services.clock.now() and not undone.can_undo
    assert owners(services, dupe.id) == dupe_rows
    assert owners(services, keep.id) == {t: sorted(keep_rows[t] + later[t]) for t in keep_rows}
    assert services.residents.get_equality(admin, dupe.id).answers.sex == "Female"
    assert services.residents.get_equality(admin, keep.id).version is None
    merged = services.residents.get(desk, dupe.id)
    assert merged.merged_into_id is None and merged.last_contact_at == LATE
    assert name_words(services, dupe.id) == {"ana", "kowalska"}
    # The survivor's last contact is its own newest, not the one it borrowed.
    assert services.residents.get(desk, keep.id).last_contact_at == LATE + timedelta(days=2)
    assert actions(services, admin, keep.id).count("resident.merge_undone") == 1
    assert actions(services, admin, dupe.id).count("resident.merge_undone") == 1


def test_undo_restores_the_survivors_last_contact_when_nothing_happened_since(services, advocate, desk, pair):
    keep, dupe, _k, _d = pair
    record = merge(services, advocate, keep, dupe)
    services.residents.undo_merge(advocate, record.id)
    assert services.residents.get(desk, keep.id).last_contact_at == EARLY


def test_undo_is_possible_for_30_days_and_not_after(services, advocate, pair, clock):
    keep, dupe, _k, _d = pair
    record = merge(services, advocate, keep, dupe)
    clock.advance(days=30)
    assert services.residents.merge_record(advocate, record.id).can_undo
    clock.advance(minutes=1)
    assert not services.residents.merge_record(advocate, record.id).can_undo
    with pytest.raises(ValidationError) as refused:
        services.residents.undo_merge(advocate, record.id)
    assert "can be undone for 30 days" in refused.value.message
    assert "23/11/2026 10:00" in refused.value.message and "23/12/2026 10:00" in refused.value.message
    assert services.residents.get(advocate, dupe.id).merged_into_id == keep.id


def test_undo_exactly_at_30_days_still_works(services, advocate, pair, clock):
    keep, dupe, _k, dupe_rows = pair
    record = merge(services, advocate, keep, dupe)
    clock.advance(days=30)
    services.residents.undo_merge(advocate, record.id)
    assert owners(services, dupe.id) == dupe_rows


def test_an_undone_merge_cannot_be_undone_again(services, advocate, pair):
    keep, dupe, _k, _d = pair
    record = merge(services, advocate, keep, dupe)
    services.residents.undo_merge(advocate, record.id)
    with pytest.raises(ValidationError, match="already undone on 23/11/2026 10:00 by advocate"):
        services.residents.undo_merge(advocate, record.id)
    with pytest.raises(NotFound):
        services.residents.undo_merge(advocate, record.id + 100)


def test_an_undone_pair_can_be_merged_again(services, advocate, desk, pair):
    keep, dupe, keep_rows, dupe_rows = pair
    record = merge(services, advocate, keep, dupe)
    services.residents.undo_merge(advocate, record.id)
    again = merge(services, advocate, services.residents.get(desk, keep.id), services.residents.get(desk, dupe.id))
    assert again.id != record.id
    assert owners(services, keep.id) == {t: sorted(keep_rows[t] + dupe_rows[t]) for t in keep_rows}


def test_merging_into_itself_a_merged_record_or_a_chain_is_refused(services, advocate, desk, pair):
    keep, dupe, _k, _d = pair
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        services.residents.merge(advocate, keep.id, keep.id, expected_survivor_version=keep.version,
                                 expected_merged_version=keep.version)
    merge(services, advocate, keep, dupe)
    third = register(services, desk, "Anna", "Kowalski")
    dupe_now = services.residents.get(desk, dupe.id)
    keep_now = services.residents.get(desk, keep.id)
    with pytest.raises(ValidationError, match="was itself merged into record") as into_merged:
        merge(services, advocate, dupe_now, third)
    assert into_merged.value.field == "survivor"
    with pytest.raises(ValidationError, match="was already merged into record"):
        merge(services, advocate, third, dupe_now)
    with pytest.raises(ValidationError, match="must be the record kept") as chain:
        merge(services, advocate, third, keep_now)  # keep absorbed dupe: a chain
    assert chain.value.field == "merged"
    # The other way round is fine: the third record joins the survivor.
    merge(services, advocate, keep_now, third)
    assert services.residents.get(desk, third.id).merged_into_id == keep.id


def test_a_merge_from_stale_records_is_refused(services, advocate, desk, pair):
    keep, dupe, _k, dupe_rows = pair
    services.residents.update(desk, dupe.id, ResidentInput(given_name="Ana", family_name="Kowalska",
                                                           phone="07911 123456"), dupe.version)
    with pytest.raises(ConflictError, match="changed by desk"):
        merge(services, advocate, keep, dupe)
    assert owners(services, dupe.id) == dupe_rows
    with pytest.raises(NotFound):
        services.residents.merge(advocate, keep.id, 9999, expected_survivor_version=keep.version,
                                 expected_merged_version=1)


def test_a_merged_record_cannot_be_edited(services, advocate, desk, pair):
    keep, dupe, _k, _d = pair
    merge(services, advocate, keep, dupe)
    merged = services.residents.get(desk, dupe.id)
    with pytest.raises(ValidationError, match=f"merged into record {keep.id}"):
        services.residents.update(desk, dupe.id, merged.as_input(), merged.version)


def test_desk_staff_may_not_merge_or_undo(services, desk, advocate, pair):
    keep, dupe, _k, dupe_rows = pair
    with pytest.raises(PermissionDenied, match="may not merge residents"):
        merge(services, desk, keep, dupe)
    assert owners(services, dupe.id) == dupe_rows
    record = merge(services, advocate, keep, dupe)
    with pytest.raises(PermissionDenied):
        services.residents.undo_merge(desk, record.id)
    with pytest.raises(PermissionDenied):
        services.residents.recent_merges(desk)
    assert services.residents.get(desk, dupe.id).merged_into_id == keep.id


def test_recent_merges_lists_the_last_30_days_newest_first(services, advocate, admin, desk, pair, clock):
    keep, dupe, _k, _d = pair
    old = merge(services, advocate, keep, dupe)
    clock.advance(days=20)
    other_keep, other_dupe = register(services, desk, "Tom", "Reed"), register(services, desk, "Tomm", "Reed")
    newer = merge(services, admin, other_keep, other_dupe)
    listed = services.residents.recent_merges(advocate)
    assert [m.id for m in listed] == [newer.id, old.id]
    assert all(m.can_undo for m in listed)
    assert listed[1].moved_text.startswith("1 interaction")
    clock.advance(days=15)
    assert [m.id for m in services.residents.recent_merges(advocate)] == [newer.id]
