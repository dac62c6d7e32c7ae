"""Every service operation against every role: allowed or refused exactly as the one permission
table (`core.security.PERMISSIONS`) says.

`REQUIRED` names the permission each operation needs (`ANY_STAFF`: every signed-in person).
What each role may do is never written here: it is read from `PERMISSIONS`, so changing a role
there changes what this test expects. A new service operation fails the completeness test until
it is added to `REQUIRED`.

A refusal must come before anything else: the call is made with made-up ids and no input, so an
operation that looks a record up, or judges the input, before checking the role fails here
(it would tell an unpermitted person whether a record exists, or what it must look like)."""

from __future__ import annotations

import inspect
import typing

import pytest

from assisted_desk.core.errors import PermissionDenied
from assisted_desk.core.security import PERMISSIONS, Permission as P, Role
from assisted_desk.services import Services

from ..conftest import make_actor

ANY_STAFF = None
MISSING_ID = 987_654
TOO_LONG = "x" * 100_001

REQUIRED: dict[str, P | None] = {
    "staff.add_site": P.MANAGE_SITES,
    "staff.add_staff": P.MANAGE_STAFF,
    "staff.find_by_username": P.MANAGE_STAFF,
    "staff.list_staff": P.MANAGE_STAFF,
    "staff.reset_password": P.MANAGE_STAFF,
    "staff.set_active": P.MANAGE_STAFF,
    "staff.update_site": P.MANAGE_SITES,
    "staff.update_staff": P.MANAGE_STAFF,
    "signin.change_own_password": ANY_STAFF,
    "signin.record_desk_event": ANY_STAFF,
    "audit.actions": P.VIEW_AUDIT,
    "audit.browse": P.VIEW_AUDIT,
    "settings.set_idle_lock_minutes": P.MANAGE_SETTINGS,
    "settings.write": P.MANAGE_SETTINGS,
    "search.find": P.VIEW_RESIDENTS,
    "residents.get": P.VIEW_RESIDENTS,
    "residents.get_equality": P.RECORD_EQUALITY,
    "residents.merge": P.MERGE_RESIDENTS,
    "residents.merge_record": P.MERGE_RESIDENTS,
    "residents.possible_duplicates": P.VIEW_RESIDENTS,
    "residents.recent_merges": P.MERGE_RESIDENTS,
    "residents.record_equality": P.RECORD_EQUALITY,
    "residents.register": P.EDIT_RESIDENTS,
    "residents.undo_merge": P.MERGE_RESIDENTS,
    "residents.update": P.EDIT_RESIDENTS,
    "catalogue.add": P.MANAGE_CATALOGUE,
    "catalogue.entries": P.USE_DESK,
    "catalogue.get": P.USE_DESK,
    "catalogue.labels": P.USE_DESK,
    "catalogue.rename": P.MANAGE_CATALOGUE,
    "catalogue.set_active": P.MANAGE_CATALOGUE,
    "consent.add_representative": P.EDIT_RESIDENTS,
    "consent.check_authority": P.VIEW_RESIDENTS,
    "consent.consent": P.VIEW_RESIDENTS,
    "consent.consents": P.VIEW_RESIDENTS,
    "consent.current_consents": P.VIEW_RESIDENTS,
    "consent.end_representative": P.EDIT_RESIDENTS,
    "consent.may_contact": P.VIEW_RESIDENTS,
    "consent.record_consent": P.EDIT_RESIDENTS,
    "consent.representative": P.VIEW_RESIDENTS,
    "consent.representatives": P.VIEW_RESIDENTS,
    "consent.update_representative": P.EDIT_RESIDENTS,
    "consent.withdraw_consent": P.EDIT_RESIDENTS,
    "interactions.checked_contact": P.LOG_CONTACTS,
    "interactions.discard_draft": P.LOG_CONTACTS,
    "interactions.get": P.VIEW_RESIDENTS,
    "interactions.load_draft": P.LOG_CONTACTS,
    "interactions.log_interaction": P.LOG_CONTACTS,
    "interactions.save_draft": P.LOG_CONTACTS,
    "timeline.for_resident": P.VIEW_RESIDENTS,
    "queue.back_to_waiting": P.RUN_QUEUE,
    "queue.call_next": P.RUN_QUEUE,
    "queue.call_ticket": P.RUN_QUEUE,
    "queue.colleagues": P.RUN_QUEUE,
    "queue.end_service": P.RUN_QUEUE,
    "queue.get": P.RUN_QUEUE,
    "queue.issue_ticket": P.RUN_QUEUE,
    "queue.link_resident": P.RUN_QUEUE,
    "queue.mark_no_show": P.RUN_QUEUE,
    "queue.my_current": P.RUN_QUEUE,
    "queue.start_service": P.RUN_QUEUE,
    "queue.today": P.RUN_QUEUE,
    "queue.transfer": P.RUN_QUEUE,
    "queue.wait_summary": P.RUN_QUEUE,
    "queue.waiting": P.RUN_QUEUE,
    "callbacks.assign": P.RUN_QUEUE,
    "callbacks.cancel": P.RUN_QUEUE,
    "callbacks.colleagues": P.RUN_QUEUE,
    "callbacks.create": P.RUN_QUEUE,
    "callbacks.get": P.RUN_QUEUE,
    "callbacks.history": P.RUN_QUEUE,
    "callbacks.log_attempt": P.RUN_QUEUE,
    "callbacks.made_on_time": P.RUN_QUEUE,
    "callbacks.open_callbacks": P.RUN_QUEUE,
    "callbacks.timeliness": P.RUN_QUEUE,
    "attachments.attach_to_interaction": P.LOG_CONTACTS,
    "attachments.for_interaction": P.VIEW_RESIDENTS,
    "attachments.for_submission": P.VIEW_RESIDENTS,
    "attachments.open_copy": P.VIEW_RESIDENTS,
    "attachments.remove": P.LOG_CONTACTS,
    "attachments.set_limit_mb": P.MANAGE_SETTINGS,
    "backoffice.clear_token": P.MANAGE_SETTINGS,
    "backoffice.set_ca_pem": P.MANAGE_SETTINGS,
    "backoffice.set_token": P.MANAGE_SETTINGS,
    "backoffice.set_url": P.MANAGE_SETTINGS,
    "backoffice.setup": P.MANAGE_SETTINGS,
    "submissions.browse": P.VIEW_RESIDENTS,
    "submissions.cancel": P.LOG_CONTACTS,
    "submissions.counts": P.USE_DESK,
    "submissions.fix_and_resend": P.LOG_CONTACTS,
    "submissions.get": P.VIEW_RESIDENTS,
    "submissions.send_now": P.LOG_CONTACTS,
    "submissions.submit": P.LOG_CONTACTS,
    "skills.complete": P.RECORD_SKILLS,
    "skills.completed_records": P.RECORD_SKILLS,
    "skills.discard": P.RECORD_SKILLS,
    "skills.get": P.RECORD_SKILLS,
    "skills.history": P.RECORD_SKILLS,
    "skills.in_progress": P.RECORD_SKILLS,
    "skills.latest_result": P.RECORD_SKILLS,
    "skills.pause": P.RECORD_SKILLS,
    "skills.progress": P.RECORD_SKILLS,
    "skills.record_answer": P.RECORD_SKILLS,
    "skills.save_barriers": P.RECORD_SKILLS,
    "skills.save_goals": P.RECORD_SKILLS,
    "skills.start": P.RECORD_SKILLS,
    "partners.add_organisation": P.MANAGE_PARTNERS,
    "partners.add_service": P.MANAGE_PARTNERS,
    "partners.edit_organisation": P.MANAGE_PARTNERS,
    "partners.edit_service": P.MANAGE_PARTNERS,
    "partners.get_organisation": P.REFER_TO_PARTNERS,
    "partners.get_service": P.REFER_TO_PARTNERS,
    "partners.list_organisations": P.REFER_TO_PARTNERS,
    "partners.list_services": P.REFER_TO_PARTNERS,
    "partners.set_organisation_gone": P.MANAGE_PARTNERS,
    "partners.set_organisation_notes": P.MANAGE_PARTNERS,
    "partners.set_service_capacity": P.MANAGE_PARTNERS,
    "partners.set_service_gone": P.MANAGE_PARTNERS,
    "partners.set_service_notes": P.MANAGE_PARTNERS,
    "matcher.suggest": P.REFER_TO_PARTNERS,
    "referrals.draft": P.REFER_TO_PARTNERS,
    "referrals.follow_ups": P.REFER_TO_PARTNERS,
    "referrals.for_resident": P.REFER_TO_PARTNERS,
    "referrals.get": P.REFER_TO_PARTNERS,
    "referrals.history": P.REFER_TO_PARTNERS,
    "referrals.list": P.REFER_TO_PARTNERS,
    "referrals.record_update": P.REFER_TO_PARTNERS,
    "referrals.reroute": P.REFER_TO_PARTNERS,
    "referrals.responsiveness": P.REFER_TO_PARTNERS,
    "referrals.responsiveness_by_organisation": P.REFER_TO_PARTNERS,
    "referrals.responsiveness_by_service": P.REFER_TO_PARTNERS,
    "referrals.send": P.REFER_TO_PARTNERS,
    "referrals.sending_content": P.REFER_TO_PARTNERS,
    "referrals.set_follow_up_days": P.MANAGE_PARTNERS,
    "referrals.withdraw": P.REFER_TO_PARTNERS,
    "partner_updates.apply": P.REFER_TO_PARTNERS,
    "partner_updates.preview": P.REFER_TO_PARTNERS,
    "print_log.for_resident": P.VIEW_RESIDENTS,
    "print_log.guides_handed_out": P.VIEW_REPORTS,
    "print_log.record_print": P.PRINT_GUIDES,
    "case_types.get": ANY_STAFF,
    "case_types.list": ANY_STAFF,
    "case_types.save": P.MANAGE_CASE_TYPES,
    "bank_holidays.add": P.MANAGE_CASE_TYPES,
    "bank_holidays.list": ANY_STAFF,
    "bank_holidays.remove": P.MANAGE_CASE_TYPES,
    "cases.access_log": P.MANAGE_ALL_CASES,
    "cases.add_task": P.WORK_CASES,
    "cases.add_team_member": P.WORK_CASES,
    "cases.attach_evidence": P.WORK_CASES,
    "cases.cases_for_resident": P.OPEN_CASES,
    "cases.caseworkers": P.OPEN_CASES,
    "cases.change_status": P.WORK_CASES,
    "cases.close_case": P.WORK_CASES,
    "cases.complete_task": P.WORK_CASES,
    "cases.escalate": P.WORK_CASES,
    # Desk staff open cases and may learn that one exists; whether anyone may read it is then
    # decided case by case (owner, team, restriction): tests/casework/test_restriction.py.
    "cases.for_print": P.OPEN_CASES,
    "cases.get_case": P.OPEN_CASES,
    "cases.hand_over": P.WORK_CASES,
    "cases.link_attachment": P.WORK_CASES,
    "cases.link_interaction": P.WORK_CASES,
    "cases.link_submission": P.WORK_CASES,
    "cases.open_case": P.OPEN_CASES,
    "cases.reassign": P.MANAGE_ALL_CASES,
    "cases.record_activity": P.WORK_CASES,
    "cases.remove_team_member": P.WORK_CASES,
    "cases.reopen_case": P.WORK_CASES,
    "cases.set_restricted": P.WORK_CASES,
    "caseload.owners": P.WORK_CASES,
    "case_figures.figures": P.VIEW_REPORTS,
    "reports.drill": P.VIEW_REPORTS,
    "reports.kinds": ANY_STAFF,
    "reports.may_drill": ANY_STAFF,
    "reports.partner_choices": P.VIEW_REPORTS,
    "reports.run": P.VIEW_REPORTS,
    "reports.run_now": P.VIEW_REPORTS,
    "preferences.read": ANY_STAFF,
    "preferences.write": ANY_STAFF,
    "erasure.erase": P.ERASE_RESIDENTS,
    "erasure.legal_holds": P.PLACE_LEGAL_HOLDS,
    "erasure.lift_legal_hold": P.PLACE_LEGAL_HOLDS,
    "erasure.place_legal_hold": P.PLACE_LEGAL_HOLDS,
    "erasure.standing": P.PLACE_LEGAL_HOLDS,  # or erase-residents, which only roles with this have
    "retention.plan": P.MANAGE_RETENTION,
    "retention.run": P.MANAGE_RETENTION,
    "retention.set_periods": P.MANAGE_RETENTION,
    "retention.sweep": P.MANAGE_RETENTION,
    "subject_access.export": P.EXPORT_PERSONAL_DATA,
    "subject_access.find_resident": P.EXPORT_PERSONAL_DATA,
    "subject_access.write_archive": P.EXPORT_PERSONAL_DATA,
}

