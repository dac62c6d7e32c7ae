"""The desk's back-office client against a real back office on 127.0.0.1 (tests/backoffice_server.py):
every answer, and every way of not answering, is sorted into what the outbox must do next, and
none of them raises."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.utils import format_datetime

import certifi
import pytest

from assisted_desk.desk.backoffice_client import (
    MAX_RETRY_AFTER,
    Accepted,
    BackOfficeClient,
    BackOfficeError,
    Refused,
    SetupProblem,
    TryLater,
    clean_message,
    retry_after_seconds,
)

from ..backoffice_server import BackOffice


def payload(desk_reference: str = "AD-7K3P-9Q", **changes) -> dict:
    body = {
        "service_code": "missed_bin",
        "desk_reference": desk_reference,
        "submitted_at": "2026-11-23T10:00:00Z",
        "resident": {"given_name": "Łukasz", "family_name": "Żółć", "address": "12 Mile End Road, London",
                     "postcode": "E1 4NS", "phone": "+447400123456"},
        "fields": {"bin_type": "recycling", "collection_date": "2026-11-21", "bin_left_at": "kerbside"},
        "attachments": [],
        "submitted_by": {"staff_id": 1, "staff_name": "Amara Okafor", "site_name": "Central Library"},
        "on_behalf": {"basis": "resident_consent"},
    }
    body.update(changes)
    return body


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def client(backoffice, clock):
    made = BackOfficeClient(backoffice.config(), clock)
    yield made
    made.close()


def client_for(office: BackOffice, clock, **config) -> BackOfficeClient:
    return BackOfficeClient(office.config(**config), clock)


# ---- accepted ---------------------------------------------------------------------------------------


def test_a_new_request_is_accepted_and_a_repeat_gets_the_same_reference(client, backoffice):
    same = key()
    first = client.create_request(payload(), same)
    assert first == Accepted(first.reference, "received") and first.reference.startswith("BO-")
    assert client.create_request(payload(), same) == first  # 200: the one it already has
    assert backoffice.created_per_key == {same: 1} and backoffice.posts_per_key == {same: 2}
    assert backoffice.stored[first.reference].body == payload()


def test_the_same_key_with_another_body_is_refused_with_the_server_s_message(client, backoffice):
    same = key()
    client.create_request(payload(), same)
    outcome = client.create_request(payload(fields={"bin_type": "garden"}), same)
    assert outcome == Refused(409, "This Idempotency-Key was used before for a different request.")
    assert len(backoffice.stored) == 1


def test_a_body_the_interface_does_not_allow_is_refused_naming_the_field(client, backoffice):
    wrong = payload(resident={"given_name": "Łukasz", "family_name": "Żółć", "phone": "07400 123456"})
    outcome = client.create_request(wrong, key())
    assert isinstance(outcome, Refused) and outcome.http_status == 422
    assert outcome.message.startswith("The request does not follow the interface: resident.phone:")
    assert "resident.phone: '07400 123456' does not match" in outcome.message  # the errors list, too
    assert backoffice.stored == {}


def test_a_refusal_carries_the_back_office_s_own_words(client, backoffice):
    backoffice.refuse(field="bin_type", value="garden", detail="Garden waste needs a subscription: ask for one first.")
    outcome = client.create_request(payload(fields={"bin_type": "garden"}), key())
    assert outcome == Refused(422, "Garden waste needs a subscription: ask for one first.; "
                                   "bin_type: Garden waste needs a subscription: ask for one first.")
    assert client.create_request(payload(), key()).__class__ is Accepted


@pytest.mark.parametrize("status", [400, 409, 410, 413, 415, 422])
def test_other_client_errors_are_refusals_for_good(client, backoffice, status):
    backoffice.fail(status, detail=f"Refused: reason {status}\x07 with a bell", times=1)
    assert client.create_request(payload(), key()) == Refused(status, f"Refused: reason {status}  with a bell")


# ---- the desk's set-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_a_setup_problem(client, backoffice, status):
    backoffice.fail(status, times=1)
    outcome = client.create_request(payload(), key())
    assert isinstance(outcome, SetupProblem) and outcome.reason == "token"
    assert f"refused the desk's token (HTTP {status})" in outcome.message and "Nothing is lost" in outcome.message


def test_a_wrong_token_is_refused_before_anything_is_stored(backoffice, clock):
    wrong = client_for(backoffice, clock, token="not-issued-by-the-back-office")
    assert isinstance(wrong.create_request(payload(), key()), SetupProblem)
    with pytest.raises(BackOfficeError) as failed:
        wrong.check_health()
    assert isinstance(failed.value.outcome, SetupProblem)
    assert backoffice.stored == {}
    wrong.close()


def test_a_wrong_address_is_a_setup_problem(backoffice, clock):
    from assisted_desk.desk.backoffice_settings import BackOfficeConfig

    lost = BackOfficeClient(BackOfficeConfig(backoffice.base_url + "/nothing-here", backoffice.token,
                                             backoffice.ca_pem), clock)
    outcome = lost.create_request(payload(), key())
    assert isinstance(outcome, SetupProblem) and outcome.reason == "address"
    assert f"{backoffice.base_url}/nothing-here does not offer this interface (HTTP 404)" in outcome.message
    with pytest.raises(BackOfficeError) as failed:
        lost.check_health()
    assert isinstance(failed.value.outcome, SetupProblem)
    lost.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_but_named(client, backoffice, status):
    """A redirected POST would turn into a GET, or go elsewhere without its token."""
    backoffice.fail(status, headers={"Location": "https://new-backoffice.example.gov.uk/v1/service-requests"},
                    times=1)
    outcome = client.create_request(payload(), key())
    assert isinstance(outcome, SetupProblem) and outcome.reason == "address"
    assert f"(HTTP {status}, to https://new-backoffice.example.gov.uk/v1/service-requests)" in outcome.message
    assert len(backoffice.hits) == 1 and backoffice.stored == {}


def test_without_the_council_ca_the_certificate_is_refused_and_nothing_is_sent(backoffice, clock):
    unverified = client_for(backoffice, clock, ca_pem="")
    outcome = unverified.create_request(payload(), key())
    assert isinstance(outcome, SetupProblem) and "certificate could not be verified" in outcome.message
    assert outcome.reason == "certificate"
    assert backoffice.hits == [] and backoffice.stored == {}
    unverified.close()


def test_a_certificate_for_another_host_is_refused(clock):
    office = BackOffice(hosts=("backoffice.example.gov.uk",), now=clock.now).start()
    try:
        client = client_for(office, clock)
        outcome = client.create_request(payload(), key())
        assert isinstance(outcome, SetupProblem) and "certificate could not be verified" in outcome.message
        assert office.hits == []
        client.close()
    finally:
        office.stop()


def test_the_council_ca_is_trusted_as_well_as_the_usual_authorities(backoffice, clock, tmp_path, monkeypatch):
    """With a council CA set, a back office whose certificate comes from one of the usual
    authorities (here: the back office's CA put into the usual bundle) is still trusted."""
    usual = tmp_path / "usual-authorities.pem"
    usual.write_text(backoffice.ca_pem, encoding="ascii")
    monkeypatch.setattr(certifi, "where", lambda: str(usual))
    other_council = BackOffice(tls=True)  # never started: only its CA is used
    client = client_for(backoffice, clock, ca_pem=other_council.ca_pem)
    assert isinstance(client.create_request(payload(), key()), Accepted)
    client.close()


def test_plain_http_to_this_computer_works(clock):
    office = BackOffice(tls=False, now=clock.now).start()
    try:
        client = client_for(office, clock)
        assert office.base_url.startswith("http://127.0.0.1:")
        assert isinstance(client.create_request(payload(), key()), Accepted)
        client.close()
    finally:
        office.stop()


# ---- try later ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, busy", [(408, False), (429, True), (500, False), (502, False), (503, True),
                                          (504, False)])
