"""Who may do what with a case. The one place these rules live; every service method asks here.

- "All cases" (service managers): every case, restricted ones too; reassign;
  read the audit of who opened a restricted case.
- "My cases" (advocates): work the cases they own or are on the team of. They may also read and
  add to a colleague's case that is not restricted (covering when the resident phones), but only
  the owner, the team or a manager moves it on, hands it over, escalates or closes it.
- Opening a case (desk staff, coordinators, administrators): open one for a resident and see that cases exist,
  their type, state and owner; never their notes.
- A restricted case (safeguarding, say): only its owner, named team members and managers may
  open it. Everyone else learns only that it exists and whom to ask."""

from __future__ import annotations

from ..core.errors import PermissionDenied
from ..core.security import Actor, Permission
from .models import Case


def sees_all(actor: Actor) -> bool:
    return actor.may(Permission.MANAGE_ALL_CASES)


def is_on_case(actor: Actor, case: Case, member_ids: set[int]) -> bool:
    return actor.staff_id is not None and (actor.staff_id == case.owner_id or actor.staff_id in member_ids)


def may_read(actor: Actor, case: Case, member_ids: set[int]) -> bool:
    if sees_all(actor):
        return True
    if not actor.may(Permission.WORK_CASES):
        return False
    return not case.restricted or is_on_case(actor, case, member_ids)


def may_run(actor: Actor, case: Case, member_ids: set[int]) -> bool:
    """Move the case on: statuses, tasks for others, team, escalation, closing and reopening."""
    return sees_all(actor) or (actor.may(Permission.WORK_CASES) and is_on_case(actor, case, member_ids))


def refuse_reading(actor: Actor, case: Case, owner_name: str) -> PermissionDenied:
    if case.restricted:
        return PermissionDenied(f"Case {case.reference} is restricted. Only its owner ({owner_name}), the people on "
                                "its team and service managers may open it: ask one of them.")
    return PermissionDenied(f"{actor.role.label} may see that case {case.reference} exists, its type, state and "
                            f"owner, but not its notes. Ask its owner, {owner_name}.")


def refuse_running(actor: Actor, case: Case, owner_name: str) -> PermissionDenied:
    return PermissionDenied(f"Only the owner of case {case.reference} ({owner_name}), the people on its team and "
                            "service managers may change it. You can still add a note or record a contact.")
