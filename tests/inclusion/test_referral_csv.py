"""A partner's CSV of updates: previewed row by row, then applied in one transaction."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import ConflictError, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.inclusion.referral_csv import MAX_ROWS, PartnerUpdatesImport
from assisted_desk.inclusion.referral_models import ReferralEvent
from assisted_desk.inclusion.referral_vocab import ReferralStatus, UpdateSource
from tests.conftest import make_actor

from .referral_fixtures import add_partner, agree_to_share, referral_service, register

S = ReferralStatus
ORG = "Good Things Foundation"


@pytest.fixture
def referrals(services):
    return referral_service(services)


@pytest.fixture
def updates(services):
    return PartnerUpdatesImport(services.db, services.clock)


@pytest.fixture
def world(services, referrals, coordinator, admin, resident_id, clock):
    """Six referrals made on 23/11/2026; the partner's file arrives on 03/12/2026."""
    ours = add_partner(services, ORG, service_name="Learn My Way")
    theirs = add_partner(services, "Age UK", service_name="Tech buddies")
    people = [resident_id, register(services, admin, "محمد", "الأحمد"), register(services, admin, "પ્રિયા", "Patel"),
              register(services, admin, "Zoë", "Ó Briain")]
    for person in people:
        agree_to_share(services, coordinator, person, ORG)
        agree_to_share(services, coordinator, person, "Age UK")

    def sent(person, service):
        draft = referrals.draft(coordinator, person, service, need_areas=["transacting"])
        return referrals.send(coordinator, draft.id, draft.version).referral

    made = {
        "r1": sent(people[0], ours), "r2": sent(people[1], ours), "r3": sent(people[2], ours),
        "r4": sent(people[3], theirs), "r6": sent(people[3], ours),
        "r5": referrals.draft(coordinator, people[0], ours, need_text="Still a draft"),
    }
    made["r3"] = referrals.record_update(coordinator, made["r3"].id, S.ACCEPTED, expected_version=made["r3"].version)
    clock.advance(days=10)
    made["org"] = referrals.get(coordinator, made["r1"].id).organisation_id
    return made