def test_timeouts_busy_and_server_errors_are_tried_later(client, backoffice, status, busy):
    backoffice.fail(status, times=1)
    outcome = client.create_request(payload(), key())
    what = "is busy" if busy else "had a problem"
    assert outcome == TryLater(f"The back office {what} (HTTP {status}): The back office is not well ({status}).",
                               answered=True)
    assert not outcome.may_have_arrived and not outcome.unreachable and outcome.retry_after is None


def test_retry_after_in_seconds(client, backoffice):
    backoffice.fail(503, retry_after="120", times=1)
    assert client.create_request(payload(), key()).retry_after == 120.0


def test_retry_after_as_an_http_date(client, backoffice):
    backoffice.fail(429, retry_after="date:90", times=1)  # a date 90 s after the (test) clock's now
    assert client.create_request(payload(), key()).retry_after == 90.0


def test_a_read_timeout_may_have_delivered_the_request(backoffice, clock):
    backoffice.slow(2, after_storing=True, times=1)
    impatient = client_for(backoffice, clock, read_timeout=0.3)
    same = key()
    outcome = impatient.create_request(payload(), same)
    assert outcome == TryLater("The back office took too long to answer.", may_have_arrived=True)
    assert backoffice.created_per_key == {same: 1}
    again = impatient.create_request(payload(), same)  # the retry gets the request it already has
    assert isinstance(again, Accepted) and backoffice.created_per_key == {same: 1}
    impatient.close()


