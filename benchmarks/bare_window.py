"""The baseline for start-up: the least a PySide6 program does to show a dialog.

Prints "bare-window shown <unix time>" once the dialog is shown and the event loop is running,
then exits 0 — the same moment the application's start-up probe reports its sign-in dialog.
"""

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog


def main() -> int:
    app = QApplication(sys.argv)
    dialog = QDialog()
    dialog.setWindowTitle("Bare window")
    dialog.show()

    def shown() -> None:
        print(f"bare-window shown {time.time():.6f}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)  # runs once the loop has started, after the show
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