# Operations whose permission depends on an argument: (operation, arguments, permission).
BY_ARGUMENT = [
    ("caseload.for_actor", {"scope": "mine"}, P.WORK_CASES),
    ("caseload.for_actor", {"scope": "team"}, P.MANAGE_ALL_CASES),
]


def service_operations() -> dict[str, tuple[str, str, inspect.Signature]]:
    """Every public method of every service that acts for a staff member (its first argument
    is `actor`), as "service.method"."""
    found = {}
    for name, kind in typing.get_type_hints(Services).items():
        if not inspect.isclass(kind):
            continue
        for method, function in inspect.getmembers(kind, inspect.isfunction):
            if method.startswith("_"):
                continue
            signature = inspect.signature(function)
            parameters = list(signature.parameters)[1:]
            if parameters[:1] == ["actor"]:
                found[f"{name}.{method}"] = (name, method, signature)
    return found


OPERATIONS = service_operations()
CASES = [(key, {}, permission) for key, permission in REQUIRED.items()] + BY_ARGUMENT


def test_every_service_operation_is_in_the_matrix():
    listed = set(REQUIRED) | {key for key, _, _ in BY_ARGUMENT}
    assert sorted(set(OPERATIONS) - listed) == [], "a service operation nobody decided the permission for"
    assert sorted(listed - set(OPERATIONS)) == [], "the matrix names an operation that no longer exists"
    assert len(OPERATIONS) > 150


