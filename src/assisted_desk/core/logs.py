"""Logs go to a rotating file in the data directory, never to a resident-facing screen."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from .config import Paths

LOG_FILE = "assisted-desk.log"


def configure_logging(paths: Paths, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_assisted_desk", False)]:
        root.removeHandler(old)  # a new home (tests, a second desk) gets its own log file
        old.close()
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            paths.log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()  # a read-only home still gets its messages somewhere
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._assisted_desk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
