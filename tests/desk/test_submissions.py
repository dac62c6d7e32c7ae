"""Requests made on a resident's behalf: written to the outbox with the contact, in one
transaction, checked against their declaration, followed, cancelled, on the timeline."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from assisted_desk.core.errors import ConflictError, ValidationError
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.attachment_models import Attachment
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.consent import AuthorityMissing
from assisted_desk.desk.models import Interaction, RecordReference
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.submission_models import Submission, SubmissionEvent
from assisted_desk.desk.submissions import RequestInput, SubmissionFilter
from assisted_desk.desk.vocab import HelpType, SubmissionEventKind, SubmissionState

from ..conftest import make_actor
from .contact_fixtures import audit_actions, contact
from .request_fixtures import missed_bin, on_behalf, ready_resident, submit_missed_bin

def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


PNG = _png()


def count(services, model) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_request_is_queued_with_its_contact_and_returns_at_once(services, admin, clock):
    resident = ready_resident(services, admin)
    receipt = submit_missed_bin(services, admin, resident)
    assert receipt.interaction_reference.startswith("AD-") and receipt.submission_reference.startswith("RQ-")
    with services.db.unit_of_work() as session:
        row = session.get(Submission, receipt.submission_id)
        contact_row = session.scalar(select(Interaction).where(Interaction.id == row.interaction_id))
        assert contact_row.reference == receipt.interaction_reference
        assert contact_row.help_type == HelpType.ON_BEHALF.value
        assert (row.state, row.attempts, row.next_attempt_at) == ("queued", 0, clock.now())
        assert json.loads(row.fields_json) == {"bin_type": "recycling", "collection_date": "2026-11-20",
                                               "bin_left_at": "kerbside",
                                               "notes": "Bin left at the kerb since Friday"}
        # Only what the service declares: address and postcode required, phone and email if known.
        assert json.loads(row.resident_json) == {
            "given_name": "Łukasz", "family_name": "Żółć", "address": "12 Ashfield Road, London",
            "postcode": "E1 6AN", "phone": "+442079460018"}
        assert len(row.idempotency_key) == 36
        found = find_reference(session, receipt.submission_reference)
        assert (found.record_type, found.record_id, found.resident_id) == ("submission", row.id, resident)
    assert ("submission.queued", str(receipt.submission_id),
            f"{receipt.submission_reference} for resident {resident}: missed_bin "
            f"(contact {receipt.interaction_reference})") in audit_actions(services)


def test_evidence_goes_in_the_same_transaction(services, admin):
    resident = ready_resident(services, admin)
    request = RequestInput("missed_bin", missed_bin().fields, [AttachmentInput("bin – photo.png", PNG)])
    receipt = services.submissions.submit(admin, on_behalf(resident), request)
    detail = services.submissions.get(admin, receipt.submission_id)
    assert [(a.filename, a.media_type, a.size) for a in detail.attachments] == [("bin – photo.png", "image/png",
                                                                                 len(PNG))]
    assert [e.kind for e in detail.events] == [SubmissionEventKind.QUEUED]
    assert detail.events[0].message == "1 attachment"


def test_nothing_is_written_when_any_part_is_refused(services, admin):
    resident = ready_resident(services, admin, address_line1="", town="")
    with pytest.raises(ValidationError, match="needs the resident's address for 'Report a missed bin "
                                              "collection'") as refused:
        submit_missed_bin(services, admin, resident)
    assert refused.value.field == "resident_details" and "what you typed in the request is kept" in str(refused.value)
    bad_file = RequestInput("missed_bin", missed_bin().fields, [AttachmentInput("scan.pdf", b"MZ\x90\x00" * 50)])
    with pytest.raises(ValidationError) as refused:
        services.submissions.submit(admin, on_behalf(ready_resident(services, admin, given="Ștefan")), bad_file)
    assert refused.value.field == "attachments"
    assert count(services, Interaction) == count(services, Submission) == count(services, RecordReference) == 0


def test_a_request_without_consent_is_refused_and_says_why(services, admin):
    resident = ready_resident(services, admin, "parking")  # consent for parking, not waste
    with pytest.raises(AuthorityMissing):
        submit_missed_bin(services, admin, resident)
    assert count(services, Submission) == 0


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"collection_date": "1/1/2026"}, "collection_date", "is too early: it must be on or after 09/11/2026"),
    ({"collection_date": "30/11/2026"}, "collection_date", "is too late"),
    ({"collection_date": "31/02/2026"}, "collection_date", "is not a date we can read"),
    ({"bin_type": "compost"}, "bin_type", "'compost' is not one of: General rubbish; Recycling"),
    ({"bin_left_at": ""}, "bin_left_at", "Where the bin was left is required"),
    ({"notes": "x" * 1001}, "notes", "1001 characters long; at most 1000"),
    ({"notes": "bell\x07"}, "notes", "control characters"),
    ({"colour": "blue"}, "colour", "has no field called colour"),
])
def test_fields_are_checked_against_the_declaration_before_anything_is_queued(services, admin, change, field,
                                                                              message):
    resident = ready_resident(services, admin)
    with pytest.raises(ValidationError, match=message) as refused:
        submit_missed_bin(services, admin, resident, **change)
    assert refused.value.field == field
    assert count(services, Submission) == 0


def test_the_request_must_match_the_contact(services, admin):
    resident = ready_resident(services, admin, "waste_recycling", "parking")
    with pytest.raises(ValidationError, match="belongs to another council service"):
        services.submissions.submit(admin, on_behalf(resident, "parking"), missed_bin())
    with pytest.raises(ValidationError, match="done on the resident's behalf") as refused:
        services.submissions.submit(admin, contact(resident, "waste_recycling"), missed_bin())
    assert refused.value.field == "help_type"
    with pytest.raises(ValidationError, match="cannot send a request of type 'pay_fine'"):
        services.submissions.submit(admin, on_behalf(resident), RequestInput("pay_fine", {}))
    with pytest.raises(ValidationError, match="for a known resident"):
        services.submissions.submit(admin, on_behalf(None), missed_bin())


def test_names_in_any_script_are_sent_as_typed(services, admin):
    for given, family in [("محمد", "الحسن"), ("પ્રિયા", "પટેલ"), ("Ștefan", "Popescu")]:
        resident = ready_resident(services, admin, given=given, family=family)
        receipt = submit_missed_bin(services, admin, resident, notes=f"Asked by {given} {family}")
        with services.db.unit_of_work() as session:
            row = session.get(Submission, receipt.submission_id)
            assert json.loads(row.resident_json)["given_name"] == given
            assert json.loads(row.fields_json)["notes"] == f"Asked by {given} {family}"


def test_staff_follow_requests_in_the_list_and_the_counts(services, admin):
    first = submit_missed_bin(services, admin, ready_resident(services, admin))
    second = submit_missed_bin(services, admin, ready_resident(services, admin, given="Ștefan", family="Popescu"))
    listed = services.submissions.browse(admin)
    assert [s.reference for s in listed] == [second.submission_reference, first.submission_reference]
    assert listed[0].state == SubmissionState.QUEUED and listed[0].state_text == "Waiting to send"
    assert listed[0].request_name == "Report a missed bin collection" and listed[0].service_name == \
        "Waste and recycling"
    assert [s.reference for s in services.submissions.browse(admin, SubmissionFilter(text="popescu"))] == [
        second.submission_reference]
    assert [s.reference for s in services.submissions.browse(
        admin, SubmissionFilter(text=first.submission_reference.lower()))] == [first.submission_reference]
    assert services.submissions.browse(admin, SubmissionFilter(states=frozenset({SubmissionState.ACCEPTED}))) == ()
    counts = services.submissions.counts(admin)
    assert (counts.waiting, counts.needs_attention) == (2, 0)


def test_a_waiting_request_can_be_cancelled_with_a_reason_and_is_never_sent(services, admin, clock):
    receipt = submit_missed_bin(services, admin, ready_resident(services, admin))
    summary = services.submissions.browse(admin)[0]
    with pytest.raises(ValidationError, match="Reason for cancelling is required"):
        services.submissions.cancel(admin, receipt.submission_id, "  ")
    services.submissions.cancel(admin, receipt.submission_id, "Bin was collected after all")
    detail = services.submissions.get(admin, receipt.submission_id)
    assert detail.summary.state == SubmissionState.CANCELLED and detail.cancel_reason == "Bin was collected after all"
    assert detail.events[-1].kind == SubmissionEventKind.CANCELLED
    with pytest.raises(ValidationError, match="already cancelled"):
        services.submissions.cancel(admin, receipt.submission_id, "again")
    assert services.submissions.counts(admin).waiting == 0
    with services.db.unit_of_work() as session:
        due = session.scalars(select(Submission).where(Submission.state == "queued")).all()
    assert due == []


def test_cancel_and_fix_check_the_version_and_the_state(services, admin):
    receipt = submit_missed_bin(services, admin, ready_resident(services, admin))
    version = services.submissions.browse(admin)[0].version
    with pytest.raises(ValidationError, match="only a request that needs attention can be corrected"):
        services.submissions.fix_and_resend(admin, receipt.submission_id, version, missed_bin().fields)
    with services.db.unit_of_work() as session:
        session.get(Submission, receipt.submission_id).state = "sending"
    with pytest.raises(ValidationError, match="is being sent this moment"):
        services.submissions.cancel(admin, receipt.submission_id, "Changed their mind")
    with pytest.raises(ConflictError):
        services.submissions.fix_and_resend(admin, receipt.submission_id, version, missed_bin().fields)


def test_send_now_brings_a_waiting_request_forward(services, admin, clock):
    receipt = submit_missed_bin(services, admin, ready_resident(services, admin))
    with services.db.unit_of_work() as session:
        row = session.get(Submission, receipt.submission_id)
        row.next_attempt_at = clock.now().replace(hour=18)
    clock.advance(minutes=3)
    services.submissions.send_now(admin, receipt.submission_id)
    assert services.submissions.browse(admin)[0].next_attempt_at == clock.now()
    with services.db.unit_of_work() as session:
        kinds = session.scalars(select(SubmissionEvent.kind).order_by(SubmissionEvent.id)).all()
    assert kinds == ["queued", "resent"]


def test_desk_staff_submit_and_a_desk_must_be_signed_in_at_a_site(services, admin):
    resident = ready_resident(services, admin)
    desk = make_actor(services, admin, "deskworker", Role.DESK)
    receipt = submit_missed_bin(services, desk, resident)
    assert services.submissions.browse(desk)[0].created_by == "deskworker"
    with services.db.unit_of_work() as session:
        assert session.get(Submission, receipt.submission_id).staff_id == desk.staff_id
    roaming = replace(desk, site_id=None)
    with pytest.raises(ValidationError, match="sign in at a desk"):
        submit_missed_bin(services, roaming, resident)
    # Every role works the desk, so every role may log and submit; a role that could not would be
    # refused in the service, not only by a hidden button.
    assert all(Permission.LOG_CONTACTS in allowed for allowed in PERMISSIONS.values())


def test_requests_show_on_the_residents_timeline(services, admin):
    resident = ready_resident(services, admin)
    receipt = submit_missed_bin(services, admin, resident)
    items = services.timeline.for_resident(admin, resident)
    mine = [i for i in items if i.open_kind == "submission"]
    assert [(i.title, i.reference) for i in mine] == [("Request: Report a missed bin collection",
                                                       receipt.submission_reference)]
    assert "now: Waiting to send" in mine[0].detail


def test_the_attachment_row_points_at_the_contact_and_the_request(services, admin):
    resident = ready_resident(services, admin)
    request = RequestInput("missed_bin", missed_bin().fields, [AttachmentInput("bin.png", PNG)])
    receipt = services.submissions.submit(admin, on_behalf(resident), request)
    with services.db.unit_of_work() as session:
        item = session.scalar(select(Attachment))
        row = session.get(Submission, receipt.submission_id)
        assert (item.resident_id, item.interaction_id, item.submission_id) == (resident, row.interaction_id, row.id)