def test_a_refused_connection_means_nothing_was_sent(client, backoffice):
    assert isinstance(client.create_request(payload(), key()), Accepted)  # a pooled connection exists
    backoffice.down()
    outcome = client.create_request(payload("AD-7K3P-8Q"), key())
    assert outcome == TryLater("The back office cannot be reached.", unreachable=True)
    with pytest.raises(BackOfficeError) as failed:
        client.check_health()
    assert failed.value.outcome.unreachable
    backoffice.up()
    assert isinstance(client.create_request(payload("AD-7K3P-8Q"), key()), Accepted)


@pytest.mark.parametrize("after_storing", [True, False])
def test_a_connection_dropped_after_accepting_may_have_delivered_the_request(client, backoffice, after_storing):
    backoffice.drop(after_storing=after_storing, times=1)
    same = key()
    outcome = client.create_request(payload(), same)
    assert outcome == TryLater("The connection to the back office broke before it answered.", may_have_arrived=True)
    assert len(backoffice.stored) == (1 if after_storing else 0)
    assert isinstance(client.create_request(payload(), same), Accepted)
    assert backoffice.created_per_key == {same: 1}


def test_an_answer_that_cannot_be_read_is_asked_again(client, backoffice):
    backoffice.fail(200, times=1)  # a 200 without a reference
    outcome = client.create_request(payload(), key())
    assert outcome == TryLater("The back office answered with something the desk cannot read; it will be asked "
                               "again.", may_have_arrived=True)


def test_answers_written_twice_are_never_taken_for_another_request_s(client, backoffice):
    """A back office that writes each answer twice leaves one on the reused connection, where it
    could be read as the next request's answer: the echoed desk reference catches that."""
    backoffice.twice()
    keys = {f"AD-7K3P-{n:02d}": key() for n in range(20)}
    outcomes = {reference: client.create_request(payload(reference), k) for reference, k in keys.items()}
    backoffice.normal()
    for reference, k in keys.items():
        outcome = outcomes[reference]
        for _again in range(3):  # an answer left over on a pooled connection can still turn up once
            if not isinstance(outcome, TryLater):
                break
            assert outcome.may_have_arrived
            outcome = client.create_request(payload(reference), k)
        assert outcome.reference == backoffice.request_for(reference).reference
    assert set(backoffice.created_per_key.values()) == {1} and len(backoffice.stored) == 20


