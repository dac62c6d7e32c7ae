"""The `assisted-desk` command: the GUI by default, and the jobs an administrator scripts.

Errors exit non-zero with one clear line: 1 for a refused request, 2 for the environment
(database unreachable, disk full, newer schema).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .core.config import Paths
from .core.errors import DeskError, EnvironmentFault, ValidationError

# Only what the GUI's first window needs is imported up front: start-up time is measured
# (benchmarks/, scenario start). The database layers load on a worker thread or per command.
ROLES = ("desk", "advocate", "coordinator", "admin")
SITE_KINDS = ("library", "hub")
PRINT_FORMATS = ("standard", "large-print", "easy-read")  # printing.layout.PrintFormat values
REPORT_KINDS = ("referrals", "skills", "desk")  # reporting.model.ReportKind values
REPORT_BREAKDOWNS = ("age_band", "sex", "ethnicity", "disability", "first_language")  # reporting.model.Dimension
REPORT_FORMATS = ("pdf", "csv", "xlsx")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assisted-desk",
        description="Assisted Desk: help residents use council services at library and hub desks.",
    )
    parser.add_argument("--version", action="version", version=f"assisted-desk {__version__}")
    parser.add_argument("--home", metavar="DIR", help="keep every file (settings, database, logs) under DIR "
                        "(default: ASSISTED_DESK_HOME, else the usual folders for this user)")
    parser.add_argument("--database", metavar="URL", help="sqlite:///PATH or postgresql://USER@HOST/DB "
                        "(default: ASSISTED_DESK_DATABASE_URL, the settings file, else a local SQLite file)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("gui", help="open the desk application (the default)")

    db = commands.add_parser("db", help="the database: upgrade, current, set-password")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="bring the database up to this version (copies a SQLite file aside first)")
    db_commands.add_parser("current", help="say which database is used and whether it is up to date")
    set_password = db_commands.add_parser("set-password", help="keep the PostgreSQL password in the system keyring")
    set_password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    staff = commands.add_parser("staff", help="staff accounts: list, add, disable, enable, reset-password")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    staff_commands.add_parser("list", help="list staff accounts")
    add = staff_commands.add_parser("add", help="add a staff member (they choose their own password at first sign-in)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name as colleagues know it")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--site", required=True, help="name of the site they work at")
    add.add_argument("--password-stdin", action="store_true", help="read the first password from standard input")
    for action, text in (("disable", "stop an account from signing in"), ("enable", "let a disabled account sign in again")):
        sub = staff_commands.add_parser(action, help=text)
        sub.add_argument("username")
    reset = staff_commands.add_parser("reset-password", help="set a temporary password and lift a lock-out")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    site = commands.add_parser("site", help="sites: list, add")
    site_commands = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    site_commands.add_parser("list", help="list sites")
    site_add = site_commands.add_parser("add", help="add a library or hub")
    site_add.add_argument("name")
    site_add.add_argument("--kind", required=True, choices=SITE_KINDS)

    demo = commands.add_parser("demo", help="fill the selected (empty) database with demo sites, staff and residents")
    demo.add_argument("--residents", type=int, default=None, metavar="N",
                      help="how many demo residents to make (default 240), each with a history of contacts")

    commands.add_parser("sync", help="send waiting back-office requests and referrals, and record status changes, once "
                                     "(for a scheduled task)")
    backoffice = commands.add_parser("backoffice", help="the back office: show, set-url, set-token, set-ca")
    bo_commands = backoffice.add_subparsers(dest="backoffice_command", metavar="ACTION", required=True)
    bo_commands.add_parser("show", help="say what is set (never the token itself)")
    set_url = bo_commands.add_parser("set-url", help="the address every desk sends to")
    set_url.add_argument("url")
    set_token = bo_commands.add_parser("set-token", help="keep this computer's API token in the system keyring")
    set_token.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    set_ca = bo_commands.add_parser("set-ca", help="trust the back office's own certificate authority (PEM file)")
    set_ca.add_argument("pem", nargs="?", help="the PEM file; leave out with --clear")
    set_ca.add_argument("--clear", action="store_true", help="trust the system's authorities only")

    partners = commands.add_parser("partners", help="the partner directory: import-oruk, export")
    partner_commands = partners.add_subparsers(dest="partners_command", metavar="ACTION", required=True)
    import_oruk = partner_commands.add_parser("import-oruk", help="import or refresh the directory from an Open "
                                              "Referral UK API (for a scheduled refresh)")
    import_oruk.add_argument("url", help="the directory's API address, e.g. https://directory.example.org/api")
    import_oruk.add_argument("--per-page", type=int, default=100, metavar="N", help="services per list page")
    export = partner_commands.add_parser("export", help="write the directory as Open Referral UK JSON")
    export.add_argument("--out", required=True, metavar="FILE", help="the JSON file to write")
    export.add_argument("--include-gone", action="store_true", help="also services no longer running")

    print_guide = commands.add_parser("print-guide", help="write a resident guide as a PDF for printing "
                                      "(needs no database)")
    print_guide.add_argument("name", nargs="*", metavar="NAME", help="the guide's name (pay-council-tax) or "
                             "words a resident used (missed bin)")
    print_guide.add_argument("--format", default="standard", choices=PRINT_FORMATS,
                             help="standard, large-print (18 pt) or easy-read (default: standard)")
    print_guide.add_argument("--language", default="en", metavar="CODE", help="the guide's language, e.g. "
                             "pl; English when it is not translated (default: en)")
    print_guide.add_argument("--out", metavar="FILE.pdf", help="the PDF file to write")
    print_guide.add_argument("--list", action="store_true", help="list the guides and their languages")

    report = commands.add_parser("report", help="write a report as PDF, CSV or XLSX (for a scheduled run)")
    report.add_argument("kind", choices=REPORT_KINDS, help="referrals (referral outcomes), skills (skills "
                        "progress) or desk (desk performance)")
    report.add_argument("--from", dest="since", required=True, metavar="YYYY-MM-DD", help="the first day counted")
    report.add_argument("--to", dest="until", required=True, metavar="YYYY-MM-DD", help="the last day counted")
    report.add_argument("--site", action="append", default=[], metavar="NAME_OR_ID",
                        help="count this site only; repeat for several (default: every site)")
    report.add_argument("--partner", action="append", default=[], metavar="NAME_OR_ID",
                        help="referrals report: this partner organisation only; repeat for several")
    report.add_argument("--by", choices=REPORT_BREAKDOWNS, help="add tables by this equality group")
    report.add_argument("--grain", choices=("month", "quarter"), default="month",
                        help="desk performance by month or quarter (default: month)")
    report.add_argument("--format", choices=REPORT_FORMATS, help="pdf, csv or xlsx (default: from the "
                        "--out file's ending)")
    report.add_argument("--out", required=True, metavar="FILE", help="the file to write")

    # Residents' rights and the embedded database's safety: each module adds its own commands
    # (they import nothing heavy at module level).
    from . import cli_backup, cli_export, cli_retention

    cli_export.add_commands(commands)
    cli_retention.add_commands(commands)
    cli_backup.add_commands(commands)
    return parser


def read_password(from_stdin: bool, prompt: str = "Password: ") -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ValidationError("No password was given on standard input.")
        return line.rstrip("\r\n")
    import getpass

    if not sys.stdin.isatty():
        raise ValidationError("No terminal to ask for a password: pass it with --password-stdin.")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again, to be sure: ") != first:
        raise ValidationError("The two passwords were not the same.")
    return first


def _site_id(services, name: str) -> int:
    for site in services.staff.list_sites():
        if site.name.casefold() == name.strip().casefold():
            return site.id
    known = ", ".join(s.name for s in services.staff.list_sites()) or "none yet"
    raise ValidationError(f"There is no site called '{name}'. Sites: {known}.")


def print_guide(args: argparse.Namespace) -> int:
    """`print-guide`: find a guide by name or words and write it as a PDF. No database, no Qt."""
    from .core.errors import FileProblem
    from .printing.guide_pdf import RenderProblem, render_guide
    from .printing.guides import GuideLibrary, guide_language
    from .printing.layout import PrintFormat

    library = GuideLibrary()
    if args.list:
        for guide in library.all():
            languages = ", ".join(library.languages(guide.slug))
            print(f"{guide.slug:<24} {guide.title} [{languages}]")
        for problem in library.problems():
            print(f"assisted-desk: skipped a guide: {problem}", file=sys.stderr)
        return 0
    name = " ".join(args.name).strip()
    if not name:
        print("assisted-desk: name a guide (see print-guide --list) or give words to search for.", file=sys.stderr)
        return 1
    if not args.out:
        print("assisted-desk: say where to write the PDF with --out FILE.pdf.", file=sys.stderr)
        return 1
    language = guide_language(args.language)
    try:
        if name in library.slugs():
            guide = library.get(name, language)
        else:
            found = library.search(name, language)
            if not found:
                print(f"assisted-desk: no guide matches '{name}'. See print-guide --list.", file=sys.stderr)
                return 1
            guide = found[0]
        result = render_guide(guide, PrintFormat.from_name(args.format), Path(args.out))
    except (FileProblem, RenderProblem) as exc:
        print(f"assisted-desk: {exc}", file=sys.stderr)
        return 1
    if guide.language != language:
        print(f"assisted-desk: '{guide.slug}' is not translated into '{args.language}'; printed in English.",
              file=sys.stderr)
    print(f"Wrote {result.path} ({result.pages} pages): {guide.title} [{guide.slug}, {guide.language}, "
          f"{args.format}]")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "print-guide":
        return print_guide(args)
    paths = Paths.for_home(args.home)
    paths.ensure()
    command = args.command or "gui"

    if command == "gui":
        from .app import run_gui  # Qt only when the GUI is wanted; it starts logging itself

        return run_gui(paths, args.database)

    from .core.logs import configure_logging

    configure_logging(paths)

    from .core.config import describe_url, resolve_database_url
    from .core.migrate import schema_state, upgrade
    from .services import database_password_key, open_services

    url = resolve_database_url(paths, args.database)

    if command in ("backup", "restore"):
        from .cli_backup import run_backup_command  # works on the file itself, not through services

        return run_backup_command(args, paths, url)

    if command == "db" and args.db_command == "set-password":
        if url.get_backend_name() != "postgresql":
            raise ValidationError("Only a PostgreSQL database has a password; this one is a SQLite file.")
        from .core.secrets import SecretStore

        where = SecretStore().set(database_password_key(url), read_password(args.password_stdin))
        print(f"The password for {describe_url(url)} is kept in {where}.")
        return 0

    if command == "db" and args.db_command == "current":
        from .core.db import Database
        from .services import with_keyring_password
        from .core.secrets import SecretStore

        db = Database(with_keyring_password(url, SecretStore()))
        try:
            state = schema_state(db)
        finally:
            db.dispose()
        status = "up to date" if state.up_to_date else f"needs upgrading to {state.head}"
        print(f"{describe_url(url)}: schema {state.current or 'empty'} ({status})")
        return 0

    if command == "db" and args.db_command == "upgrade":
        from .core.db import Database
        from .services import with_keyring_password
        from .core.secrets import SecretStore

        db = Database(with_keyring_password(url, SecretStore()))
        try:
            backup = upgrade(db, paths.backup_dir)
            state = schema_state(db)
        finally:
            db.dispose()
        if backup:
            print(f"Copied the database to {backup} before upgrading.")
        print(f"{describe_url(url)}: schema {state.current} (up to date)")
        return 0

    services = open_services(paths, url)
    try:
        return _run_with_services(args, command, services)
    finally:
        services.close()


def _run_with_services(args: argparse.Namespace, command: str, services) -> int:
    from .core.security import Actor

    actor = Actor.command_line()
    if command == "demo":
        from .demo import DEMO_PASSWORD, load_demo

        for line in load_demo(services, residents=args.residents):
            print(f"demo: {line}")
        print(f"Demo data loaded into {services.db.description}. Sign in as 'desk', 'advocate', 'manager', "
              f"'coordinator' or 'admin' with the password {DEMO_PASSWORD}.")
        return 0
    if command in ("sync", "backoffice", "partners"):
        from .cli_links import backoffice, partners, sync

        if command == "sync":
            return sync(services)
        return (backoffice if command == "backoffice" else partners)(args, services, actor)
    if command == "report":
        from .cli_report import run_report  # the reporting layers load only for this command

        return run_report(args, services, actor)
    if command == "export":
        from .cli_export import run_export

        return run_export(args, services, actor)
    if command in ("retention", "erase", "legal-hold"):
        from .cli_retention import run_retention_command

        return run_retention_command(args, services, actor)
    if command == "site":
        if args.site_command == "list":
            for site in services.staff.list_sites():
                print(f"{site.name}\t{site.kind.value}\t{'open' if site.active else 'closed'}")
            return 0
        site = services.staff.add_site(actor, args.name, args.kind)
        print(f"Added the site {site.name} ({site.kind.label}).")
        return 0
    # staff
    if args.staff_command == "list":
        for person in services.staff.list_staff(actor):
            state = "active" if person.active else "disabled"
            print(f"{person.username}\t{person.display_name}\t{person.role.value}\t{person.site_name}\t{state}")
        return 0
    if args.staff_command == "add":
        site_id = _site_id(services, args.site)
        password = read_password(args.password_stdin, "First password: ")
        person = services.staff.add_staff(actor, args.username, args.name, args.role, site_id, password)
        print(f"Added {person.display_name} as {person.username} ({person.role.label}, {person.site_name}). "
              "They will choose their own password when they first sign in.")
        return 0
    person = services.staff.find_by_username(actor, args.username)
    if args.staff_command in ("disable", "enable"):
        person = services.staff.set_active(actor, person.id, args.staff_command == "enable")
        print(f"{person.username} is now {'active' if person.active else 'disabled'}.")
        return 0
    password = read_password(args.password_stdin, "Temporary password: ")
    services.staff.reset_password(actor, person.id, password)
    print(f"The password of {person.username} was reset; they will choose a new one at next sign-in.")
    return 0


def _plain_gui_start(argv: Sequence[str]) -> argparse.Namespace | None:
    """The everyday start (no command, at most --home and --database) without building the
    whole parser, which is a measured slice of start-up. Anything else goes to argparse."""
    options = {"home": None, "database": None}
    items = list(argv)
    while items:
        item = items.pop(0)
        name, equals, value = item.partition("=")
        key = {"--home": "home", "--database": "database"}.get(name)
        if key is None or options[key] is not None:
            return None
        if not equals:
            if not items or items[0].startswith("-"):
                return None
            value = items.pop(0)
        if not value:
            return None
        options[key] = value
    return argparse.Namespace(command=None, **options)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _plain_gui_start(argv) or build_parser().parse_args(argv)
    try:
        return run(args)
    except EnvironmentFault as exc:
        print(f"assisted-desk: {exc}", file=sys.stderr)
        return 2
    except DeskError as exc:
        print(f"assisted-desk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("assisted-desk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
