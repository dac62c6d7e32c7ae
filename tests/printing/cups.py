"""A private CUPS server with a cups-pdf queue, for tests that print for real.

`PrivateCups.start()` runs its own `cupsd -f` (never the system's): its own ServerRoot,
cupsd.conf, cups-files.conf, spool, cache, logs and a Unix-domain socket, all in one temporary
directory, so each pytest-xdist worker has a server of its own and nothing outside the temporary
directory is touched. Clients (`lp`, `lpstat`, `lpadmin`) reach it through the CUPS_SERVER
environment variable set to that socket.

The queue prints with the cups-pdf backend (Debian's printer-driver-cups-pdf). cups-pdf reads its
settings from /etc/cups/cups-pdf.conf (the path is compiled in), but the settings it marks safe for
a PPD (Out, Spool and Log among them) are also read from the queue's own PPD, as option defaults.
So the queue gets a copy of cups-pdf's stock PPD with extra `Out`, `Spool` and `Log` options. CUPS
cuts a PPD default at its first '/', so they are relative paths ("out", "pdfspool", "log"):
cupsd's children inherit its working directory, which is the temporary directory, so the PDF lands
in <tmp>/out and nothing is written to /etc/cups, /var/spool/cups-pdf or anybody's home.

cups-pdf runs as root (its file is mode 0700) and switches to the job's user, so this works only
when the tests run as root, as CI does; elsewhere `unavailable_reason()` says why it cannot.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
STOCK_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
QUEUE = "AssistedDeskPDF"
START_TIMEOUT = 20.0
PPD_DEFAULT_MAX = 40  # PPD_MAX_NAME (41) less the terminating NUL
FAILED_JOB = ("Backend returned status", "Job stopped", "Job held", "aborted", "canceled")

CUPS_FILES_CONF = """\
ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Printcap {root}/state/printcap
User lp
Group lp
SystemGroup root
FileDevice No
"""

CUPSD_CONF = """\
LogLevel info
Listen {socket}
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
JobRetryLimit 0
MaxJobs 100
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
"""


def _tool(name: str) -> str | None:
    """A CUPS program by name; cupsd and lpadmin live in /usr/sbin, often not on a user's PATH."""
    found = shutil.which(name)
    if found is None and os.access(f"/usr/sbin/{name}", os.X_OK):
        found = f"/usr/sbin/{name}"
    return found


def unavailable_reason() -> str | None:
    """Why a private cupsd with a cups-pdf queue cannot run here, or None when it can."""
    missing = [tool for tool in ("cupsd", "lp", "lpstat", "lpadmin") if _tool(tool) is None]
    if missing:
        return (f"CUPS is not installed ({', '.join(missing)} not found); on Debian: "
                "apt-get install --no-install-recommends cups printer-driver-cups-pdf")
    if not BACKEND.exists() or not STOCK_PPD.exists():
        return ("the cups-pdf virtual printer is not installed ({} not found); on Debian: apt-get install "
                "--no-install-recommends printer-driver-cups-pdf".format(BACKEND if not BACKEND.exists()
                                                                          else STOCK_PPD))
    if os.geteuid() != 0:
        return "the cups-pdf backend runs only under a cupsd started as root (it is mode 0700, root's)"
    return None


