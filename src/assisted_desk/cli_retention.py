"""`assisted-desk retention`, `erase` and `legal-hold`: residents' right to erasure, legal holds
and the retention sweep from the command line.

REF is the resident's record number ("Record 1234" on their details) or a reference they quote
(AD-7K3P-9Q, RQ-..., CS-..., RF-...). A refusal (a hold, an open case, a bad REF) is one line on
stderr, exit code 1, nothing changed. Erasing and sweeping ask to confirm on the terminal unless
`--yes` is given; an answer that is not the confirmation changes nothing (exit code 1), and with
no terminal to ask on (a script, `</dev/null`) they refuse and say to add `--yes`. The real run
anonymises only what it listed and was confirmed (see `RetentionService.sweep`)."""

from __future__ import annotations

import argparse
import sys

from .core.errors import ValidationError

def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _months(n: int) -> str:
    return _count(n, "month", "months")


UNITS = {"residents": ("record", "records"), "attachments": ("file", "files"),
         "skills_referrals": ("assessment or referral", "assessments and referrals"),
         "closed_cases": ("case", "cases")}


def add_commands(commands) -> None:
    retention = commands.add_parser(
        "retention", help="list (--dry-run) or anonymise what has been kept past its retention period",
        description="Anonymise records kept past their retention period (see `retention show`). Records under a "
                    "legal hold or with an open advocacy case are held back.")
    retention.add_argument("--dry-run", action="store_true", help="list what would go and change nothing")
    retention.add_argument("--yes", action="store_true", help="do not ask to confirm")
    periods = retention.add_subparsers(dest="retention_command", metavar="[show|set]")
    periods.add_parser("show", help="the retention period of each kind of record")
    setting = periods.add_parser("set", help="set how many months a kind of record is kept")
    setting.add_argument("kind", choices=list(UNITS), help="the kind of record")
    setting.add_argument("months", type=int, help="months after the last contact (closed cases: after closing)")

    erase = commands.add_parser("erase", help="erase a resident at their request (personal details removed "
                                "everywhere; report counts kept)")
    what = erase.add_subparsers(dest="erase_command", metavar="resident", required=True)
    resident = what.add_parser("resident", help="erase one resident and any records merged into them")
    resident.add_argument("reference", metavar="REF", help="record number or a reference they quote")
    resident.add_argument("--reason", required=True, help="why they are erased, kept in the audit (e.g. 'Written "
                          "request of 20/11/2026')")
    resident.add_argument("--yes", action="store_true", help="do not ask to confirm")

    hold = commands.add_parser("legal-hold", help="keep a resident's records from erasure and retention")
    actions = hold.add_subparsers(dest="hold_command", metavar="place|lift|show", required=True)
    place = actions.add_parser("place", help="place a legal hold")
    place.add_argument("reference", metavar="REF", help="record number or a reference they quote")
    place.add_argument("--reason", required=True, help="the claim, complaint or investigation; audited")
    lift = actions.add_parser("lift", help="lift the hold in place")
    lift.add_argument("reference", metavar="REF", help="record number or a reference they quote")
    show = actions.add_parser("show", help="the holds placed on a record")
    show.add_argument("reference", metavar="REF", help="record number or a reference they quote")


def run_retention_command(args: argparse.Namespace, services, actor) -> int:
    if args.command == "erase":
        return _erase(args, services, actor)
    if args.command == "legal-hold":
        return _legal_hold(args, services, actor)
    if args.retention_command == "show":
        _print_periods(services.retention.periods())
        return 0
    if args.retention_command == "set":
        services.retention.set_periods(actor, {args.kind: args.months})
        _print_periods(services.retention.periods())
        return 0
    plan = services.retention.plan(actor)
    _print_plan(plan)
    if args.dry_run:
        print("Dry run: nothing was changed. Run `assisted-desk retention` to anonymise the records listed.")
        return 0
    if not plan.items:
        print("Nothing to anonymise.")
        return 0
    residents = len({item.resident_id for item in plan.items})
    if not args.yes and not _confirmed(f"Anonymise what is listed for {_count(residents, 'resident', 'residents')}? "
                                       "This cannot be undone. Type yes: ", "yes", "anonymise"):
        return 1
    result = services.retention.run(actor, plan)  # exactly the list shown and agreed to
    done = {kind: len({i.resident_id for i in result.done if i.kind.key == kind}) for kind in UNITS}
    print("Anonymised: " + "; ".join(f"{period.kind.label}: {_count(done[period.kind.key], 'resident', 'residents')}"
                                     for period in plan.periods) + ".")
    for held in result.skipped:
        print(f"Left alone since the list was made: Record {held.resident_id} — {held.reason}")
    if result.unlisted:
        late = len({item.resident_id for item in result.unlisted})
        print(f"{_count(late, 'more resident', 'more residents')} became due while you were asked and "
              f"{'were' if late != 1 else 'was'} left alone: run `assisted-desk retention` again to see them.")
    return 0


