"""Start-up: launch to sign-in window shown, beside a bare PySide6 window in the same run.

Both are fresh processes, launched alternately (the order flips each round so neither always
runs second), after one discarded warm-up launch each. The application starts as a desk that is
already set up (`assisted-desk --home HOME demo` once beforehand), so the measured launch is an
ordinary morning start, not a first run. With ASSISTED_DESK_STARTUP_PROBE=1 the application
prints "startup-probe shown" when its sign-in dialog is shown and quits.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from harness import BENCHMARKS_DIR, Context, ScenarioError, log, percentile, summary_ms, time_until_line
from scenarios import scenario

TARGET_RATIO = 1.3
DEFAULT_RUNS = 15
TIMEOUT_S = 30.0
APP_LINE = "startup-probe shown"
BARE_LINE = "bare-window shown"


def launch_env(*, probe: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTED_DESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"  # the line must arrive when printed, not when the process ends
    if probe:
        env["ASSISTED_DESK_STARTUP_PROBE"] = "1"
    return env


def prepare_home(python: str, home: Path) -> None:
    """A migrated database with demo sites and staff: the desk is set up."""
    command = [python, "-c", "import sys; from assisted_desk.cli import main; sys.exit(main())",
               "--home", str(home), "demo"]
    done = subprocess.run(command, env=launch_env(probe=False), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ScenarioError(f"preparing the desk with 'assisted-desk --home {home} demo' failed "
                            f"(exit {done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")


def app_command(python: str, home: Path) -> list[str]:
    return [python, "-m", "assisted_desk", "--home", str(home)]


@scenario("start", "application start-up: launch to sign-in window shown, against a bare PySide6 window")
def run(ctx: Context) -> dict[str, object]:
    runs = ctx.runs_or(DEFAULT_RUNS)
    with tempfile.TemporaryDirectory(prefix="assisted-desk-bench-start-") as tmp:
        home = Path(tmp)
        log(f"start: preparing a set-up desk in {home}")
        prepare_home(ctx.python, home)
        bare = [ctx.python, str(BENCHMARKS_DIR / "bare_window.py")]
        app = app_command(ctx.python, home)

        def time_bare() -> float:
            return time_until_line(bare, BARE_LINE, env=launch_env(probe=False), timeout_s=TIMEOUT_S, cwd=home)

        def time_app() -> float:
            return time_until_line(app, APP_LINE, env=launch_env(probe=True), timeout_s=TIMEOUT_S, cwd=home)

        log("start: warm-up launches (not counted)")
        time_bare()
        try:
            time_app()
        except ScenarioError as exc:
            # Still worth knowing what the baseline is on this machine.
            baseline = [time_bare() for _ in range(runs)]
            raise ScenarioError(f"the application never reported its sign-in window: {exc}",
                                runs=runs, **summary_ms(baseline, "bare_")) from None

        bare_times: list[float] = []
        app_times: list[float] = []
        for round_ in range(runs):
            if round_ % 2 == 0:  # flip the order each round, so neither always goes second
                bare_times.append(time_bare())
                app_times.append(time_app())
            else:
                app_times.append(time_app())
                bare_times.append(time_bare())
            log(f"start: run {round_ + 1}/{runs}: app {app_times[-1] * 1000:.0f} ms, "
                f"bare {bare_times[-1] * 1000:.0f} ms")

    figures: dict[str, object] = {"runs": runs, **summary_ms(app_times), **summary_ms(bare_times, "bare_")}
    ratio = percentile(app_times, 0.5) / percentile(bare_times, 0.5)
    figures.update(ratio_to_bare=round(ratio, 2), target_ratio=TARGET_RATIO, meets_target=ratio <= TARGET_RATIO)
    return figures
