"""Subject access on SQLite and PostgreSQL: everything held about a resident (and what was merged
into their record), nobody else's data, details about other people left out, refused to roles
without the permission, audited, written as one archive (JSON, PDF, attachments) or not at all."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import datetime, timezone

import keyring
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from pypdf import PdfReader
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.db import Base
from assisted_desk.core.errors import EnvironmentFault, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Actor, PasswordHashing, Role
from assisted_desk.desk import merge as merge_module
from assisted_desk.privacy import subject_access as subject_access_module
from assisted_desk.privacy.subject_access_rows import LEFT_OUT, uncovered_tables
from assisted_desk.services import open_services
from tests.conftest import PASSWORD, MemoryKeyring, migrated_database_url
from tests.printing.pdfcheck import fonts_used, page_png, pdftotext
from tests.printing.test_case_summary_pdf import whole_text

from .subject_access_world import (LETTER, OTHER_NOTE, RESTRICTED_WHY, SCAN, THIRD_PARTY_NOTE, add_cjk_resident,
                                   build_world)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory, _migrated_templates):
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    url = migrated_database_url(request.param, request, tmp_path_factory.mktemp("sar"), tmp_path_factory,
                                _migrated_templates)
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))
    services = open_services(Paths.for_home(tmp_path_factory.mktemp("home")), parse_database_url(url), clock=clock,
                             hashing=PasswordHashing(PasswordHasher.from_parameters(CHEAPEST)))
    record = services.staff.set_up_desk("Central Library", "library", "admin", "Amara Okafor", PASSWORD)
    admin = Actor(record.id, record.username, record.display_name, Role.ADMIN, record.site_id, record.site_name)
    world = build_world(services, admin)
    pack = services.subject_access.export(world.manager, world.resident_id)
    add_cjk_resident(services, world)
    yield services, world, pack
    services.close()
    keyring.set_keyring(previous)


def _one(items, **match):
    found = [item for item in items if all(item.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, items)
    return found[0]


def test_every_section_holds_the_residents_data_with_exact_values(built):
    services, world, pack = built
    data = pack.data
    assert data["format"] == "assisted-desk/subject-access" and data["format_version"] == 1
    assert data["resident_id"] == world.resident_id and data["resident_name"] == "Łukasz Żółć"
    assert data["generated_by"] == "manager" and data["generated_at"].endswith("+00:00")
    resident = data["resident"]
    assert (resident["given_name"], resident["family_name"], resident["date_of_birth"]) == ("Łukasz", "Żółć",
                                                                                           "1985-03-14")
    assert (resident["address_line1"], resident["postcode"], resident["phone"], resident["email"]) == (
        "12 Mile End Road", "E1 6AN", "+447400123456", "lukasz@example.org")
    assert resident["registered_site_name"] == "Central Library" and "postcode_key" not in resident
    assert resident["created_at"] == "2026-11-23T10:00:00+00:00" and resident["created_by"] == "deskstaff"

    # The merged record, and what it held, are in, and said to be.
    [merged] = data["merged_records"]
    assert (merged["id"], merged["library_card"], merged["merged_into_id"]) == (world.merged_id, "LIB123",
                                                                                world.resident_id)
    [merge] = data["merges"]
    assert (merge["survivor_id"], merge["merged_id"], merge["merged_by"]) == (world.resident_id, world.merged_id,
                                                                              "advocate")
    contacts = data["contacts"]
    assert {c["reference"] for c in contacts} == {world.contact_reference, world.merged_contact_reference,
                                                   _submission_contact(data)}
    first = _one(contacts, reference=world.contact_reference)
    assert (first["notes"], first["channel"], first["staff_name"], first["site_name"]) == (
        "Asked about council tax", "face_to_face", "Deskstaff", "Central Library")
    assert first["service_code_name"] == "Council Tax" and first["resident_record_id"] == world.resident_id

    assert [e["first_language"] for e in data["equality"]] == ["Polish"]
    [rep] = data["representatives"]
    assert (rep["name"], rep["relationship"]) == ("પ્રિયા પટેલ", "family")
    assert {(c["purpose"], c["scope"]) for c in data["consents"]} == {
        ("contact", "email"), ("act_on_behalf", "waste_recycling"), ("share", "Good Things Foundation")}
    assert _one(data["consents"], purpose="contact")["note"] == "Prefers email"
    # Codes the database alone can put into words get a *_label beside them; the code stays.
    assert _one(data["consents"], purpose="act_on_behalf")["scope_label"] == "Waste and recycling"
    assert "scope_label" not in _one(data["consents"], purpose="contact")
    assert {r["reference"] for r in data["references"]} >= {world.contact_reference, world.case_reference,
                                                            world.submission_reference, world.referral_reference}
    [ticket] = data["queue_visits"]
    assert ticket["reason"] == "Council tax" and ticket["number"] == 1
    [callback] = data["callbacks"]
    assert callback["reason"] == "Ring back about the bin" and callback["attempts"] == []

    [request] = data["requests"]
    assert (request["reference"], request["request_type"], request["state"]) == (
        world.submission_reference, "missed_bin", "queued")
    assert request["fields_json"]["notes"] == "Blue bin left out" and "idempotency_key" not in request
    assert [e["kind"] for e in request["history"]] == ["queued"]

    attachments = {a["filename"]: a for a in data["attachments"]}
    assert set(attachments) == {"scan ż.png", "letter.pdf"}
    assert attachments["scan ż.png"]["file"] == f"attachments/{world.attachment_id}-scan ż.png"
    assert dict(pack.files)[attachments["scan ż.png"]["file"]] == SCAN
    assert dict(pack.files)[attachments["letter.pdf"]["file"]] == LETTER

    [case] = data["cases"]
    assert (case["reference"], case["summary"], case["restricted"]) == (
        world.case_reference, "Damp in the flat; repairs not booked", True)
    assert case["owner_name"] == "Advocate" and case["representative_name"] == "પ્રિયા પટેલ"
    assert "Rang Łukasz about the damp" in [a["text"] for a in case["activities"]]
    assert (case["case_type_name"], case["status"], case["status_label"]) == ("Housing", "new", "New")
    assert _one(case["activities"], kind="opened")["to_status_label"] == "New"

    [assessment] = data["assessments"]
    assert assessment["state"] == "in_progress" and len(assessment["answers"]) == 1
    assert assessment["answers"][0]["answer"] == "with_help"
    assert assessment["answers"][0]["statement"].startswith("I ")  # the framework's words beside the code
    assert [(b["barrier"], b["detail"]) for b in assessment["barriers"]] == [("confidence", "Worried about scams")]
    [referral] = data["referrals"]
    assert (referral["reference"], referral["need_text"], referral["status"]) == (
        world.referral_reference, "Help with online forms", "draft")
    assert referral["service_name"] == "Learn My Way (Good Things Foundation)"
    assert [e["to_status"] for e in referral["history"]] == ["draft"]
    [printed] = data["prints"]
    assert (printed["title"], printed["method"], printed["printed_by"]) == ("Your digital skills plan", "pdf",
                                                                            "deskstaff")


def _submission_contact(data) -> str:
    [request] = data["requests"]
    return next(c["reference"] for c in data["contacts"] if c["id"] == request["interaction_id"])


def test_another_residents_data_never_appears(built):
    services, world, pack = built
    text = pack.to_json()
    for value in ("محمد", "الحسن", "other@example.org", "E2 7DJ", OTHER_NOTE):
        assert value not in text
    assert all(item.get("resident_record_id") in (world.resident_id, world.merged_id)
               for key, value in pack.data.items() if isinstance(value, list)
               for item in value if isinstance(item, dict) and "resident_record_id" in item)
    assert {e["record_id"] for e in pack.data["audit"] if e["record_type"] == "resident"} == {
        str(world.resident_id), str(world.merged_id)}
    other = services.subject_access.export(world.manager, world.other_id)
    assert "Łukasz" not in other.to_json() and OTHER_NOTE in other.to_json()


def test_details_about_other_people_are_left_out_and_counted(built):
    _, world, pack = built
    text = pack.to_json()
    for secret in (THIRD_PARTY_NOTE, RESTRICTED_WHY, "07400 999888", "+447400999888", "priya@example.org",
                   "1 Other Street"):
        assert secret not in text
    [case] = pack.data["cases"]
    assert "restricted_reason" not in case and all(not a["internal"] for a in case["activities"])
    # The internal note and the restriction's own line (which holds its reason) are withheld.
    assert case["internal_lines_withheld"] == 2
    withheld = {w["what"]: w["count"] for w in pack.data["withheld"]}
    assert withheld == {"case_activity.internal": 2, "advocacy_case.restricted_reason": 1,
                        "representative.phone": 1, "representative.email": 1, "representative.address": 1}
    assert all(w["why"] for w in pack.data["withheld"])


def test_roles_without_the_permission_are_refused(built):
    services, world, _ = built
    for actor in (world.desk, world.coordinator, world.advocate):
        with pytest.raises(PermissionDenied, match="may not export personal data"):
            services.subject_access.export(actor, world.resident_id)
        with pytest.raises(PermissionDenied):
            services.subject_access.write_archive(actor, world.resident_id, "/nonexistent/never.zip")
        with pytest.raises(PermissionDenied):
            services.subject_access.find_resident(actor, str(world.resident_id))
    assert services.subject_access.export(world.admin, world.resident_id).resident_id == world.resident_id


def test_the_audit_of_views_and_changes_is_in_and_the_export_is_audited(built):
    services, world, pack = built
    actions = {(e["action"], e["record_type"]) for e in pack.data["audit"]}
    assert {("resident.registered", "resident"), ("resident.merged", "resident"), ("resident.merged_away", "resident"),
            ("interaction.logged", "interaction"), ("consent.recorded", "consent"), ("attachment.added", "attachment"),
            ("submission.queued", "submission"), ("case.opened", "advocacy_case"), ("case.restricted", "advocacy_case"),
            ("skills.started", "skills_assessment"), ("referral.drafted", "referral"),
            ("representative.added", "representative"), ("print.record", "resident")} <= actions
    times = [e["occurred_at"] for e in pack.data["audit"]]
    assert times == sorted(times)
    # Exporting is audited, with counts only: never a name or a value.
    exported = [e for e in services.audit.browse(world.admin, _filter("resident.exported")).entries
                if e.record_id == str(world.resident_id)]
    assert exported and exported[-1].actor in ("manager", "admin")
    assert "Łukasz" not in exported[-1].summary and "contacts" in exported[-1].summary


def test_what_an_export_reads_beyond_the_role_is_recorded_where_such_readings_always_are(built):
    """An administrator does not read cases and a service manager does not see equality answers;
    subject access needs both, so the export records the restricted case as opened (its access
    log) and the equality answers as viewed, naming the export."""
    services, world, _ = built
    services.subject_access.export(world.admin, world.resident_id)
    [case] = [c for c in services.subject_access.export(world.admin, world.resident_id).data["cases"]
              if c["restricted"]]
    log = services.cases.access_log(world.manager, case["id"])
    assert ("Administrator", "Opened") in {(entry.role, entry.what) for entry in log}
    viewed = [e for e in services.audit.browse(world.admin, _filter("resident.equality_viewed")).entries
              if e.record_id == str(world.resident_id) and e.actor == "admin"]
    assert viewed and "subject access export" in viewed[0].summary


def _filter(action: str):
    from assisted_desk.core.audit import AuditFilter

    return AuditFilter(action=action)


def test_the_archive_holds_json_pdf_and_files_and_round_trips(built, tmp_path, artifacts):
    services, world, _ = built
    out = tmp_path / "Łukasz subject access.zip"
    result = services.subject_access.write_archive(world.manager, world.resident_id, out)
    assert result.path == out and result.attachments == 2 and result.merged_records == 1 and result.withheld == 6
    assert os.listdir(tmp_path) == [out.name]  # no temporary file left behind
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("subject-access.json").decode("utf-8"))
        pdf_bytes = archive.read("subject-access.pdf")
        files = {name: archive.read(name) for name in names if name.startswith("attachments/")}
    assert names[:2] == ["subject-access.json", "subject-access.pdf"]
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert set(files.values()) == {SCAN, LETTER}
    assert {a["file"] for a in data["attachments"]} == set(files)

    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == result.pdf_pages >= 2
    assert all(fonts_used(reader).values())  # every font embedded
    pdf_path = tmp_path / "pack.pdf"
    pdf_path.write_bytes(pdf_bytes)
    text = whole_text(pdf_path)
    for expected in ("Everything we hold about you", "Łukasz Żółć", "Contacts with the desk", world.case_reference,
                     "Asked about council tax", "Who changed or looked at your records", "પ્રિયા પટેલ",
                     "Left out because it is about other people", "joined this record into yours"):
        assert expected in text, expected
    for secret in (THIRD_PARTY_NOTE, RESTRICTED_WHY, "priya@example.org"):
        assert secret not in text
    page_png(pdf_path, 1, artifacts / "subject-access-page1", dpi=60)


def test_non_latin_names_print(built, tmp_path):
    services, world, _ = built
    out = tmp_path / "other.zip"
    services.subject_access.write_archive(world.manager, world.other_id, out)
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "other.pdf").write_bytes(archive.read("subject-access.pdf"))
        data = json.loads(archive.read("subject-access.json"))
    assert data["resident"]["given_name"] == "محمد"
    text = whole_text(tmp_path / "other.pdf")
    assert "محمد الحسن" in text and OTHER_NOTE in text


def test_a_name_no_font_can_draw_is_marked_in_the_pdf_and_exact_in_the_json(built, tmp_path):
    services, world, _ = built
    out = tmp_path / "cjk.zip"
    services.subject_access.write_archive(world.manager, world.cjk_id, out)
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "cjk.pdf").write_bytes(archive.read("subject-access.pdf"))
        data = json.loads(archive.read("subject-access.json"))
    assert (data["resident_name"], data["resident"]["family_name"]) == ("Małgorzata 李", "李")
    text = " ".join(pdftotext(tmp_path / "cjk.pdf", "-layout").split())
    assert "Małgorzata \ufffd" in text and "Family name \ufffd" in text and "李" not in text
    assert "Some characters could not be printed" in text
    assert "ليلى حداد" in whole_text(tmp_path / "cjk.pdf")  # the Arabic staff name prints (left-aligned: test_subject_access_pdf)


def test_finding_the_resident_from_what_is_typed(built):
    services, world, _ = built
    find = services.subject_access.find_resident
    assert find(world.manager, str(world.resident_id)).resident_id == world.resident_id
    assert find(world.manager, f" record {world.resident_id} ").resident_id == world.resident_id
    assert find(world.manager, world.case_reference.lower()).resident_id == world.resident_id
    # A contact logged on the merged duplicate now belongs to the survivor.
    assert find(world.manager, world.merged_contact_reference).resident_id == world.resident_id
    found = find(world.manager, str(world.merged_id))
    assert (found.resident_id, found.merged_from, found.name) == (world.resident_id, world.merged_id, "Łukasz Żółć")
    with pytest.raises(NotFound, match="no resident with record number 999999"):
        find(world.manager, "999999")
    with pytest.raises(NotFound, match="No record has the reference AD-2222-22"):
        find(world.manager, "AD-2222-22")
    with pytest.raises(ValidationError, match="neither a record number nor a reference"):
        find(world.manager, "Łukasz")
    with pytest.raises(ValidationError, match="merged into record"):
        services.subject_access.export(world.manager, world.merged_id)


def test_a_failed_write_leaves_nothing_behind(built, tmp_path, monkeypatch):
    services, world, _ = built
    out = tmp_path / "pack.zip"

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(subject_access_module.os, "replace", full_disk)
    with pytest.raises(EnvironmentFault, match="No space left on device"):
        services.subject_access.write_archive(world.manager, world.resident_id, out)
    assert os.listdir(tmp_path) == []
    [said] = [e for e in services.audit.browse(world.admin, _filter("resident.export_not_written")).entries
              if e.record_id == str(world.resident_id)][:1]
    assert said.actor == "manager" and "nothing was handed over" in said.summary
    monkeypatch.undo()
    with pytest.raises(ValidationError, match="does not exist"):
        services.subject_access.write_archive(world.manager, world.resident_id, tmp_path / "missing" / "x.zip")
    with pytest.raises(ValidationError, match="is a folder"):
        services.subject_access.write_archive(world.manager, world.resident_id, tmp_path)


def test_every_table_about_a_resident_is_exported_or_left_out_on_purpose(monkeypatch):
    assert uncovered_tables() == []
    assert merge_module.unlinked_columns() == []
    assert set(LEFT_OUT) == {"resident_name_word", "resident_name_variant"}
    # A table added later that points at a resident (or at a resident's record) is caught.
    metadata = MetaData()
    Table("resident", metadata, Column("id", Integer, primary_key=True))
    Table("advocacy_case", metadata, Column("id", Integer, primary_key=True),
          Column("resident_id", ForeignKey("resident.id")))
    Table("case_letter", metadata, Column("id", Integer, primary_key=True),
          Column("case_id", ForeignKey("advocacy_case.id")))
    Table("legal_thing", metadata, Column("id", Integer, primary_key=True),
          Column("resident_id", ForeignKey("resident.id")))
    monkeypatch.setattr(Base, "metadata", metadata)
    assert {"case_letter", "legal_thing"} <= set(uncovered_tables())
