"""Hostile text in the free-text fields of the desk, casework, referrals and the partner
directory, on SQLite and PostgreSQL: every string is stored and read back exactly as the
documented cleaning leaves it (trimmed, NFC, line ends where documented), or refused with a
ValidationError naming the field. Never any other exception."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings

from assisted_desk.casework.records import CaseInput
from assisted_desk.core.errors import ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.inclusion.directory_input import OrganisationInput, ServiceInput

from ..conftest import make_actor
from .strings import all_strings, any_line_end, crlf, documented_clean, feed, hostile_text, storable


class World:
    """Staff in the roles the fields need, one resident, one case and one partner service."""

    def __init__(self, services, admin) -> None:
        self.services = services
        self.desk = make_actor(services, admin, "hostile.desk", Role.DESK)
        self.advocate = make_actor(services, admin, "hostile.advocate", Role.ADVOCATE)
        self.coordinator = make_actor(services, admin, "hostile.coordinator", Role.COORDINATOR)
        self.resident_id = services.residents.register(
            self.desk, ResidentInput(given_name="Łukasz", family_name="Żółć", phone="07400 123456"),
            confirm_not_duplicate=True).id
        case_type = next(t.id for t in services.case_types.list(self.advocate) if t.code == "housing")
        self.case_type = case_type
        self.case_id = services.cases.open_case(self.advocate, CaseInput(
            resident_id=self.resident_id, case_type_id=case_type, summary="Damp in the flat")).id
        org = services.partners.add_organisation(self.coordinator, OrganisationInput(name="Hostile Partner"))
        self.service_id = services.partners.add_service(self.coordinator, org.id, ServiceInput(
            name="Digital help", referral_email="referrals@example.org")).id


@pytest.fixture(scope="module")
def world(desk_services):
    services, admin = desk_services
    return World(services, admin)


def contact(world: World, notes: str) -> ContactInput:
    return ContactInput(resident_id=world.resident_id, channel="face_to_face", service_code="council_tax",
                        help_type="information", outcome="resolved", notes=notes)


def test_contact_notes(world):
    services = world.services

    def save(text):
        reference = services.interactions.log_interaction(world.desk, contact(world, text))
        with services.db.unit_of_work() as session:
            return find_reference(session, reference).record_id

    writes = feed(save, lambda i: services.interactions.get(world.desk, i).notes, field="notes",
                  max_length=20_000, convert=any_line_end, joiner="\n")
    assert writes >= 1


def test_queue_ticket_names_and_reasons(world):
    services = world.services

    def issue(**fields):
        return services.queue.issue_ticket(world.desk, **fields).id

    names = feed(lambda t: issue(visitor_name=t), lambda i: services.queue.get(world.desk, i).visitor_name,
                 field="visitor_name", max_length=120, joiner=" ")
    reasons = feed(lambda t: issue(reason=t), lambda i: services.queue.get(world.desk, i).reason,
                   field="reason", max_length=200, joiner=" ")
    assert names > 20 and reasons > 10  # short fields: many small batches


def test_callback_names_reasons_and_attempt_notes(world):
    services = world.services
    due = services.clock.now() + timedelta(hours=2)

    def create(**fields):
        values = dict(reason="Ring back about council tax", due_by=due, phone="07400 123456",
                      caller_name="Caller")
        values.update(fields)
        return services.callbacks.create(world.desk, **values).id

    feed(lambda t: create(caller_name=t), lambda i: services.callbacks.get(world.desk, i).caller_name,
         field="caller_name", max_length=120, joiner=" ")
    feed(lambda t: create(reason=t), lambda i: services.callbacks.get(world.desk, i).reason,
         field="reason", max_length=1000)
    callback_id = create()

    def attempt(text):
        services.callbacks.log_attempt(world.desk, callback_id, "no_answer", text)
        return callback_id

    feed(attempt, lambda i: services.callbacks.history(world.desk, i).attempts[-1].note, field="note",
         max_length=1000)


def test_case_summary_notes_and_tasks(world):
    services = world.services

    def open_case(text):
        return services.cases.open_case(world.advocate, CaseInput(
            resident_id=world.resident_id, case_type_id=world.case_type, summary=text)).id

    feed(open_case, lambda i: services.cases.get_case(world.advocate, i).summary, field="summary",
         max_length=500, strings=all_strings()[::2])

    def note(text):
        return services.cases.record_activity(world.advocate, world.case_id, "note", text).activities[-1].id

    def activity_text(activity_id):
        case = services.cases.get_case(world.advocate, world.case_id)
        return next(a.text for a in case.activities if a.id == activity_id)

    feed(note, activity_text, field="text", max_length=20_000)
    due = services.clock.now().date() + timedelta(days=7)

    def task(text):
        return services.cases.add_task(world.advocate, world.case_id, text, due).activities[-1].id

    feed(task, activity_text, field="task", max_length=500, joiner=" ")


def test_referral_need_and_update_notes(world):
    services = world.services

    def draft(text):
        return services.referrals.draft(world.coordinator, world.resident_id, world.service_id, need_text=text).id

    feed(draft, lambda i: services.referrals.get(world.coordinator, i).need_text, field="need_text",
         max_length=2000, convert=crlf)


def test_partner_directory_entries(world):
    services = world.services
    coordinator = world.coordinator
    feed(lambda t: services.partners.add_organisation(coordinator, OrganisationInput(name=t)).id,
         lambda i: services.partners.get_organisation(coordinator, i).name, field="name", max_length=200,
         joiner=" ")
    org_id = services.partners.add_organisation(coordinator, OrganisationInput(name="Notes Partner")).id

    def notes(text):
        record = services.partners.get_organisation(coordinator, org_id)
        services.partners.set_organisation_notes(coordinator, org_id, text, record.version)
        return org_id

    feed(notes, lambda i: services.partners.get_organisation(coordinator, i).local_notes, field="local_notes",
         max_length=4000, convert=any_line_end)
    feed(lambda t: services.partners.add_service(coordinator, org_id, ServiceInput(
        name="Help", description=t, referral_email="a@example.org")).id,
         lambda i: services.partners.get_service(coordinator, i).description, field="description",
         max_length=4000)


@settings(max_examples=25, deadline=None)
@given(notes=hostile_text, name=hostile_text, words=hostile_text)
def test_any_text_in_notes_names_and_directory_search(world, notes, name, words):
    services = world.services
    try:
        reference = services.interactions.log_interaction(world.desk, contact(world, notes))
    except ValidationError as refused:
        assert refused.field == "notes" and not storable(any_line_end(notes))
    else:
        with services.db.unit_of_work() as session:
            interaction_id = find_reference(session, reference).record_id
        assert services.interactions.get(world.desk, interaction_id).notes == documented_clean(any_line_end(notes))
    try:
        ticket = services.queue.issue_ticket(world.desk, visitor_name=name)
    except ValidationError as refused:
        assert refused.field == "visitor_name"
    else:
        assert services.queue.get(world.desk, ticket.id).visitor_name == documented_clean(name)
    for listing in (services.partners.list_organisations, services.partners.list_services):
        try:  # the directory's filter box refuses what it cannot search for, naming itself
            listing(world.coordinator, words)
        except ValidationError as refused:
            assert refused.field == "search"


def test_the_tests_feed_real_hostility():
    """The feeder is only as good as what it is fed: refused and kept strings both present."""
    strings = all_strings()
    assert len(strings) > 500
    assert sum(not storable(s) for s in strings) >= 30
