"""`assisted-desk sync`, `backoffice` and `partners`: the desk's links to the council's back office
and to partners' systems (exit codes as each function says)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .core.errors import ValidationError


def sync(services) -> int:
    """Exit 0 when the back office was reached (or there was nothing to do), 1 when it could not
    be reached, refused the desk's token, or a partner's system had a problem; 2 when requests are
    waiting for a back office that is not set up. A desk that uses no back office (nothing waits
    for one) is judged on its partner referrals alone."""
    interactive = sys.stdout.isatty()
    summary = _drain(services.outbox.run_once(ignore_pause=True), interactive)
    from .core.security import Actor

    counts = services.submissions.counts(Actor.command_line())
    print(summary.text())
    print(f"Back office: {services.outbox.health.text}. Waiting to send: {counts.waiting}. "
          f"Needing attention: {counts.needs_attention}.")
    # Referrals to partners' APIs wait in the outbox too: send them and read the partners' news.
    referrals = _drain(services.referral_sender.run_once(), interactive)
    print(referrals.text())
    if summary.health == "setup":
        if counts.waiting:
            return 2 if not services.backoffice.config() else 1
        return 1 if referrals.problems else 0
    if referrals.problems:
        return 1
    return 0 if summary.ok or summary.health == "reachable" else 1


def _drain(runner, interactive: bool):
    """Run a sender's generator to its end, showing its progress lines; returns its summary."""
    while True:
        try:
            line = next(runner)
        except StopIteration as finished:
            if interactive:
                print("\r" + " " * 60 + "\r", end="")
            return finished.value
        if interactive:
            print(f"\r{line:<60}", end="", flush=True)
        else:
            print(line, flush=True)


def partners(args: argparse.Namespace, services, actor) -> int:
    """import-oruk: progress on stderr, the summary on stdout; exit 0 when the directory was read
    whole (skipped records are listed), 2 when it could not be (nothing changed)."""
    if args.partners_command == "export":
        from .inclusion.oruk_export import export_directory

        done = export_directory(services.db, services.clock, actor, Path(args.out), include_gone=args.include_gone)
        print(f"Wrote {done.services} services to {done.path} (Open Referral UK 3, checked against its schema).")
        return 0
    from .inclusion.oruk_import import import_oruk

    interactive = sys.stderr.isatty()
    runner = import_oruk(services.db, services.clock, actor, args.url, per_page=args.per_page)
    while True:
        try:
            done, total, text = next(runner)
        except StopIteration as finished:
            summary = finished.value
            break
        line = f"{done}/{total} {text}"
        if interactive:
            print(f"\r{line[:70]:<70}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)
    if interactive:
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr)
    print(summary.text())
    return 0


def backoffice(args: argparse.Namespace, services, actor) -> int:
    settings = services.backoffice
    action = args.backoffice_command
    if action == "set-url":
        print(f"Every desk now sends to {settings.set_url(actor, args.url)}.")
    elif action == "set-token":
        if args.token_stdin:
            token = sys.stdin.readline().strip()
        elif sys.stdin.isatty():
            import getpass

            token = getpass.getpass("Token: ")
        else:
            raise ValidationError("No terminal to ask for the token: pass it with --token-stdin.")
        print(f"The back-office token is kept in {settings.set_token(actor, token)}.")
    elif action == "set-ca":
        if args.clear == bool(args.pem):
            raise ValidationError("Give a PEM file, or --clear to trust the system's authorities only.")
        subjects = settings.set_ca_pem(actor, "" if args.clear else settings.read_ca_file(Path(args.pem)))
        print("Trusting the system's authorities only." if args.clear else f"Also trusting: {', '.join(subjects)}.")
    setup = settings.setup(actor)
    print(f"Address: {setup.url or '(not set)'}")
    print(f"Token: {'set, kept in ' + setup.token_kept_in if setup.token_set else 'not set on this computer'}")
    print(f"Certificate authorities: {', '.join(setup.ca_subjects) if setup.ca_set else 'the system ones'}")
    return 0