@pytest.mark.parametrize("mode", ["down", "hang", "drop", "twice", "500", "503", "429", "401", "404", "ok"])
def test_no_answer_raises(backoffice, clock, mode):
    setters = {"down": backoffice.down, "hang": backoffice.hang, "drop": backoffice.drop, "twice": backoffice.twice,
               "500": lambda: backoffice.fail(500), "503": lambda: backoffice.fail(503, retry_after="oops"),
               "429": lambda: backoffice.fail(429, retry_after="date:5"), "401": lambda: backoffice.fail(401),
               "404": lambda: backoffice.fail(404), "ok": lambda: None}
    setters[mode]()
    client = client_for(backoffice, clock, connect_timeout=0.5, read_timeout=0.3)
    for number in range(3):
        assert isinstance(client.create_request(payload(f"AD-7K3P-{number}Q"), key()),
                          (Accepted, Refused, TryLater, SetupProblem))
    client.close()
    if mode == "down":
        backoffice.up()


# ---- one connection ----------------------------------------------------------------------------------------


def test_one_connection_serves_many_calls(client, backoffice):
    for number in range(10):
        created = client.create_request(payload(f"AD-7K3P-{number}Q"), key())
        assert client.status(created.reference)[0] == "received"
    client.changes(None)
    client.check_health()
    assert backoffice.accepted_connections == 1
    assert len(backoffice.hits) == 22


# ---- reading ----------------------------------------------------------------------------------------------


def test_status_changes_and_health_are_read(client, backoffice, clock):
    first = client.create_request(payload("AD-7K3P-1Q"), key())
    second = client.create_request(payload("AD-7K3P-2Q"), key())
    clock.advance(hours=3)
    backoffice.add_change(first.reference, "in_progress", "Crew booked")
    clock.advance(hours=20)
    backoffice.add_change(first.reference, "completed", "Collected\x00 on 24 November")
    backoffice.add_change(second.reference, "rejected", "Not a collection day")
    status, changed_at, message = client.status(first.reference)
    assert (status, changed_at, message) == ("completed", clock.now(), "Collected  on 24 November")

    changes, cursor = client.changes(None, limit=2)
    assert [(c.reference, c.status) for c in changes] == [(first.reference, "in_progress"),
                                                         (first.reference, "completed")]
    assert changes[0].changed_at == clock.now() - timedelta(hours=20) and changes[0].message == "Crew booked"
    more, cursor = client.changes(cursor, limit=2)
    assert [(c.reference, c.status, c.message) for c in more] == [(second.reference, "rejected",
                                                                   "Not a collection day")]
    assert client.changes(cursor) == ([], cursor)
    client.check_health()


def test_an_unknown_reference_is_refused(client):
    with pytest.raises(BackOfficeError) as failed:
        client.status("BO-9999999")
    assert failed.value.outcome == Refused(404, "There is no request BO-9999999.")


def test_reads_that_fail_raise_with_what_to_do(client, backoffice):
    backoffice.fail(503, retry_after="30")
    for read in (lambda: client.changes(None), client.check_health, lambda: client.status("BO-0000001")):
        with pytest.raises(BackOfficeError) as failed:
            read()
        assert isinstance(failed.value.outcome, TryLater) and failed.value.outcome.retry_after == 30.0


# ---- small parts --------------------------------------------------------------------------------------------


def test_retry_after_is_read_in_both_forms_and_kept_sensible(clock):
    now = clock.now()
    assert retry_after_seconds("120", clock) == 120.0
    assert retry_after_seconds(" 7 ", clock) == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(minutes=5), usegmt=True), clock) == 300.0
    assert retry_after_seconds(format_datetime(now - timedelta(minutes=5), usegmt=True), clock) == 0.0
    assert retry_after_seconds("999999999", clock) == MAX_RETRY_AFTER
    for nonsense in (None, "", "soon", "-5", "1.5", "Fri, 99 Foo 2026"):
        assert retry_after_seconds(nonsense, clock) is None


def test_messages_are_cleaned_and_kept_short():
    assert clean_message("  bad\x1b[31m red \x00 ") == "bad [31m red"
    assert clean_message("x" * 3000) == "x" * 2000 + "…"