def made_up_arguments(signature: inspect.Signature, given: dict) -> dict:
    arguments = {}
    for name, parameter in list(signature.parameters.items())[2:]:
        if name in given:
            arguments[name] = given[name]
        elif parameter.default is not inspect.Parameter.empty:
            continue
        elif name.endswith("_id") or name.endswith("version"):
            arguments[name] = MISSING_ID
        elif parameter.annotation in ("str", "str | None"):
            arguments[name] = TOO_LONG  # refused by every field's rules: a check before the role's shows
        else:
            arguments[name] = None
    return arguments


def outcome(services: Services, actor, key: str, given: dict) -> str:
    service, method, signature = OPERATIONS[key]
    try:
        result = getattr(getattr(services, service), method)(actor, **made_up_arguments(signature, given))
        if inspect.isgenerator(result):
            for _ in result:
                pass
    except PermissionDenied:
        return "refused"
    except Exception:  # noqa: BLE001 - made-up ids and no input: anything but a refusal means "let in"
        return "let in"
    return "let in"




@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the rules live above the database
def test_each_role_is_let_in_or_refused_as_the_permission_table_says(services, admin):
    actors = {Role.ADMIN: admin}
    for role in Role:
        if role is not Role.ADMIN:
            actors[role] = make_actor(services, admin, f"{role.value}-matrix", role)
    wrong = []
    for key, given, permission in CASES:
        for role, actor in actors.items():
            expected = "let in" if permission is ANY_STAFF or permission in PERMISSIONS[role] else "refused"
            seen = outcome(services, actor, key, given)
            if seen != expected:
                wrong.append(f"{key}{given or ''} as {role.value}: {seen}, expected {expected}")
    assert wrong == [], "\n".join(wrong)


def test_the_matrix_covers_every_permission_some_operation_needs():
    needed = {permission for permission in REQUIRED.values() if permission is not ANY_STAFF}
    needed |= {permission for _, _, permission in BY_ARGUMENT}
    # USE_DESK and USE_INCLUSION open areas of the window; the others guard operations.
    unused = set(P) - needed - {P.USE_DESK, P.USE_INCLUSION}
    assert unused == set(), f"permissions no operation checks: {sorted(p.value for p in unused)}"