def _print_periods(periods) -> None:
    for period in periods:
        default = " (default)" if period.is_default else f" (default {period.kind.default_months})"
        print(f"{period.kind.key:<17} {period.months:>3} {'month ' if period.months == 1 else 'months'} after "
              f"{period.kind.measured_from}{default}: "
              f"{period.kind.label} — {period.kind.what_goes}")


def _print_plan(plan) -> None:
    for period in plan.periods:
        kind = period.kind
        items = [item for item in plan.items if item.kind.key == kind.key]
        things = sum(item.count for item in items)
        one, many = UNITS[kind.key]
        extra = f", {_count(things, one, many)}" if kind.key != "residents" else ""
        print(f"{kind.label} (kept {_months(period.months)} after {kind.measured_from}): "
              f"{_count(len(items), 'resident', 'residents')}{extra} — {kind.what_goes}")
        since = "closed" if kind.key == "closed_cases" else "last contact"
        for item in items:
            count = "" if kind.key == "residents" else f"  {_count(item.count, one, many)}"
            print(f"  {item.reference:<14} {since} {item.since.astimezone(_london()):%d/%m/%Y}{count}")
    if plan.held_back:
        print(f"Held back: {_count(len(plan.held_back), 'resident', 'residents')}")
        for held in plan.held_back:
            print(f"  Record {held.resident_id:<7} {held.reason} (due: {', '.join(held.kinds)})")


def _london():
    from .core.clock import LONDON

    return LONDON


def _erase(args, services, actor) -> int:
    from .privacy.erasure import erasure_reason

    erasure_reason(args.reason)  # before asking: a missing reason would waste the confirmation
    standing = services.erasure.standing(actor, args.reference)
    if standing.refusal:
        print(f"assisted-desk: {standing.refusal}", file=sys.stderr)
        return 1
    if not args.yes and not _confirmed(
            f"Erase {standing.name} (record {standing.resident_id})? Their personal details are removed everywhere "
            f"and cannot be brought back. Type the record number {standing.resident_id} to confirm: ",
            str(standing.resident_id), "erase"):
        return 1
    result = services.erasure.erase(actor, standing.resident_id, args.reason)
    merged = len(result.erased_ids) - 1
    also = f" and {_count(merged, 'record', 'records')} merged into it" if merged else ""
    print(f"Erased record {result.resident_id}{also}: {result.described}.")
    return 0


def _legal_hold(args, services, actor) -> int:
    standing = services.erasure.standing(actor, args.reference)
    rid = standing.resident_id
    if args.hold_command == "place":
        hold = services.erasure.place_legal_hold(actor, rid, args.reason)
        print(f"Legal hold placed on record {rid}: {hold.reason}. It will not be erased or swept by retention "
              "until the hold is lifted.")
    elif args.hold_command == "lift":
        hold = services.erasure.lift_legal_hold(actor, rid)
        print(f"Legal hold lifted from record {rid} (it was {hold.text}).")
    else:
        holds = services.erasure.legal_holds(actor, rid)
        if not holds:
            print(f"Record {rid} has never been under a legal hold.")
        for hold in holds:
            state = "in place" if hold.lifted_at is None else f"lifted by {hold.lifted_by}"
            print(f"Record {rid}: {state}; {hold.text}")
    return 0


def _confirmed(prompt: str, expected: str, doing: str) -> bool:
    if not sys.stdin.isatty():
        raise ValidationError(f"No terminal to ask for confirmation: add --yes to {doing} without asking. "
                              "Nothing was changed.")
    print(prompt, end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip()
    if answer.casefold() != expected.casefold():
        print(f"\nassisted-desk: not confirmed (expected '{expected}'); nothing was changed. Add --yes to skip "
              "this question.", file=sys.stderr)
        return False
    return True
