from __future__ import annotations

import pytest

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import SignInRefused, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.core.signin import wait_after

from ..conftest import PASSWORD, make_actor


def test_right_password_signs_in_with_role_and_site(services, admin):
    signed = services.signin.sign_in("ADMIN ", PASSWORD)
    assert signed.actor.staff_id == admin.staff_id
    assert signed.actor.role is Role.ADMIN
    assert signed.actor.site_name == "Central Library"
    assert not signed.must_change_password


def test_password_is_stored_only_as_argon2_hash_with_its_own_salt(services, admin):
    from sqlalchemy import select

    from assisted_desk.core.models import Staff

    other = make_actor(services, admin, "second", Role.DESK)
    with services.db.unit_of_work() as session:
        hashes = dict(session.execute(select(Staff.username, Staff.password_hash)).all())
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert PASSWORD not in "".join(hashes.values())
    assert hashes["admin"] != hashes[other.username]  # same password, different salt


def test_wrong_password_gets_a_plain_message_and_is_audited(services, admin):
    with pytest.raises(SignInRefused, match="not right") as caught:
        services.signin.sign_in("admin", "wrong password")
    assert "4 more tries" in str(caught.value)
    page = services.audit.browse(admin, AuditFilter(action="signin.failed"))
    assert page.total == 1 and page.entries[0].actor == "admin"


def test_unknown_user_gets_the_same_message_as_a_wrong_password(services, admin):
    with pytest.raises(SignInRefused, match="not right"):
        services.signin.sign_in("nobody", "whatever password")
    with pytest.raises(SignInRefused, match="not right"):
        services.signin.sign_in("no spaces allowed", "whatever password")
    with pytest.raises(SignInRefused, match="Enter your password"):
        services.signin.sign_in("admin", "")


def test_after_five_wrong_tries_the_account_waits(services, admin, clock):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            services.signin.sign_in("admin", "wrong password")
    with pytest.raises(SignInRefused, match="must wait 30 seconds") as fifth:
        services.signin.sign_in("admin", "wrong password")
    assert fifth.value.wait_seconds == 30
    # Even the right password is refused while waiting.
    with pytest.raises(SignInRefused, match="Wait 30 seconds"):
        services.signin.sign_in("admin", PASSWORD)
    clock.advance(seconds=31)
    assert services.signin.sign_in("admin", PASSWORD).actor.username == "admin"
    # Success resets the count.
    with pytest.raises(SignInRefused, match="4 more tries"):
        services.signin.sign_in("admin", "wrong password")


def test_waits_grow_but_are_capped():
    assert [wait_after(n) for n in (4, 5, 6, 7)] == [0, 30, 60, 120]
    assert wait_after(50) == 15 * 60


def test_reset_password_lifts_the_wait_and_forces_a_new_password(services, admin, clock):
    desk = make_actor(services, admin, "łukasz", Role.DESK)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            services.signin.sign_in("łukasz", "wrong password")
    services.staff.reset_password(admin, desk.staff_id, "temporary password 1")
    signed = services.signin.sign_in("ŁUKASZ", "temporary password 1")
    assert signed.must_change_password
    services.signin.change_own_password(signed.actor, "temporary password 1", "żółta łódź 2026")
    again = services.signin.sign_in("łukasz", "żółta łódź 2026")
    assert not again.must_change_password


def test_changing_password_refuses_wrong_current_short_and_same(services, admin):
    with pytest.raises(ValidationError, match="current password"):
        services.signin.change_own_password(admin, "not it at all", "a brand new password")
    with pytest.raises(ValidationError, match="at least 10"):
        services.signin.change_own_password(admin, PASSWORD, "short")
    with pytest.raises(ValidationError, match="different"):
        services.signin.change_own_password(admin, PASSWORD, PASSWORD)


def test_disabled_account_cannot_sign_in(services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    services.staff.set_active(admin, desk.staff_id, False)
    with pytest.raises(SignInRefused, match="disabled"):
        services.signin.sign_in("desk", PASSWORD)
    # A wrong password on a disabled account does not reveal that it is disabled.
    with pytest.raises(SignInRefused, match="not right"):
        services.signin.sign_in("desk", "wrong password")


def test_every_sign_in_outcome_is_audited(services, admin):
    services.signin.sign_in("admin", PASSWORD)
    with pytest.raises(SignInRefused):
        services.signin.sign_in("admin", "wrong password")
    actions = [e.action for e in services.audit.browse(admin, AuditFilter(action="signin")).entries]
    assert sorted(actions) == ["signin.failed", "signin.succeeded"]
    entry = services.audit.browse(admin, AuditFilter(action="signin.succeeded")).entries[0]
    assert (entry.actor, entry.role, entry.site_id) == ("admin", "admin", admin.site_id)
