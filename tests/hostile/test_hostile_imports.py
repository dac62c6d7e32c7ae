"""Hostile imports, on SQLite and PostgreSQL: an Open Referral UK directory whose names, ids
and texts are the hostile strings (and whose answers are broken JSON or broken encodings), and
partners' CSV files of referral updates with hostile cells, broken encodings, byte-order marks,
formulas and huge sizes. Every record is imported exactly as cleaned or skipped with its reason;
every file is previewed or refused as a whole with a ValidationError; never any other exception."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assisted_desk.core.errors import ValidationError
from assisted_desk.core.security import Role
from assisted_desk.inclusion.oruk_import import ImportFailed, import_oruk
from assisted_desk.inclusion.referral_csv import MAX_BYTES
from tests.inclusion.referral_fixtures import add_partner, force_status, register
from tests.oruk_server import OrukServer, service

from ..conftest import make_actor
from .strings import FORMULAS, all_strings, chunks, documented_clean, has_surrogate, storable


@pytest.fixture(scope="module")
def coordinator(desk_services):
    services, admin = desk_services
    return services, make_actor(services, admin, "hostile.coordinator", Role.COORDINATOR)


@pytest.fixture(scope="module")
def directory_server():
    server = OrukServer().start()
    yield server
    server.stop()


def run(services, actor, url):
    runner = import_oruk(services.db, services.clock, actor, url)
    while True:
        try:
            next(runner)
        except StopIteration as finished:
            return finished.value


# ---- Open Referral UK -------------------------------------------------------------------------


def test_a_directory_of_hostile_records_imports_each_exactly_or_skips_it(coordinator, directory_server):
    services, actor = coordinator
    strings = all_strings()[::2]  # half of every kind of string: each costs two requests to the server
    for n, text in enumerate(strings):
        record = service(f"svc-{n}", text, org_id=f"org-{n}", org_name=text, description=text)
        directory_server.put(record)
        if has_surrogate(text):  # JSON escapes half a pair as \ud800: sent as such, read back as such
            directory_server.detail_bytes(f"svc-{n}", json.dumps(record).encode("ascii"))
    hostile_ids = [s for s in strings[:60] + strings[-40:] if s.strip()]  # refused at the list: never fetched
    for n, text in enumerate(hostile_ids):  # ids are text too: they go into URLs and a column
        directory_server.put(service(text, f"Hostile id {n}", org_id=text, org_name=f"Org {n}"))
    directory_server.detail_bytes("svc-0", b"\xff\xfe not json")  # a broken answer: skipped, not fatal
    summary = run(services, actor, directory_server.url)
    listed_but_skipped = [s for s in summary.skipped if not s.id.startswith("page ")]  # others: bad ids
    assert summary.added + len(listed_but_skipped) == summary.listed
    assert all(skip.problem.strip() for skip in summary.skipped)
    imported = {s.name: s for s in services.partners.list_services(actor, include_gone=True)}
    kept = 0
    for n, text in enumerate(strings):
        name = documented_clean(text)
        if storable(text) and 0 < len(name) <= 200 and n:
            assert name in imported, (n, text)
            record = services.partners.get_service(actor, imported[name].id)
            assert record.description == name and record.organisation_name == name
            kept += 1
        elif not storable(text):
            assert name not in imported, text
    assert kept > 150


def test_broken_directory_answers_change_nothing_or_skip(coordinator):
    services, actor = coordinator
    server = OrukServer().start()
    try:
        server.put(service("fine-1", "Fine service"))
        for n, body in enumerate([b"", b"\x00\x00\x00", b"{" * 5000, codecs.BOM_UTF8 + b'{"id": "x"}',
                                  "{\"id\": \"ü\"}".encode("utf-16"), b'{"id": "\\ud800"}', b"[" + b"1," * 20000 + b"1]",
                                  b'{"id": "bad-7", "name": "\\u0000"}']):
            server.put(service(f"bad-{n}", f"Bad {n}"))
            server.detail_bytes(f"bad-{n}", body)
        summary = run(services, actor, server.url)
        assert summary.added >= 1 and len(summary.skipped) == 8, summary.text()
        server.page_bytes(1, b"\xef\xbb\xbf\x00 not json")
        with pytest.raises(ImportFailed) as failed:
            run(services, actor, server.url)
        assert str(failed.value).strip()
    finally:
        server.stop()


# ---- partners' CSV files of updates ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sent_referrals(coordinator):
    """Ten referrals already sent to one partner, for CSV rows to update."""
    services, actor = coordinator
    service_id = add_partner(services, "CSV Partner")
    resident = register(services, actor, "Ștefan", "Popescu")
    ids = [services.referrals.draft(actor, resident, service_id, need_text="Email").id for _ in range(10)]
    for referral_id in ids:
        force_status(services, referral_id, "sent")
    return [services.referrals.get(actor, i) for i in ids]


def csv_bytes(rows, encoding="utf-8") -> bytes:
    lines = ["Reference,Status,Date,Reason,Note"]
    for cells in rows:
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    return "\r\n".join(lines).encode(encoding, errors="replace")


def preview_or_refuse(services, actor, data: bytes):
    try:
        return services.partner_updates.preview(actor, data)
    except ValidationError as refused:
        assert refused.field == "file" and str(refused).strip()
        return None


def test_hostile_cells_never_crash_the_preview(coordinator, sent_referrals):
    services, actor = coordinator
    reference = sent_referrals[0].reference
    for batch in chunks(all_strings(), 120):
        for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
            rows = [[text, text, text, text, text] for text in batch] + \
                   [[reference, "accepted", "", text, text] for text in batch]
            preview = preview_or_refuse(services, actor, csv_bytes(rows, encoding))
            if preview is None:
                continue
            for row in preview.rows:
                if row.reference.strip() != reference:
                    assert row.problems, row  # a hostile reference is never taken for a referral


def test_formulas_are_refused_and_hostile_notes_read_back_exactly(coordinator, sent_referrals):
    services, actor = coordinator
    reference = sent_referrals[1].reference
    formulas = services.partner_updates.preview(actor, csv_bytes(
        [[reference, "accepted", "", "", formula] for formula in FORMULAS]))
    assert all(any("formula" in p for p in row.problems) for row in formulas.rows), formulas.rows
    safe = [s for s in all_strings() if storable(s) and s.strip() and not s.strip().startswith(("=", "+", "@", "-"))]
    notes = [" ".join(batch)[:1000] for batch in chunks(safe, 60)][:len(sent_referrals) - 2]
    rows = [[referral.reference, "accepted", "", "", note] for referral, note in zip(sent_referrals[2:], notes)]
    preview = services.partner_updates.preview(actor, csv_bytes(rows, "utf-8-sig"))
    applied = services.partner_updates.apply(actor, preview)
    assert applied.applied == len(rows), [r.problems for r in preview.rows]
    for referral, note in zip(sent_referrals[2:], notes):
        event = services.referrals.history(actor, referral.id)[-1]
        assert event.note == documented_clean(note)


def test_huge_and_binary_files_are_refused_with_the_reason(coordinator):
    services, actor = coordinator
    for data, words in [(b"Reference,Status\r\n" + b"x" * (MAX_BYTES + 1), "MB"),
                        (b"PK\x03\x04" + b"\x00" * 100, "workbook"),
                        (b"\x00\xff" * 500, "not a CSV"), (b"\xef\xbb\xbf", "empty"),
                        (b"Reference,Status\r\n" + b"RF-1,accepted\r\n" * 5_002, "5,000 rows")]:
        with pytest.raises(ValidationError) as refused:
            services.partner_updates.preview(actor, data)
        assert words in str(refused.value) and refused.value.field == "file"


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), max_size=6).map(
                     lambda rows: csv_bytes(rows, "utf-8"))))
def test_any_bytes_are_previewed_or_refused(coordinator, data):
    services, actor = coordinator
    preview_or_refuse(services, actor, b"Reference,Status,Note\r\n" + data)