def _end_with_parent() -> None:
    """In the child before exec: be sent SIGTERM when the test process dies, so a worker that is
    killed (xdist, Ctrl-C) leaves no cupsd behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _ppd_option(keyword: str, label: str, value: str) -> str:
    if len(value) > PPD_DEFAULT_MAX or any(c in value for c in " :/"):
        raise ValueError(f"{value!r} cannot be a PPD default (at most {PPD_DEFAULT_MAX} characters, "
                         "no spaces, colons or slashes)")
    return (f"*OpenUI *{keyword}/{label}: PickOne\n*Default{keyword}: {value}\n"
            f'*{keyword} Private/{label}: ""\n*CloseUI: *{keyword}\n')


@dataclass
class PrivateCups:
    """A running private cupsd; `socket` is what CUPS_SERVER must be set to."""

    root: Path
    socket: Path
    out_dir: Path
    queue: str
    process: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def run(self, *command: str, timeout: float = 30, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=check, stdin=subprocess.DEVNULL)

    @classmethod
    def start(cls) -> PrivateCups:
        # Directly under /tmp with a short name, as the socket's path must fit in 108 bytes;
        # world-traversable, as cupsd's filters run as lp.
        root = Path(tempfile.mkdtemp(prefix="adcups-", dir="/tmp"))
        os.chmod(root, 0o755)
        for sub in ("etc", "etc/ppd", "spool", "spool/tmp", "cache", "state", "log", "out", "pdfspool"):
            # "log" is also cups-pdf's Log directory.
            (root / sub).mkdir(exist_ok=True)
        socket = root / "cups.sock"
        (root / "etc" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=root))
        (root / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(socket=socket))
        log = open(root / "log" / "cupsd.out", "wb")
        try:
            process = subprocess.Popen(
                [_tool("cupsd") or "cupsd", "-f", "-c", str(root / "etc" / "cupsd.conf"), "-s", str(root / "etc" / "cups-files.conf")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                cwd=root, preexec_fn=_end_with_parent)
        finally:
            log.close()
        server = cls(root, socket, root / "out", QUEUE, process)
        atexit.register(server.stop)  # in case the session ends without its teardown
        try:
            server._wait_until_ready()
            server._add_queue()
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cupsd exited with status {self.process.returncode}: {self.log_tail()}")
            if self.socket.exists() and self.run("lpstat", "-r", check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"cupsd did not answer on {self.socket} within {START_TIMEOUT:g}s: {self.log_tail()}")

    def _add_queue(self) -> None:
        ppd = self.root / "cups-pdf.ppd"
        stock = STOCK_PPD.read_text(encoding="latin-1")
        # Relative to cupsd's working directory, self.root (see the module's docstring).
        extra = (_ppd_option("Out", "Output directory", "out")
                 + _ppd_option("Spool", "Spool directory", "pdfspool")
                 + _ppd_option("Log", "Log directory", "log"))
        ppd.write_text(stock.rstrip("\n") + "\n" + extra, encoding="latin-1")
        self.run(_tool("lpadmin") or "lpadmin", "-p", self.queue, "-v", "cups-pdf:/", "-P", str(ppd), "-E")

    def jobs_not_completed(self) -> list[str]:
        done = self.run("lpstat", "-W", "not-completed", "-o", self.queue, check=False)
        return [line for line in done.stdout.splitlines() if line.strip()]

    def wait_for_pdf(self, request: str, timeout: float = 60) -> Path:
        """The PDF cups-pdf produced for `request` (what lp said: "request id is Q-7 (1 file(s))"),
        once the job has completed. Raises AssertionError, with the server's logs, when the job
        failed or no PDF appeared in time."""
        job = int(request.split()[3].rsplit("-", 1)[1])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            produced = sorted(self.out_dir.rglob(f"*job_{job}.pdf"))
            if produced and not self.jobs_not_completed():
                return produced[-1]
            log = self.root / "log" / "error_log"
            said = [line for line in (log.read_text(errors="replace").splitlines() if log.exists() else ())
                    if f"[Job {job}]" in line and any(word in line for word in FAILED_JOB)]
            if said:
                raise AssertionError(f"job {job} failed: {said[0]}\n{self.log_tail()}")
            time.sleep(0.1)
        raise AssertionError(f"no PDF for job {job} in {self.out_dir} after {timeout:g}s; jobs: "
                             f"{self.jobs_not_completed()}\n{self.log_tail()}")

    def clear_output(self) -> None:
        for path in self.out_dir.rglob("*.pdf"):
            path.unlink()

    def log_tail(self, lines: int = 30) -> str:
        text = []
        for name in ("cupsd.out", "error_log", f"cups-pdf-{self.queue}_log"):
            path = self.root / "log" / name
            if path.exists():
                text.append(f"--- {name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(text)

    def stop(self) -> None:
        """End cupsd and remove the temporary directory; safe to call more than once."""
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
