"""Every casework operation against every role, expected allow or deny worked out from the one
permission table (core/security.PERMISSIONS) and the case rules (casework/access.py): a case
owned by one advocate, seen by someone who is not on it."""

from __future__ import annotations

from datetime import date

import pytest

from assisted_desk.casework.case_types import CaseStatus, CaseTypeRecord
from assisted_desk.casework.records import CaseInput
from assisted_desk.core.errors import PermissionDenied
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.attachments import AttachmentInput
from tests.conftest import make_actor

from .case_fixtures import open_case, register, type_id


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def has(*needed: Permission):
    return lambda granted: any(p in granted for p in needed)


# operation -> which permissions allow it, for a case someone else owns
OPERATIONS = {
    "open a case": has(Permission.OPEN_CASES),
    "read someone else's case": has(Permission.WORK_CASES, Permission.MANAGE_ALL_CASES),
    "add a note to it": has(Permission.WORK_CASES, Permission.MANAGE_ALL_CASES),
    "open its evidence": has(Permission.WORK_CASES, Permission.MANAGE_ALL_CASES),
    "read it once restricted": has(Permission.MANAGE_ALL_CASES),
    "open its evidence once restricted": has(Permission.MANAGE_ALL_CASES),
    "escalate it": has(Permission.MANAGE_ALL_CASES),
    "close it": has(Permission.MANAGE_ALL_CASES),
    "move its status": has(Permission.MANAGE_ALL_CASES),
    "reassign it": has(Permission.MANAGE_ALL_CASES),
    "read its access log": has(Permission.MANAGE_ALL_CASES),
    "add a case type": has(Permission.MANAGE_CASE_TYPES),
    "add a bank holiday": has(Permission.MANAGE_CASE_TYPES),
}


def attempt(services, operation: str, actor, owner, spare_id: int, case_id: int, resident_id: int, folder) -> None:
    cases = services.cases
    if operation == "open a case":
        cases.open_case(actor, CaseInput(resident_id, type_id(services, owner), "Benefits stopped",
                                         owner_id=owner.staff_id))
    elif operation == "read someone else's case":
        cases.get_case(actor, case_id)
    elif operation == "add a note to it":
        cases.record_activity(actor, case_id, "note", "Rang while covering")
    elif operation in ("open its evidence", "open its evidence once restricted"):
        case = cases.attach_evidence(owner, case_id, AttachmentInput("letter.pdf", PDF))
        if operation.endswith("restricted"):
            cases.set_restricted(owner, case_id, True, "Safeguarding", case.version)
        services.attachments.open_copy(actor, case.activities[-1].attachment_id, folder)
    elif operation == "read it once restricted":
        case = cases.get_case(owner, case_id)
        cases.set_restricted(owner, case_id, True, "Safeguarding", case.version)
        cases.get_case(actor, case_id)
    elif operation == "escalate it":
        cases.escalate(actor, case_id, 1, "No reply", cases.get_case(owner, case_id).version)
    elif operation == "close it":
        cases.close_case(actor, case_id, "withdrawn", "", cases.get_case(owner, case_id).version)
    elif operation == "move its status":
        case = cases.get_case(owner, case_id)
        cases.change_status(actor, case_id, "in_progress", "", case.version)
    elif operation == "reassign it":
        case = cases.get_case(owner, case_id)
        cases.reassign(actor, case_id, spare_id, "Cover while away", case.version)
    elif operation == "read its access log":
        cases.access_log(actor, case_id)
    elif operation == "add a case type":
        services.case_types.save(actor, CaseTypeRecord(None, f"t_{actor.role.value}", "Test type",
                                                       (CaseStatus("new", "New"),), {}, 1, 5))
    elif operation == "add a bank holiday":
        services.bank_holidays.add(actor, date(2027, 6, 14), "Test holiday")
    else:  # pragma: no cover - a new operation must be wired here
        raise AssertionError(operation)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_operation_is_allowed_or_refused_as_the_permission_table_says(services, admin, role, tmp_path):
    owner = make_actor(services, admin, "owner", Role.ADVOCATE)
    spare_id = make_actor(services, admin, "spare", Role.ADVOCATE).staff_id
    actor = admin if role is Role.ADMIN else make_actor(services, admin, f"someone_{role.value}", role)
    resident_id = register(services, admin)
    for operation, rule in OPERATIONS.items():
        case_id = open_case(services, owner, resident_id).id
        expected = rule(PERMISSIONS[role])
        try:
            attempt(services, operation, actor, owner, spare_id, case_id, resident_id, tmp_path)
            outcome = True
        except PermissionDenied:
            outcome = False
        assert outcome == expected, f"{role.value}: {operation} should be {'allowed' if expected else 'refused'}"
