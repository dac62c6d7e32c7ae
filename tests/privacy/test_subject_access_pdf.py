"""The subject access PDF read as a resident reads it (user trial, issue 10): names and words, not
ids and codes; nested things laid out one line or one row each; audit lines in plain words; a
character no font can draw shown as a visible mark and said so at the top, never dropped; values
left-aligned in the tables even when they run right to left. Rendered from a small pack, no database."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from pypdf import PdfReader

from assisted_desk.printing.subject_access_pdf import REPLACEMENT, drawable, printable, render_subject_access
from tests.printing.pdfcheck import fonts_used, page_png, pdftotext

T = "2026-11-23T10:15:00+00:00"
ARABIC_STAFF = "ليلى حداد"
RESULT = {
    "framework_version": "2018",
    "areas": [{"area": "foundation", "title": "Foundation", "levels": [
        {"level": "foundation", "status": "reached", "on_my_own": 3, "not_yet": 0, "not_relevant": 0,
         "not_asked": 0, "why": ""}]},
              {"area": "communicating", "title": "Communicating", "levels": [
                  {"level": "life", "status": "not_reached", "on_my_own": 1, "not_yet": 2, "not_relevant": 0,
                   "not_asked": 0, "why": "two tasks not yet"},
                  {"level": "work", "status": "not_assessed", "on_my_own": 0, "not_yet": 0, "not_relevant": 0,
                   "not_asked": 4, "why": ""}]}],
    "overall": [{"level": "foundation", "status": "reached", "on_my_own": 3, "not_yet": 0, "not_relevant": 0,
                 "not_asked": 0, "why": ""}],
    "next_tasks": [{"code": "C3", "area": "communicating", "area_title": "Communicating", "level": "life",
                    "sentence": "Send an email with a photo attached", "answer": "cant_yet", "for_goals": ["family"]}],
}


def _pack() -> dict:
    return {
        "format": "assisted-desk/subject-access", "format_version": 1, "generated_at": T, "generated_by": "cli:root",
        "resident_id": 7, "resident_name": "Małgorzata 李",
        "resident": {"id": 7, "given_name": "Małgorzata", "family_name": "李", "preferred_language": "pl"},
        "merged_records": [], "merges": [], "equality": [],
        "representatives": [{"id": 4, "resident_id": 7, "name": "Anna", "relationship": "family",
                             "authority_scope": "*", "authority_scope_label": "every service"}],
        "consents": [{"id": 89, "purpose": "act_on_behalf", "scope": "council_tax", "scope_label": "Council Tax",
                      "method": "verbal", "given_at": T}],
        "contacts": [{"id": 2, "reference": "AD-AAAA-AA", "staff_id": 6, "staff_name": ARABIC_STAFF,
                      "site_id": 1, "site_name": "Central Library", "occurred_at": T, "channel": "face_to_face",
                      "help_type": "on_behalf", "outcome": "resolved", "notes": "Asked about 李's bin"}],
        "references": [], "queue_visits": [], "callbacks": [], "requests": [], "attachments": [],
        "cases": [{"id": 3, "reference": "CS-BBBB-BB", "case_type_id": 2, "case_type_name": "Housing",
                   "status": "waiting_landlord", "status_label": "Waiting for the landlord", "escalation_level": 0,
                   "reopen_count": 0, "owner_id": 5, "owner_name": "Advocate", "opened_at": T,
                   "internal_lines_withheld": 0, "team": [],
                   "activities": [{"id": 1, "case_id": 3, "kind": "call", "text": "Rang about the damp",
                                   "internal": False, "happened_at": T, "recorded_at": T, "recorded_by": "advocate",
                                   "staff_id": 5, "staff_name": "Advocate"},
                                  {"id": 2, "case_id": 3, "kind": "status", "text": "", "internal": False,
                                   "happened_at": T, "from_status": "new", "to_status": "waiting_landlord",
                                   "from_status_label": "New", "to_status_label": "Waiting for the landlord",
                                   "staff_name": "Advocate"}]}],
        "assessments": [{"id": 3, "kind": "full", "state": "completed", "position": 9, "framework_version": "2018",
                         "started_at": T, "result_json": RESULT,
                         "answers": [{"id": 1, "assessment_id": 3, "statement_code": "F1",
                                      "statement": "I can turn on a device", "answer": "on_my_own",
                                      "evidence": "observed", "answered_at": T},
                                     {"id": 2, "assessment_id": 3, "statement_code": "C3", "answer": "cant_yet",
                                      "evidence": "said", "answered_at": T}],
                         "barriers": [{"id": 1, "assessment_id": 3, "barrier": "confidence", "detail": "Scams"}],
                         "goals": [], "result_levels": [{"assessment_id": 3, "area": "", "level": "foundation",
                                                         "status": "reached", "on_my_own": 3}]}],
        "referrals": [{"id": 1, "reference": "RF-CCCC-CC", "assessment_id": 3, "consent_id": 89, "method": "email",
                       "status": "sent", "delivery_state": "not_by_api", "attempts": 0, "created_at": T,
                       "service_id": 1, "service_name": "Learn My Way (Good Things Foundation)", "history": []}],
        "prints": [], "legal_holds": [],
        "audit": [
            {"id": 1, "occurred_at": T, "actor": "cli:root", "role": None, "action": "resident.exported",
             "record_type": "resident", "record_id": "7",
             "summary": "archive prepared (written only if this is recorded): 1 contacts"},
            {"id": 2, "occurred_at": T, "actor": "advocate", "role": "advocate", "action": "case.opened",
             "record_type": "advocacy_case", "record_id": "3", "summary": "CS-BBBB-BB housing for resident 7, owner 5"},
            {"id": 3, "occurred_at": T, "actor": "admin", "role": "admin", "action": "resident.retention_applied",
             "record_type": "resident", "record_id": "7", "summary": "removed resident_name_word rows; staff 6"},
        ],
        "withheld": [],
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    pdf = io.BytesIO()
    render_subject_access(_pack(), pdf)
    path = tmp_path_factory.mktemp("sar-pdf") / "pack.pdf"
    path.write_bytes(pdf.getvalue())
    return path, pdftotext(path), " ".join(pdftotext(path, "-layout").split())


def test_a_character_no_font_draws_is_marked_and_said_never_dropped(rendered):
    path, _, text = rendered
    assert "Małgorzata " + REPLACEMENT in text
    assert f"Family name {REPLACEMENT}" in text and f"Asked about {REPLACEMENT}'s bin" in text
    assert "Some characters could not be printed and are shown as" in text and "subject-access.json" in text
    assert all(fonts_used(PdfReader(path)).values())  # only the shipped fonts, all embedded
    missing: set[str] = set()
    assert printable({"a": ["Zoë 李 😀", "Łódź"]}, missing) == {"a": [f"Zoë {REPLACEMENT} {REPLACEMENT}", "Łódź"]}
    assert missing == {"李", "😀"} and drawable("ł") and drawable("\u200d")


def test_no_notice_when_every_character_prints(tmp_path):
    pack = _pack()
    pack["resident_name"], pack["resident"]["family_name"] = "Małgorzata Li", "Li"
    pack["contacts"][0]["notes"] = "Asked about the bin"
    pdf = io.BytesIO()
    render_subject_access(pack, pdf)
    (tmp_path / "ok.pdf").write_bytes(pdf.getvalue())
    text = pdftotext(tmp_path / "ok.pdf")
    assert "could not be printed" not in text and REPLACEMENT not in text


def test_names_and_words_instead_of_ids_codes_and_machinery(rendered):
    _, _, text = rendered
    for internal in ("Case type id", "Assessment id", "Consent id", "Position", "Attempts", "Delivery state",
                     "Escalation level", "Escalated to", "Reopen count", "Authority scope", "Scope", "council_tax",
                     "on_my_own", "cant_yet", "Cant yet", "Not by api", "waiting_landlord", "Framework version",
                     "Result levels", "Owner", "89"):
        assert internal not in text, internal
    for words in ("Case type Housing", "Status Waiting for the landlord", "May act for you with every service",
                  "For Council Tax", "Purpose Act on their behalf with a service", "Help given Done on the resident's "
                  "behalf", "Preferred language Polish", "Can do on my own", "Can't do yet", "Staff saw it done",
                  "Confidence or fear", "Learn My Way (Good Things Foundation)"):
        assert words in text, words


def test_nested_things_are_tables_and_one_line_each(rendered, artifacts):
    path, raw, text = rendered
    assert "Areas:" not in text and "Levels:" not in text and "Kind:" not in text and "What was written:" not in text
    assert "Skills area Foundation Life Work" in text
    assert "Communicating Not yet Not assessed" in text and "All areas Reached" in text
    assert "Send an email with a photo attached (Communicating)" in text
    assert "Statement Your answer How we know I can turn on a device Can do on my own Staff saw it done C3 Can't do yet" in text
    assert "– 23/11/2026 10:15 — Call — Rang about the damp — Advocate" in text
    assert "– 23/11/2026 10:15 — Status — New — now waiting for the landlord — Advocate" in text
    for page in range(1, len(PdfReader(path).pages) + 1):
        page_png(path, page, artifacts / f"subject-access-trial-page{page}", dpi=70)


def test_audit_and_header_in_plain_words(rendered):
    _, _, text = rendered
    for internal in ("cli:root", "archive prepared", "written only if", "owner 5", "staff 6", "resident_name_word",
                     "resident 7"):
        assert internal not in text, internal
    assert "by council staff using the command line, in answer to a subject access request" in text
    assert "council staff using the command line prepared a copy of everything held about you" in text
    assert "advocate (advocate) opened an advocacy case: CS-BBBB-BB housing for record 7, an advocate" in text
    assert "removed name search keys rows; a colleague" in text


def test_right_to_left_values_sit_left_in_the_value_column(rendered):
    path, _, _ = rendered
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    # Each drawn line carries its text as /ActualText, so poppler gives a cell's value as one "word".
    words: dict[str, float] = {}
    for line in bbox.splitlines():
        if "<word " in line:
            words[line.split(">", 1)[1].rsplit("<", 1)[0]] = float(line.split('xMin="')[1].split('"')[0])
    left_of_value = words["Central Library"]  # a left-to-right value in the same table
    assert abs(words[ARABIC_STAFF] - left_of_value) < 0.5, (words[ARABIC_STAFF], left_of_value)
    assert json.dumps(_pack(), ensure_ascii=False)  # the pack itself is untouched JSON
