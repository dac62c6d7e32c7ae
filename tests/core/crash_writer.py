"""A desk that writes until it is killed, for tests/core/test_crash_kill.py.

Run as `python crash_writer.py HOME DATABASE STAFF_ID SITE_ID`. Importing the application takes
seconds, so this process imports it once and then, for each `write SEED [DATABASE]` line on
standard input (a database other than the first may be named),
forks a child that opens the services afresh (as a desk starting up does) and writes in a loop:
it registers a resident, logs a contact for them, and so on. Each line it prints names a record
the service has returned, so a person at the desk would have seen it saved:

    started PID
    ready                                 (the services are open)
    resident ID GIVEN|FAMILY|POSTCODE
    contact REFERENCE RESIDENT_ID NOTES

The test kills the child (SIGKILL) at a moment of its choosing; this process then prints
`ended PID` once the child is gone, so every line the child printed has been read before it.
"""

from __future__ import annotations

import os
import sys
import traceback

from assisted_desk.core.config import Paths, parse_database_url
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from assisted_desk.core.security import Actor, PasswordHashing, Role
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.desk.vocab import Channel, HelpType, Outcome
from assisted_desk.services import open_services

GIVEN = ("Łukasz", "Ștefan", "Zoë", "Siobhán", "Ngozi")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Sign-in hashes a dummy password at start-up; real Argon2id cost is a quarter of a second.
CHEAP = PasswordHashing(PasswordHasher.from_parameters(CHEAPEST))
MAX_WRITES = 5000  # a child nobody kills stops on its own


def family_name(seed: int, n: int) -> str:
    """Letters only (names refuse digits), different for every seed and write."""
    number, letters = seed * 100_000 + n, ""
    while True:
        number, digit = divmod(number, 26)
        letters += LETTERS[digit]
        if not number:
            return "Kill-" + letters.capitalize()


def say(line: str) -> None:
    # One write per line: a kill can fall between lines, never inside one.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_until_killed(home: str, database: str, staff_id: int, site_id: int, seed: int) -> None:
    say(f"started {os.getpid()}")
    services = open_services(Paths.for_home(home), parse_database_url(database), hashing=CHEAP)
    say("ready")
    actor = Actor(staff_id, "admin", "Amara Okafor", Role.ADMIN, site_id, "Central Library")
    for n in range(MAX_WRITES):
        given, family, postcode = GIVEN[n % len(GIVEN)], family_name(seed, n), "E1 6AN"
        record = services.residents.register(
            actor, ResidentInput(given_name=given, family_name=family, date_of_birth="14/03/1985",
                                 postcode=postcode), confirm_not_duplicate=True)
        say(f"resident {record.id} {given}|{family}|{postcode}")
        notes = f"seed {seed} write {n}: helped with Council Tax, Łódź ✓"
        reference = services.interactions.log_interaction(actor, ContactInput(
            resident_id=record.id, channel=Channel.FACE_TO_FACE, service_code="council_tax",
            help_type=HelpType.ASSISTED_SELF_SERVICE, outcome=Outcome.RESOLVED, notes=notes))
        say(f"contact {reference} {record.id} {notes}")


def main() -> None:
    home, database, staff_id, site_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    # Open the services once before forking, so each child finds the modules they load on first
    # use already loaded; closed again, so no child inherits an open database connection.
    open_services(Paths.for_home(home), parse_database_url(database), hashing=CHEAP).close()
    for line in sys.stdin:
        command, seed, *other = line.split(" ", 2)
        if command != "write":
            break
        target = other[0].rstrip("\n") if other else database
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                write_until_killed(home, target, staff_id, site_id, int(seed))
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)  # never run the parent's clean-up in the child
        _, status = os.waitpid(pid, 0)
        say(f"ended {pid} {status}")


if __name__ == "__main__":
    main()
