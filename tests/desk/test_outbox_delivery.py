"""Delivering the outbox to a real back office (tests/backoffice_server.py on 127.0.0.1, over
HTTPS with its own test CA), on SQLite and PostgreSQL: every request arrives exactly once
whatever the back office does, refusals are shown with their reason, Retry-After and back-off are
honoured, a sender killed mid-delivery loses and duplicates nothing, status changes are recorded
once, and staff can cancel what has not gone."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from assisted_desk.core.clock import FixedClock, as_utc
from assisted_desk.core.errors import ValidationError
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.outbox_sender import Backoff, OutboxSender
from assisted_desk.desk.submission_models import Submission, SubmissionEvent
from assisted_desk.desk.submissions import SubmissionFilter
from assisted_desk.desk.vocab import BackOfficeStatus, SubmissionEventKind, SubmissionState

from ..backoffice_server import BackOffice
from .attachment_files import pdf, png
from .conftest import connect
from .contact_fixtures import NAMES
from .submission_fixtures import (
    drain,
    missed_bin_fields,
    requester,
    row,
    states,
    submit_missed_bin,
    waiting,
)

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = SubmissionState.ACCEPTED.value


def sender(services, clock, name: str, **options) -> OutboxSender:
    options.setdefault("backoff", Backoff(base_seconds=1.0, cap_seconds=8.0))
    return OutboxSender(services.db, clock, services.backoffice, name=name, rng=random.Random(name), **options)


def backend(services) -> str:
    return services.db.url.get_backend_name()


def events(services, submission_id: int, kind: SubmissionEventKind | None = None) -> list[SubmissionEvent]:
    with services.db.unit_of_work() as session:
        query = select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id)
        if kind is not None:
            query = query.where(SubmissionEvent.kind == kind.value)
        found = list(session.scalars(query.order_by(SubmissionEvent.id)))
        session.expunge_all()
        return found


def assert_each_arrived_once_with_its_reference(services, office: BackOffice, receipts) -> None:
    """Every request is in the back office exactly once, and the desk holds the reference the
    back office gave that very request."""
    assert sorted(office.created_per_desk_reference) == sorted(r.submission_reference for r in receipts)
    assert set(office.created_per_desk_reference.values()) == {1}
    assert set(office.created_per_key.values()) == {1}
    with services.db.unit_of_work() as session:
        local = {r.reference: (r.state, r.back_office_reference, r.idempotency_key)
                 for r in session.scalars(select(Submission))}
    for receipt in receipts:
        stored = office.request_for(receipt.submission_reference)
        state, reference, key = local[receipt.submission_reference]
        assert (state, reference, key) == (ACCEPTED, stored.reference, stored.key), receipt


# ---- exactly once, whatever the back office does -----------------------------------------------


def test_a_request_is_sent_with_its_evidence_and_accepted_with_the_back_office_reference(
        services, admin, connected, clock):
    resident = requester(services, admin)
    files = [AttachmentInput("bin.png", png()), AttachmentInput("letter.pdf", pdf("Collection day"))]
    receipt = submit_missed_bin(services, admin, resident, attachments=files, notes="Behind the gate")
    assert connected.hits == []  # submitting never waits on the network
    assert services.submissions.counts(admin).waiting == 1

    lines, summary = drain(services.outbox.run_once())
    assert lines == ["Sending request 1 of 1…", "Reading status changes (page 1)…"]
    assert (summary.attempted, summary.accepted, summary.ok, summary.health) == (1, 1, True, "reachable")
    stored = connected.request_for(receipt.submission_reference)
    assert summary.accepted_references == [stored.reference]
    body = stored.body
    assert body["service_code"] == "missed_bin" and body["fields"]["notes"] == "Behind the gate"
    assert body["resident"] == {"given_name": "Łukasz", "family_name": "Żółć",
                                "address": "12 Mile End Road, London", "postcode": "E1 4NS", "phone": "+447400123456"}
    assert [(a["filename"], a["media_type"]) for a in body["attachments"]] == [
        ("bin.png", "image/png"), ("letter.pdf", "application/pdf")]
    assert body["submitted_by"]["staff_name"] == "Amara Okafor" and body["on_behalf"] == {"basis": "resident_consent"}

    detail = services.submissions.get(admin, receipt.submission_id)
    assert detail.summary.state == SubmissionState.ACCEPTED
    assert detail.summary.back_office_reference == stored.reference
    assert detail.summary.state_text == f"Received ({stored.reference})"
    assert [e.kind for e in detail.events] == [SubmissionEventKind.QUEUED, SubmissionEventKind.ACCEPTED]
    assert services.submissions.counts(admin).waiting == 0
    assert services.outbox.health.text == "reachable"


def test_a_thousand_requests_sent_while_the_back_office_flaps_all_arrive_exactly_once(
        services, admin, connected, clock):
    """Two desks deliver while requests are still being submitted, and the back office answers
    at random: 500, 503 and 429 with Retry-After (seconds and dates), connections dropped
    before and after it stored the request, every answer written twice, and properly. On
    PostgreSQL 200 requests (the same mix), to keep the run short."""
    count = 1000 if backend(services) == "sqlite" else 200
    residents = [requester(services, admin, given, family) for given, family in NAMES]
    connected.flap(seed=20261123)
    submitted = threading.Event()
    failures: list[BaseException] = []
    clock_lock = threading.Lock()

    def desk(name: str) -> None:
        outbox = sender(services, clock, name, batch=25, backoff=Backoff(base_seconds=0.5, cap_seconds=4.0))
        deadline = time.monotonic() + 240
        try:
            while time.monotonic() < deadline:
                drain(outbox.run_once())
                with clock_lock:
                    clock.advance(seconds=3)  # past any Retry-After (1-2 s) and back-off (at most 4 s)
                if submitted.is_set() and waiting(services) == 0:
                    return
            raise AssertionError(f"{name} gave up with {waiting(services)} requests still waiting")
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            outbox.close()

    desks = [threading.Thread(target=desk, args=(f"desk-{n}",)) for n in (1, 2)]
    for thread in desks:
        thread.start()
    receipts = []
    try:
        for number in range(count):
            receipts.append(submit_missed_bin(services, admin, residents[number % len(residents)]))
    finally:
        submitted.set()
        for thread in desks:
            thread.join(timeout=300)
    assert not failures, failures
    assert states(services) == {ACCEPTED: count}
    assert_each_arrived_once_with_its_reference(services, connected, receipts)
    # The back office really flapped: many requests needed more than one attempt, some were
    # stored on an attempt whose answer never came, and some answers came twice.
    actions = {h.action for h in connected.hits}
    assert {"500", "503", "429", "drop_before", "drop_after", "twice", "ok"} <= actions
    assert sum(connected.posts_per_key.values()) > count * 1.3
    with services.db.unit_of_work() as session:
        assert session.scalar(select(Submission.id).where(Submission.may_have_arrived.is_(True)).limit(1))


def test_a_request_stored_but_unanswered_is_sent_again_under_the_same_key(services, admin, connected, clock):
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    connected.drop(after_storing=True, times=1)
    _lines, summary = drain(services.outbox.run_once())
    assert (summary.attempted, summary.accepted, summary.retry_later) == (1, 0, 1)
    first = row(services, receipt.submission_id)
    assert first.state == SubmissionState.QUEUED.value and first.may_have_arrived
    assert "broke before it answered" in first.last_error
    assert services.submissions.get(admin, receipt.submission_id).summary.state_text == SubmissionState.QUEUED.label
    clock.advance(minutes=20)
    _lines, summary = drain(services.outbox.run_once())
    assert summary.accepted == 1
    assert connected.posts_per_key[first.idempotency_key] == 2
    assert_each_arrived_once_with_its_reference(services, connected, [receipt])


def test_an_acknowledgement_that_does_not_name_the_request_is_never_taken_for_it(services, admin, clock):
    """The interface requires the acknowledgement to name the desk's reference back: a back office
    that does not (and writes every answer twice, so a request may read the answer meant for the
    one before it) never has an answer taken for the wrong request. The requests wait, saying
    why, and nothing is created twice."""
    office = BackOffice(now=clock.now, echo_desk_reference=False).start()
    try:
        connect(services, admin, office)
        resident = requester(services, admin)
        receipts = [submit_missed_bin(services, admin, resident) for _ in range(5)]
        office.twice()
        for _round in range(5):
            drain(services.outbox.run_once())
            clock.advance(minutes=20)
        assert states(services) == {SubmissionState.QUEUED.value: 5}
        first = row(services, receipts[0].submission_id)
        assert "answer was for another request" in first.last_error and first.may_have_arrived
        assert set(office.created_per_desk_reference.values()) == {1}
    finally:
        office.stop()


def test_a_request_that_may_have_arrived_goes_again_unchanged_after_a_rename(services, admin, connected, clock):
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    connected.drop(after_storing=True, times=1)
    drain(services.outbox.run_once())
    assert row(services, receipt.submission_id).may_have_arrived
    me = services.staff.find_by_username(admin, "admin")
    services.staff.update_staff(admin, me.id, me.version, "Amara Okafor-Mensah", me.role, me.site_id)
    clock.advance(minutes=20)
    drain(services.outbox.run_once())
    assert row(services, receipt.submission_id).state == ACCEPTED
    assert_each_arrived_once_with_its_reference(services, connected, [receipt])


def test_a_file_stays_with_a_request_that_may_have_arrived(services, admin, connected, clock):
    files = [AttachmentInput("bin.png", png()), AttachmentInput("letter.pdf", pdf())]
    receipt = submit_missed_bin(services, admin, requester(services, admin), attachments=files)
    connected.drop(after_storing=True, times=1)
    drain(services.outbox.run_once())
    assert row(services, receipt.submission_id).may_have_arrived
    first = services.attachments.for_submission(admin, receipt.submission_id)[0]
    with pytest.raises(ValidationError, match="may have reached the back office"):
        services.attachments.remove(admin, first.id, first.version)
    with pytest.raises(ValidationError, match="may already have reached the back office"):
        services.submissions.cancel(admin, receipt.submission_id, "Changed their mind")
    clock.advance(minutes=20)
    drain(services.outbox.run_once())
    assert row(services, receipt.submission_id).state == ACCEPTED
    assert_each_arrived_once_with_its_reference(services, connected, [receipt])


def test_a_back_office_that_hangs_does_not_hold_the_desk(services, admin, backoffice, clock):
    """A read timeout: the request may have arrived, so it waits under the same key."""
    connect(services, admin, backoffice)
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    backoffice.hang(after_storing=True)
    outbox = sender(services, clock, "desk-1", config_override=lambda: backoffice.config(read_timeout=0.3))
    _lines, summary = drain(outbox.run_once())
    backoffice.normal()
    assert (summary.retry_later, summary.health) == (1, "unreachable")
    assert "took too long" in summary.problem and row(services, receipt.submission_id).may_have_arrived
    assert outbox.health.text.startswith("not reachable")
    clock.advance(minutes=20)
    drain(outbox.run_once())
    assert_each_arrived_once_with_its_reference(services, backoffice, [receipt])
    outbox.close()


def test_a_back_office_that_is_down_keeps_everything_queued(services, admin, connected, clock):
    receipts = [submit_missed_bin(services, admin, requester(services, admin)) for _ in range(3)]
    connected.down()
    _lines, summary = drain(services.outbox.run_once())
    assert (summary.attempted, summary.retry_later, summary.health) == (1, 1, "unreachable")
    assert "cannot be reached" in summary.problem
    assert states(services) == {SubmissionState.QUEUED.value: 3}
    assert not row(services, receipts[0].submission_id).may_have_arrived  # never connected: never sent
    connected.up()
    clock.advance(minutes=20)
    drain(services.outbox.run_once())
    assert_each_arrived_once_with_its_reference(services, connected, receipts)


# ---- refused for good -------------------------------------------------------------------------


def test_a_refused_request_shows_the_reason_is_not_retried_and_goes_again_once_fixed(
        services, admin, connected, clock):
    resident = requester(services, admin)
    detail = "The crew cannot find 'round the back': say where the bin was left."
    connected.refuse(field="notes", value="round the back", detail=detail)
    refused = submit_missed_bin(services, admin, resident, notes="round the back")
    fine = submit_missed_bin(services, admin, resident, notes="By the lamp post")

    _lines, summary = drain(services.outbox.run_once())
    assert (summary.attempted, summary.accepted, summary.refused) == (2, 1, 1)
    first = row(services, refused.submission_id)
    assert first.state == SubmissionState.NEEDS_ATTENTION.value
    assert first.last_error == f"Refused (HTTP 422): {detail}; notes: {detail}"
    shown = services.submissions.get(admin, refused.submission_id)
    assert shown.summary.state_text == SubmissionState.NEEDS_ATTENTION.label
    assert detail in shown.summary.last_error
    assert shown.events[-1].kind == SubmissionEventKind.REFUSED and detail in shown.events[-1].message
    assert services.submissions.counts(admin).needs_attention == 1
    listed = services.submissions.browse(admin, SubmissionFilter(states=frozenset({SubmissionState.NEEDS_ATTENTION})))
    assert [s.id for s in listed] == [refused.submission_id]

    for _ in range(3):  # never retried on its own
        clock.advance(hours=1)
        drain(services.outbox.run_once())
    assert connected.posts_per_key[first.idempotency_key] == 1
    assert row(services, refused.submission_id).state == SubmissionState.NEEDS_ATTENTION.value

    services.submissions.fix_and_resend(admin, refused.submission_id, first.version,
                                        missed_bin_fields(services, notes="At the kerb by number 12"))
    fixed = row(services, refused.submission_id)
    assert fixed.idempotency_key != first.idempotency_key and fixed.state == SubmissionState.QUEUED.value
    assert fixed.last_error == "" and not fixed.may_have_arrived
    _lines, summary = drain(services.outbox.run_once())
    assert summary.accepted == 1
    assert_each_arrived_once_with_its_reference(services, connected, [refused, fine])
    assert connected.request_for(refused.submission_reference).body["fields"]["notes"] == "At the kerb by number 12"
    kinds = [e.kind for e in services.submissions.get(admin, refused.submission_id).events]
    assert kinds == [SubmissionEventKind.QUEUED, SubmissionEventKind.REFUSED, SubmissionEventKind.FIXED,
                     SubmissionEventKind.ACCEPTED]


# ---- waiting as asked ---------------------------------------------------------------------------


@pytest.mark.parametrize("status, retry_after, seconds", [(503, "120", 120), (429, "date:300", 300)])
def test_retry_after_is_honoured_by_every_request(services, admin, connected, clock, status, retry_after, seconds):
    receipts = [submit_missed_bin(services, admin, requester(services, admin)) for _ in range(2)]
    connected.fail(status, retry_after=retry_after, times=1)
    outbox = sender(services, clock, "desk-1")
    started = clock.now()
    _lines, summary = drain(outbox.run_once())
    assert (summary.attempted, summary.retry_later) == (1, 1)  # the rest wait rather than pile on
    assert outbox.health.paused_until == started + timedelta(seconds=seconds)
    first = row(services, receipts[0].submission_id)
    assert as_utc(first.next_attempt_at) >= started + timedelta(seconds=seconds)
    assert f"HTTP {status}" in first.last_error

    clock.advance(seconds=seconds - 1)
    _lines, summary = drain(outbox.run_once())
    assert summary.attempted == 0 and "asked the desk to wait" in summary.problem
    assert len(connected.posts()) == 1  # nothing was sent before the time it gave

    clock.advance(seconds=2)
    drain(outbox.run_once())
    assert_each_arrived_once_with_its_reference(services, connected, receipts)
    assert all(hit.at >= started + timedelta(seconds=seconds) for hit in connected.posts()[1:])
    outbox.close()


def test_back_off_grows_exponentially_with_jitter_up_to_its_cap(services, admin, connected, clock):
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    connected.fail(500)
    outbox = sender(services, clock, "desk-1", backoff=Backoff(base_seconds=10, cap_seconds=300))
    delays = []
    for attempt in range(1, 9):
        _lines, summary = drain(outbox.run_once())
        assert summary.retry_later == 1
        due = as_utc(row(services, receipt.submission_id).next_attempt_at)
        delays.append((due - clock.now()).total_seconds())
        ceiling = min(300, 10 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delays[-1] <= ceiling
        clock.advance(seconds=delays[-1] - 0.001)
        assert drain(outbox.run_once())[1].attempted == 0  # not a moment before it is due
        clock.advance(seconds=0.002)
    assert delays[:5] == sorted(delays[:5])  # each wait at least the one before, until the cap
    assert all(150 <= d <= 300 for d in delays[5:])
    assert len({round(d / min(300, 10 * 2 ** i), 3) for i, d in enumerate(delays)}) > 4  # jittered
    attempts = [hit.at for hit in connected.posts()]
    assert len(attempts) == 8 and attempts == sorted(attempts)
    # Two desks failing together do not retry together.
    backoff = Backoff(base_seconds=10, cap_seconds=300)
    assert backoff.delay(3, random.Random("desk-1")) != backoff.delay(3, random.Random("desk-2"))
    outbox.close()


def test_a_refused_token_keeps_everything_queued_and_says_so(services, admin, connected, clock):
    connect(services, admin, connected, token="not-the-right-token")
    receipts = [submit_missed_bin(services, admin, requester(services, admin)) for _ in range(3)]
    _lines, summary = drain(services.outbox.run_once())
    assert (summary.accepted, summary.refused, summary.health, summary.ok) == (0, 0, "setup", False)
    assert "refused the desk's token" in summary.problem and "Nothing is lost" in summary.problem
    assert services.outbox.health.state == "setup" and services.outbox.health.text == "not set up"
    assert states(services) == {SubmissionState.QUEUED.value: 3}
    assert connected.stored == {} and len(connected.posts()) == 1  # one try told it all
    assert services.submissions.counts(admin).waiting == 3

    connect(services, admin, connected)  # the administrator sets the right token
    clock.advance(hours=1)
    drain(services.outbox.run_once())
    assert_each_arrived_once_with_its_reference(services, connected, receipts)


def test_nothing_is_sent_until_the_back_office_is_set_up(services, admin, backoffice):
    submit_missed_bin(services, admin, requester(services, admin))
    _lines, summary = drain(services.outbox.run_once())
    assert summary.health == "setup" and summary.attempted == 0
    assert summary.problem == "Nothing was sent: no back-office address is set (Admin → Back office)."
    services.backoffice.set_url(admin, backoffice.base_url)
    _lines, summary = drain(services.outbox.run_once())
    assert "this computer has no back-office token" in summary.problem
    assert backoffice.hits == []


def test_without_the_council_ca_nothing_is_sent_and_the_setup_is_blamed(services, admin, connected, clock):
    connect(services, admin, connected, ca=False)
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    _lines, summary = drain(services.outbox.run_once())
    assert summary.health == "setup" and "certificate could not be verified" in summary.problem
    assert connected.stored == {} and row(services, receipt.submission_id).state == SubmissionState.QUEUED.value
    connect(services, admin, connected)
    clock.advance(hours=1)
    drain(services.outbox.run_once())
    assert_each_arrived_once_with_its_reference(services, connected, [receipt])


# ---- a sender killed mid-delivery ------------------------------------------------------------------


FILE_KEYRING = "tests.file_keyring.FileKeyring"


def test_killing_the_sender_mid_delivery_loses_and_duplicates_nothing(services, admin, database_url, tmp_path):
    """`assisted-desk sync` in its own process is killed (SIGKILL) after the back office stored
    the request but before it answered. Its claim runs out; the next sender sends again under
    the same key and the back office answers with the request it already has."""
    office = BackOffice().start()  # real time, as the killed process has
    try:
        connect(services, admin, office)
        receipt = submit_missed_bin(services, admin, requester(services, admin))
        # The other process has no in-memory keyring: its token comes from a file-based test
        # keyring named by PYTHON_KEYRING_BACKEND.
        secrets = tmp_path / "keyring.json"
        secrets.write_text(json.dumps({"assisted-desk": {"backoffice-api-token": office.token}}), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTED_DESK_")}
        env.update(PYTHON_KEYRING_BACKEND=FILE_KEYRING, ASSISTED_DESK_TEST_KEYRING=str(secrets),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
        office.slow(120, after_storing=True)
        sync = subprocess.Popen([sys.executable, "-m", "assisted_desk", "--home", str(tmp_path / "home"),
                                 "--database", database_url, "sync"], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stored = office.stored_event.wait(60)
            if not stored:
                sync.kill()
                out, err = sync.communicate(timeout=30)
                pytest.fail(f"the sync never reached the back office: {out}\n{err}")
            os.kill(sync.pid, signal.SIGKILL)
            sync.wait(timeout=30)
        finally:
            if sync.poll() is None:
                sync.kill()
                sync.wait()
            sync.stdout.close()
            sync.stderr.close()
        assert sync.returncode == -signal.SIGKILL
        office.normal()
        held = row(services, receipt.submission_id)
        assert held.state == SubmissionState.SENDING.value and held.lease_owner  # the dead sender's claim
        assert len(office.stored) == 1

        # While the claim holds, no other desk sends it.
        now = datetime.now(timezone.utc)
        early = sender(services, FixedClock(now), "early")
        assert drain(early.run_once())[1].attempted == 0
        assert services.submissions.get(admin, receipt.submission_id).summary.state == SubmissionState.SENDING
        with pytest.raises(ValidationError, match="being sent this moment"):
            services.submissions.cancel(admin, receipt.submission_id, "changed my mind")

        # Once it has run out, the next sender finishes the job.
        later = sender(services, FixedClock(as_utc(held.lease_until) + timedelta(seconds=1)), "later")
        _lines, summary = drain(later.run_once())
        assert summary.accepted == 1
        assert_each_arrived_once_with_its_reference(services, office, [receipt])
        assert office.posts_per_key[held.idempotency_key] == 2
        early.close()
        later.close()
    finally:
        office.stop()


# ---- status changes ---------------------------------------------------------------------------------


def accepted_requests(services, admin, office, clock, count: int):
    resident = requester(services, admin)
    receipts = [submit_missed_bin(services, admin, resident) for _ in range(count)]
    drain(services.outbox.run_once())
    references = [office.request_for(r.submission_reference).reference for r in receipts]
    return resident, receipts, references


def test_status_changes_are_recorded_once_even_when_repeated_and_read_by_two_desks(
        services, admin, connected, clock):
    _resident, receipts, references = accepted_requests(services, admin, connected, clock, 3)
    clock.advance(hours=2)
    connected.add_change(references[0], "in_progress", "A crew is booked for Tuesday")
    clock.advance(hours=20)
    connected.add_change(references[0], "completed", "Collected on 24 November")
    connected.add_change(references[1], "rejected", "Not a collection day for this street")
    connected.twice()  # every answer written twice, and the feed repeats its entries
    first, second = sender(services, clock, "desk-1"), sender(services, clock, "desk-2")
    updates = drain(first.run_once())[1].status_updates + drain(second.run_once())[1].status_updates
    connected.normal()
    updates += drain(first.run_once())[1].status_updates
    assert updates == 3

    done = services.submissions.get(admin, receipts[0].submission_id)
    assert (done.summary.back_office_status, done.summary.back_office_message) == (
        BackOfficeStatus.COMPLETED, "Collected on 24 November")
    assert done.summary.state_text == f"Completed ({references[0]})"
    changes = [(e.title, e.message) for e in done.events if e.kind == SubmissionEventKind.STATUS_CHANGED]
    assert changes == [("Back office: in progress", "A crew is booked for Tuesday"),
                       ("Back office: completed", "Collected on 24 November")]
    assert services.submissions.get(admin, receipts[1].submission_id).summary.back_office_status == \
        BackOfficeStatus.REJECTED
    assert services.submissions.get(admin, receipts[2].submission_id).summary.back_office_status == \
        BackOfficeStatus.RECEIVED
    first.close()
    second.close()


def test_two_desks_polling_at_once_record_each_change_once(services, admin, connected, clock):
    _resident, receipts, references = accepted_requests(services, admin, connected, clock, 4)
    for number, reference in enumerate(references):
        clock.advance(minutes=5)
        connected.add_change(reference, "in_progress", f"Booked {number}")
        connected.add_change(reference, "completed", f"Done {number}")
    connected.twice()
    desks = [sender(services, clock, f"desk-{n}") for n in range(3)]
    totals: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(len(desks))

    def poll(desk: OutboxSender) -> None:
        try:
            start.wait()
            totals.append(drain(desk.run_once())[1].status_updates)
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=poll, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    connected.normal()
    totals.append(drain(desks[0].run_once())[1].status_updates)
    assert sum(totals) == 8
    for number, receipt in enumerate(receipts):
        kept = events(services, receipt.submission_id, SubmissionEventKind.STATUS_CHANGED)
        assert [(e.status, e.message) for e in kept] == [("in_progress", f"Booked {number}"),
                                                         ("completed", f"Done {number}")]
        assert row(services, receipt.submission_id).back_office_status == "completed"
    for desk in desks:
        desk.close()


def test_a_status_is_read_on_demand(services, admin, connected, clock):
    _resident, receipts, references = accepted_requests(services, admin, connected, clock, 1)
    connected.add_change(references[0], "in_progress", "With the crew")
    assert services.outbox.check_status(receipts[0].submission_id) == "In progress: With the crew"
    assert row(services, receipts[0].submission_id).back_office_status == "in_progress"


def test_status_changes_show_once_on_the_resident_s_timeline(services, admin, connected, clock):
    resident, receipts, references = accepted_requests(services, admin, connected, clock, 1)
    connected.add_change(references[0], "completed", "Collected on 24 November")
    connected.twice()
    drain(services.outbox.run_once())
    drain(services.outbox.run_once())
    items = services.timeline.for_resident(admin, resident)
    mine = [item for item in items if item.open_kind == "submission" and item.open_id == receipts[0].submission_id]
    assert mine
    assert sum("Collected on 24 November" in f"{item.title} {item.detail}" for item in items) == 1


# ---- cancelling ----------------------------------------------------------------------------------------


def test_a_queued_request_cancelled_is_never_sent(services, admin, connected, clock):
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    services.submissions.cancel(admin, receipt.submission_id, "The bin was collected after all")
    _lines, summary = drain(services.outbox.run_once())
    assert summary.attempted == 0 and connected.posts() == []
    detail = services.submissions.get(admin, receipt.submission_id)
    assert detail.summary.state == SubmissionState.CANCELLED
    assert detail.cancel_reason == "The bin was collected after all"
    with pytest.raises(ValidationError, match="already cancelled"):
        services.submissions.cancel(admin, receipt.submission_id, "again")
    clock.advance(days=1)
    drain(services.outbox.run_once())
    assert connected.posts() == []


def test_a_request_needing_attention_may_be_cancelled(services, admin, connected, clock):
    connected.refuse(service_code="missed_bin", detail="Collections are suspended this week.")
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    drain(services.outbox.run_once())
    refused = row(services, receipt.submission_id)
    assert refused.state == SubmissionState.NEEDS_ATTENTION.value
    services.submissions.cancel(admin, receipt.submission_id, "Resident will call again")
    assert row(services, receipt.submission_id).state == SubmissionState.CANCELLED.value


def test_a_request_being_sent_or_accepted_cannot_be_cancelled(services, admin, connected, clock):
    receipt = submit_missed_bin(services, admin, requester(services, admin))
    connected.slow(30, after_storing=True)
    outcome: list[object] = []
    delivery = threading.Thread(target=lambda: outcome.append(drain(services.outbox.run_once())[1]))
    delivery.start()
    try:
        assert connected.stored_event.wait(30)
        sending = row(services, receipt.submission_id)
        assert sending.state == SubmissionState.SENDING.value
        with pytest.raises(ValidationError, match="being sent this moment"):
            services.submissions.cancel(admin, receipt.submission_id, "too late?")
    finally:
        connected.normal()
        delivery.join(timeout=60)
    assert outcome[0].accepted == 1
    accepted = row(services, receipt.submission_id)
    with pytest.raises(ValidationError, match=f"accepted by the back office as {accepted.back_office_reference}"):
        services.submissions.cancel(admin, receipt.submission_id, "too late")
    assert row(services, receipt.submission_id).state == ACCEPTED


# ---- assisted-desk sync ------------------------------------------------------------------------------


@pytest.fixture
def sync(database_url, tmp_path, capsys):
    from assisted_desk.cli import main

    def run() -> tuple[int, str]:
        code = main(["--home", str(tmp_path / "cli-home"), "--database", database_url, "sync"])
        out, err = capsys.readouterr()
        return code, out + err

    return run


def test_sync_says_what_it_did_and_exits_0_when_the_back_office_was_reached(services, admin, connected, sync):
    resident = requester(services, admin)
    for _ in range(3):
        submit_missed_bin(services, admin, resident)
    code, out = sync()
    assert code == 0, out
    lines = out.splitlines()
    assert lines[:4] == ["Sending request 1 of 3…", "Sending request 2 of 3…", "Sending request 3 of 3…",
                         "Reading status changes (page 1)…"]
    assert lines[-3:] == ["Sent 3 requests: 3 accepted, 0 need attention, 0 will be tried again. "
                          "0 status updates recorded.",
                          "Back office: reachable. Waiting to send: 0. Needing attention: 0.",
                          # referrals to partners' APIs go on the same run
                          "Referrals sent to partners: 0; 0 need attention, 0 will be tried again. "
                          "0 partner updates recorded."]
    code, out = sync()  # nothing to send: still 0
    assert code == 0 and "Sent 0 requests" in out


def test_sync_exits_2_when_the_back_office_is_not_set_up(services, admin, sync):
    submit_missed_bin(services, admin, requester(services, admin))
    code, out = sync()
    assert code == 2
    assert "Nothing was sent: no back-office address is set" in out and "Waiting to send: 1." in out


def test_sync_without_a_back_office_exits_0_when_no_request_waits_for_one(services, admin, sync):
    """A desk that only sends partner referrals is not failed for having no back office."""
    code, out = sync()
    assert code == 0, out
    assert "Waiting to send: 0." in out and "Referrals sent to partners: 0" in out
    submit_missed_bin(services, admin, requester(services, admin))
    code, out = sync()
    assert code == 2 and "Waiting to send: 1." in out


def test_sync_exits_1_when_the_back_office_cannot_be_reached_or_refuses_the_token(
        services, admin, connected, sync):
    submit_missed_bin(services, admin, requester(services, admin))
    connected.down()
    code, out = sync()
    assert code == 1 and "cannot be reached" in out and "Back office: not reachable" in out
    assert "Waiting to send: 1." in out
    connected.up()
    connect(services, admin, connected, token="wrong-token")
    code, out = sync()
    assert code == 1 and "refused the desk's token" in out