def csv_bytes(lines, *, encoding="utf-8-sig", delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(lines)
    return out.getvalue().encode(encoding)


def test_a_file_with_good_and_bad_rows_in_many_scripts(services, referrals, updates, coordinator, world, clock):
    r = {k: v.reference for k, v in world.items() if k != "org"}
    lines = [
        ["Name", "REFERENCE", " Status ", "date", "Reason", "Notes"],
        ["Łukasz", r["r1"], "accepted", "26/11/2026", "", ""],  # 2
        ["Łukasz", r["r1"].lower().replace("-", ""), "Attended", "2026-11-30", "", "Came with his daughter"],  # 3
        ["محمد", r["r2"], "DNA", "", "", ""],  # 4: sent, so cannot miss a session yet
        ["પ્રિયા", r["r3"], "did not attend", "01/12/2026", "", "Rang twice, no answer"],  # 5
        ["?", "RF-0000-00", "accepted", "", "", ""],  # 6
        ["?", f'=HYPERLINK("http://evil.example","{r["r1"]}")', "accepted", "", "", ""],  # 7
        ["Zoë", r["r4"], "accepted", "", "", ""],  # 8: made to Age UK
        ["Zoë", r["r6"], "maybe", "", "", ""],  # 9
        ["Zoë", r["r6"], "declined", "", "", ""],  # 10: no reason
        ["Zoë", r["r6"], "accepted", "31/02/2026", "", ""],  # 11
        ["Zoë", r["r6"], "accepted", "25/12/2026", "", ""],  # 12
        ["Łukasz", r["r1"], "Accepted", "", "", ""],  # 13: the same as line 2
        ["Zoë", r["r6"], "Declined", "", "=cmd|' /C calc'!A0", ""],  # 14
        ["Łukasz", r["r5"], "accepted", "", "", ""],  # 15: still a draft
        ["محمد", r["r2"], "Declined", "2026-12-02", "Full — نأسف، لا أماكن", ""],  # 16
        ["Zoë", r["r6"], "accepted", "20/11/2026", "", ""],  # 17: before it was even sent
        ["", "", "", "", "", ""],  # blank rows are skipped
    ]
    preview = updates.preview(coordinator, csv_bytes(lines), organisation_id=world["org"])
    by_line = {row.line: row for row in preview.rows}
    assert sorted(by_line) == list(range(2, 18))
    assert (preview.organisation_name, preview.to_apply, preview.with_problems, preview.unchanged) == (ORG, 4, 12, 0)
    assert [line for line, row in by_line.items() if row.ok] == [2, 3, 5, 16]
    assert by_line[2].change == "Sent → Accepted" and by_line[2].resident_name == "Łukasz Kowalski"
    assert by_line[3].change == "Accepted → Attended first session"  # follows line 2
    assert by_line[5].change == "Accepted → Did not attend" and by_line[5].note == "Rang twice, no answer"
    assert by_line[16].reason == "Full — نأسف، لا أماكن" and by_line[16].resident_name == "محمد الأحمد"
    expected = {
        4: f"{r['r2']}: A referral that is sent cannot become did not attend; it can become: accepted, declined, "
           "withdrawn, re-routed.",
        6: "No referral has the reference RF-0000-00.",
        7: 'The reference "=HYPERLINK("http://evil.example","RF-',
        8: f"{r['r4']} was made to Age UK, not {ORG}.",
        9: 'Status "maybe" is not one we know: use accepted, declined, attended, did not attend (or DNA), '
           "completed, stopped or withdrawn.",
        10: "A reason is needed when a referral is declined.",
        11: 'Date "31/02/2026" is not a date: write it as 23/11/2026 or 2026-11-23.',
        12: "Date 25/12/2026 is in the future.",
        13: "The same update as line 2.",
        14: 'Reason "=cmd|\' /C calc\'!A0" is a spreadsheet formula, not words; write the words instead.',
        15: f"{r['r5']}: A referral that is draft cannot become accepted; it can become: sent, withdrawn.",
        17: "Date 20/11/2026 is before the referral's last update on 23 November 2026.",
    }
    for line, message in expected.items():
        assert by_line[line].error.startswith(message), (line, by_line[line].error)
        assert not by_line[line].ok and by_line[line].change == ""

    result = updates.apply(coordinator, preview)
    assert (result.applied, result.referrals_changed, result.skipped_with_problems, result.unchanged) == (4, 3, 12, 0)
    r1 = referrals.get(coordinator, world["r1"].id)
    assert r1.status == S.ATTENDED_FIRST_SESSION
    assert (r1.accepted_at.date().isoformat(), r1.first_session_at.date().isoformat()) == ("2026-11-26", "2026-11-30")
    assert r1.events[-1].note == "Came with his daughter"
    assert all(e.source == UpdateSource.PARTNER_CSV and e.recorded_by == "Coordinator" and
               e.recorded_at == clock.now() for e in r1.events[-2:])
    r2 = referrals.get(coordinator, world["r2"].id)
    assert (r2.status, r2.status_reason) == (S.DECLINED, "Full — نأسف، لا أماكن")
    assert referrals.get(coordinator, world["r3"].id).status == S.DID_NOT_ATTEND
    assert referrals.get(coordinator, world["r6"].id).status == S.SENT  # every row for it had a problem
    with services.db.unit_of_work() as session:
        [summary] = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "referral.csv_applied"))
        assert summary == f"4 updates to 3 referrals from a partner's spreadsheet ({ORG})"
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action.like("referral.%"),
                                                            AuditEvent.actor == "coordinator",
                                                            AuditEvent.occurred_at == clock.now())).all()) == 5

    # The same file again changes nothing: what it says is already recorded.
    again = updates.preview(coordinator, csv_bytes(lines), organisation_id=world["org"])
    assert again.to_apply == 0 and {row.line for row in again.rows if row.unchanged} == {2, 3, 5, 16}
    assert {row.line: row.change for row in again.rows}[3] == "Already attended first session: nothing to change"
    with pytest.raises(ValidationError, match="Nothing to apply"):
        updates.apply(coordinator, again)


def test_cp1252_semicolons_and_utf16_are_read(services, referrals, updates, coordinator, world):
    r6 = world["r6"].reference
    lines = [["Reference", "Status", "Note"], [r6, "Accepted", "Zoë’s place at the café is booked"]]
    preview = updates.preview(coordinator, csv_bytes(lines, encoding="cp1252", delimiter=";"))
    [row] = preview.rows
    assert row.ok and row.note == "Zoë’s place at the café is booked" and preview.organisation_id is None
    utf16 = updates.preview(coordinator, csv_bytes(lines, encoding="utf-16", delimiter="\t"))
    assert utf16.rows[0].note == row.note and utf16.rows[0].ok
    no_bom = updates.preview(coordinator, csv_bytes([["reference", "outcome"], [r6, "accepted"]], encoding="utf-8"))
    assert no_bom.rows[0].ok
    updates.apply(coordinator, preview)
    assert referrals.get(coordinator, world["r6"].id).events[-1].note == "Zoë’s place at the café is booked"


def test_a_referral_changed_since_the_preview_stops_the_whole_file(services, referrals, updates, coordinator, world):
    lines = [["Reference", "Status"], [world["r1"].reference, "accepted"], [world["r2"].reference, "accepted"]]
    preview = updates.preview(coordinator, csv_bytes(lines))
    referrals.record_update(coordinator, world["r2"].id, S.DECLINED, expected_version=world["r2"].version,
                            reason="Phoned: no places")
    with pytest.raises(ConflictError, match=f"{world['r2'].reference} was changed by Coordinator since the preview"):
        updates.apply(coordinator, preview)
    assert referrals.get(coordinator, world["r1"].id).status == S.SENT  # nothing applied
    stale = {world["r1"].id: world["r1"].version - 1}
    fresh = updates.preview(coordinator, csv_bytes(lines))
    assert [row.ok for row in fresh.rows] == [True, False]
    with pytest.raises(ConflictError):
        updates.apply(coordinator, fresh, stale)
    assert updates.apply(coordinator, fresh).applied == 1
    with services.db.unit_of_work() as session:
        assert session.scalars(select(ReferralEvent.source).where(
            ReferralEvent.referral_id == world["r1"].id).order_by(ReferralEvent.id)).all()[-1] == "partner_csv"


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    (codecs.BOM_UTF8 + b"\r\n\r\n", "The file is empty"),
    (b"Reference,Status\r\n", "has no updates below them"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "spreadsheet workbook"),
    (b"%PDF-1.7\x00\x01\x02\xff\xfe binary", "not a CSV file"),
    (b"\x81\x8d\x8f\x90\x9d", "not a CSV file"),
    ("Référence,État\r\nRF-0000-00,accepté\r\n".encode(), 'Reference and Status are needed.*"Référence", "État"'),
    (b"Reference,Status\r\nRF-0000-00,\"accepted\r\n", "cannot be read as CSV|updates below"),
])
def test_a_file_that_cannot_be_read_says_why(updates, coordinator, data, message):
    with pytest.raises(ValidationError, match=message) as refused:
        updates.preview(coordinator, data)
    assert refused.value.field == "file"


