"""The keyring adapter against a real Secret Service (gnome-keyring on a private D-Bus bus).

Every other test runs with an in-memory keyring; this one proves that on a Linux desk the
PostgreSQL password really lands in, and comes back from, the desktop's keyring daemon.
Nothing here touches the user's own session bus or keyring: the bus, the daemon and the
keyring files all live in temporary directories and are gone after the test.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import keyring
import keyring.backends.SecretService
import pytest
import secretstorage

from assisted_desk.core.secrets import SecretStore, database_secret_key

pytestmark = pytest.mark.secret_service

REQUIRED = os.environ.get("ASSISTED_DESK_REQUIRE_SECRET_SERVICE") == "1"
STARTUP_TIMEOUT = 15.0
TEST_SERVICE = "assisted-desk-test"

# A session bus with no service activation: if something asked for the Secret Service
# before our daemon had claimed its name, the stock session config would launch a second
# gnome-keyring-daemon behind our back (and leave it running after the test).
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (ASSISTED_DESK_REQUIRE_SECRET_SERVICE=1 says this machine must have it)")
    pytest.skip(reason)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def _read_bus_address(bus: subprocess.Popen[bytes], log_path: Path) -> str:
    assert bus.stdout is not None
    ready, _, _ = select.select([bus.stdout], [], [], STARTUP_TIMEOUT)
    line = bus.stdout.readline().decode().strip() if ready else ""
    if not line:
        pytest.fail(
            f"dbus-daemon printed no address (exit code {bus.poll()}); its output:\n"
            + log_path.read_text(errors="replace")
        )
    return line


def _wait_for_secret_service(daemon: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            break
        with closing(secretstorage.dbus_init()) as connection:
            if secretstorage.check_service_availability(connection):
                return
        time.sleep(0.05)
    pytest.fail(
        "gnome-keyring-daemon did not offer org.freedesktop.secrets on the test bus "
        f"(exit code {daemon.poll()}); its output:\n{log_path.read_text(errors='replace')}"
    )


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private D-Bus session bus with an unlocked gnome-keyring on it, and keyring's
    SecretService backend installed; the previous backend comes back afterwards."""
    missing = [name for name in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(name) is None]
    if missing:
        _unavailable(
            f"{' and '.join(missing)} not installed; on Debian or Ubuntu: "
            "sudo apt-get install gnome-keyring dbus"
        )

    home = tmp_path / "home"
    home.mkdir()
    # A short path of its own: a unix socket path must fit in 108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="ad-bus-"))
    processes: list[subprocess.Popen[bytes]] = []
    previous_backend = keyring.get_keyring()
    try:
        _start_secret_service(tmp_path, home, runtime, processes, monkeypatch)
        keyring.set_keyring(keyring.backends.SecretService.Keyring())
        yield
    finally:
        keyring.set_keyring(previous_backend)
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(runtime, ignore_errors=True)


def _start_secret_service(
    tmp_path: Path,
    home: Path,
    runtime: Path,
    processes: list[subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Start dbus-daemon, then gnome-keyring-daemon on it; both go into `processes` as soon
    as they exist, so the fixture stops them whatever happens next."""
    runtime.chmod(0o700)
    config = tmp_path / "session-bus.conf"
    config.write_text(BUS_CONFIG.format(runtime=runtime))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }

    # dbus-daemon's own complaints (e.g. it may not raise its fd limit) go to a file
    # that is only shown when the bus does not come up.
    bus_log_path = tmp_path / "dbus-daemon.log"
    with bus_log_path.open("wb") as bus_log:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=bus_log,
            env=env,
        )
    processes.append(bus)
    address = _read_bus_address(bus, bus_log_path)
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)

    # --unlock reads the login keyring's password from stdin and, as the keyring does
    # not exist yet, creates it unlocked; gnome-keyring points the "default" alias at
    # it, which is the collection keyring's SecretService backend uses.
    log_path = tmp_path / "gnome-keyring.log"
    with log_path.open("wb") as log_file:
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
    processes.append(daemon)
    assert daemon.stdin is not None
    daemon.stdin.write(b"test-login-password")
    daemon.stdin.close()
    _wait_for_secret_service(daemon, log_path)


def _items_in_secret_service(key: str) -> list[tuple[dict[str, str], bytes]]:
    """What the daemon itself holds for `key`, read without keyring or SecretStore."""
    with closing(secretstorage.dbus_init()) as connection:
        collection = secretstorage.get_default_collection(connection)
        # Newer daemons add their own "xdg:schema" attribute to every item: not ours to check.
        return [
            ({k: v for k, v in item.get_attributes().items() if not k.startswith("xdg:")}, item.get_secret())
            for item in collection.search_items({"service": TEST_SERVICE, "username": key})
        ]


def test_secret_store_keeps_a_secret_in_the_real_secret_service(secret_service: None) -> None:
    key = database_secret_key("desk", "db.borough.example", 5432, "assisted_desk")
    password = "pa55-Łukasz-ünïcode"
    store = SecretStore(service=TEST_SERVICE)

    assert store.keyring_available()
    assert "SecretService" in store.where()
    # set() falls back to memory (and says so) when the keyring refuses: this must not.
    assert "SecretService" in store.set(key, password)

    assert _items_in_secret_service(key) == [
        ({"service": TEST_SERVICE, "username": key, "application": "Python keyring library"}, password.encode())
    ]
    # A new store has no copy in memory: the password can only come from the daemon.
    assert SecretStore(service=TEST_SERVICE).get(key) == password

    store.set(key, "changed")
    assert SecretStore(service=TEST_SERVICE).get(key) == "changed"
    assert len(_items_in_secret_service(key)) == 1

    store.delete(key)
    assert _items_in_secret_service(key) == []
    assert SecretStore(service=TEST_SERVICE).get(key) is None
    # Deleting what is not there is not an error for the desk.
    store.delete(key)
