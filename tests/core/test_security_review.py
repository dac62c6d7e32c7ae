"""The security review's standing checks: no secret is kept in plain text anywhere the desk
writes, the audit log is only ever added to, and a sign-in lock-out holds at every desk."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import pytest
from sqlalchemy import String, Text, delete, select, text, update

from assisted_desk.core.audit import AuditFilter, AuditLogIsAppendOnly
from assisted_desk.core.config import parse_database_url
from assisted_desk.core.db import Base
from assisted_desk.core.errors import SignInRefused
from assisted_desk.core.logs import configure_logging
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.services import open_services

from ..conftest import PASSWORD, make_actor

# Every secret the desk is ever given, each distinctive enough that finding it means a leak.
NEW_STAFF_PASSWORD = "plum orchard lantern 42"
WRONG_GUESS = "wrong guess lantern 99"  # a typed wrong password must not be written down either
TEMPORARY_PASSWORD = "temporary ferry 555"
CHANGED_PASSWORD = "silver kettle morning 7"
BACKOFFICE_TOKEN = "tok_9f8e7d6c5b4a39281706aa"
SECRETS = (PASSWORD, NEW_STAFF_PASSWORD, WRONG_GUESS, TEMPORARY_PASSWORD, CHANGED_PASSWORD, BACKOFFICE_TOKEN)


def _every_text_value(services) -> list[tuple[str, str]]:
    """Every string held in every column of every table the application defines."""
    found = []
    with services.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                found += [(f"{table.name}.{c.name}", v) for c, v in zip(columns, row) if isinstance(v, str)]
    return found


def _files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def test_no_secret_is_kept_in_plain_text_in_any_file_or_table(services, admin, database_url):
    configure_logging(services.paths)  # what the application writes to its log, it writes here
    try:
        newcomer = services.staff.add_staff(admin, "newcomer", "Ștefan Newcomer", Role.DESK, admin.site_id,
                                            NEW_STAFF_PASSWORD, must_change_password=False)
        with pytest.raises(SignInRefused):
            services.signin.sign_in("newcomer", WRONG_GUESS)
        services.staff.reset_password(admin, newcomer.id, TEMPORARY_PASSWORD)
        signed_in = services.signin.sign_in("newcomer", TEMPORARY_PASSWORD)
        services.signin.change_own_password(signed_in.actor, TEMPORARY_PASSWORD, CHANGED_PASSWORD)
        assert services.signin.sign_in("newcomer", CHANGED_PASSWORD).actor.username == "newcomer"
        services.backoffice.set_url(admin, "https://backoffice.example.gov.uk/api")
        services.backoffice.set_token(admin, BACKOFFICE_TOKEN)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_assisted_desk", False)]:
            root.removeHandler(handler)
            handler.close()
    # The token is kept, in the keyring; the passwords only as Argon2 hashes.
    assert BACKOFFICE_TOKEN in keyring.get_keyring().secrets.values()
    hashes = [v for where, v in _every_text_value(services) if where == "staff.password_hash"]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)

    leaks = [(where, secret) for where, value in _every_text_value(services) for secret in SECRETS if secret in value]
    assert leaks == []

    database_files = []
    if database_url.startswith("sqlite"):
        database = Path(parse_database_url(database_url).database)
        services.db.dispose()  # the write-ahead log folded in, so every page is in the file
        database_files = [database, *database.parent.glob(database.name + "-*")]
    files = _files_under(services.paths.data_dir, services.paths.config_dir) + database_files
    assert any(p.suffix == ".log" or p.name.endswith(".log") for p in files), "the log was written"
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
                assert encoded not in data, f"{secret!r} in {path.name}"


def test_the_audit_log_is_only_ever_added_to(services, admin):
    services.staff.add_site(admin, "Northgate Hub", "hub")
    before = services.audit.browse(admin, AuditFilter()).total
    # No service offers a way to change or remove an audit event...
    assert [m for m in dir(services.audit) if not m.startswith("_")] == ["actions", "browse", "clock", "db"]
    # ... and nothing the application sends to the database can: neither a unit of work...
    with services.db.unit_of_work() as session:
        event = session.scalars(select(AuditEvent).limit(1)).one()
        event.summary = "nothing happened"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        with services.db.unit_of_work() as session:
            session.delete(session.scalars(select(AuditEvent).limit(1)).one())
    # ... nor a statement of its own, built or written by hand.
    for statement in (update(AuditEvent).values(summary=""), delete(AuditEvent),
                      update(AuditEvent.__table__).values(actor="someone else"),
                      text("UPDATE audit_event SET summary = ''"), text('delete from "audit_event"')):
        with pytest.raises(AuditLogIsAppendOnly):
            with services.db.engine.begin() as connection:
                connection.execute(statement)
    with pytest.raises(AuditLogIsAppendOnly):
        with services.db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM audit_event")
    assert services.audit.browse(admin, AuditFilter()).total == before
    assert "nothing happened" not in {e.summary for e in services.audit.browse(admin, AuditFilter()).entries}
    with services.db.engine.connect() as connection:  # reading is untouched
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar() == before


def test_a_lock_out_at_one_desk_holds_at_another(services, admin, clock, hashing, tmp_path, database_url):
    """The wait after wrong passwords is kept in the database, not in one desk's memory: moving
    to the next desk (or restarting the application) does not lift it."""
    make_actor(services, admin, "desk", Role.DESK)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            services.signin.sign_in("desk", "not the password")
    from assisted_desk.core.config import Paths

    other_desk = open_services(Paths.for_home(tmp_path / "other-desk"), parse_database_url(database_url),
                               clock=clock, hashing=hashing)
    try:
        with pytest.raises(SignInRefused, match="Wait 30 seconds") as refused:
            other_desk.signin.sign_in("desk", PASSWORD)
        assert refused.value.wait_seconds == 30
        clock.advance(seconds=31)
        assert other_desk.signin.sign_in("desk", PASSWORD).actor.username == "desk"
    finally:
        other_desk.close()