def test_huge_files_are_refused_with_the_limit(services, updates, coordinator):
    rows = b"Reference,Status\r\n" + b"RF-0000-00,accepted\r\n" * (MAX_ROWS + 1)
    with pytest.raises(ValidationError, match="more than 5,000 rows"):
        updates.preview(coordinator, rows)
    with pytest.raises(ValidationError, match="at most 2 MB"):
        updates.preview(coordinator, b"Reference,Status\r\n" + b"x" * 2_100_000)


def test_only_staff_who_refer_may_import_updates(services, updates, admin, world):
    data = csv_bytes([["Reference", "Status"], [world["r1"].reference, "accepted"]])
    preview = updates.preview(admin, data)
    for role in (Role.DESK, Role.ADVOCATE):
        actor = make_actor(services, admin, role.value + "1", role)
        with pytest.raises(PermissionDenied, match="may not refer to partners"):
            updates.preview(actor, data)
        with pytest.raises(PermissionDenied):
            updates.apply(actor, preview)


@pytest.mark.parametrize("padding", [" ", "  ", "\u00a0", "\t "])
def test_a_formula_behind_leading_spaces_is_refused_in_every_text_cell(services, referrals, updates, coordinator,
                                                                      world, padding):
    """The check is made on the text as it would be stored (stripped), for every cell."""
    r1, r2, r6 = world["r1"].reference, world["r2"].reference, world["r6"].reference
    evil = f'{padding}=HYPERLINK("http://evil.example","x")'
    data = csv_bytes([["reference", "status", "reason", "note"],
                      [r1, "declined", evil, ""],  # 2: the reason
                      [r2, "accepted", "", evil],  # 3: the note
                      [f"{padding}+{r6}", "accepted", "", ""],  # 4: the reference
                      [r6, f"{padding}@accepted", "", ""]])  # 5: the status
    preview = updates.preview(coordinator, data)
    problems = {row.line: row.error for row in preview.rows}
    assert "is a spreadsheet formula, not words" in problems[2] and problems[2].startswith("Reason")
    assert "is a spreadsheet formula, not words" in problems[3] and problems[3].startswith("Note")
    assert "is a spreadsheet formula, not a reference" in problems[4]
    assert "is a spreadsheet formula, not a status" in problems[5]
    assert preview.to_apply == 0
    with pytest.raises(ValidationError, match="Nothing to apply"):
        updates.apply(coordinator, preview)
    for key in ("r1", "r2", "r6"):
        stored = referrals.get(coordinator, world[key].id)
        assert stored.status is S.SENT and "HYPERLINK" not in stored.status_reason


def test_the_preview_reads_the_database_a_fixed_number_of_times(services, referrals, updates, coordinator,
                                                                     admin, world):
    """Batch-loaded: the number of queries does not grow with the rows in the file."""
    from sqlalchemy import event

    def statements(action) -> tuple[object, int]:
        count = [0]

        def counted(*_args):
            count[0] += 1
        event.listen(services.db.engine, "before_cursor_execute", counted)
        try:
            return action(), count[0]
        finally:
            event.remove(services.db.engine, "before_cursor_execute", counted)

    org = world["org"]
    people = [register(services, admin, given, "Łukaszewicz")
              for given in ("Ana", "Bea", "Cai", "Dev", "Eli", "محمد", "પ્રિયા", "Łukasz")]
    extra = []
    for person in people:
        agree_to_share(services, coordinator, person, ORG)
        draft = referrals.draft(coordinator, person, world["r1"].service_id, need_areas=["transacting"])
        extra.append(referrals.send(coordinator, draft.id, draft.version).referral.reference)
    small = csv_bytes([["reference", "status"], [world["r1"].reference, "accepted"]])
    large = csv_bytes([["reference", "status"], [world["r1"].reference, "accepted"],
                       *[[ref, "accepted"] for ref in extra]])
    _preview, few = statements(lambda: updates.preview(coordinator, small, organisation_id=org))
    preview, many = statements(lambda: updates.preview(coordinator, large, organisation_id=org))
    assert preview.to_apply == 9 and many == few
