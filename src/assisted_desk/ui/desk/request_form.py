"""The form for one back-office request, built from its declaration (resources/service_requests.json).

Each field shows its label above it (labels wrap, so nothing is cut off at large text), says in
words when it is required, and keeps its help text in view. Dates are typed as the desk reads
them elsewhere (14/03/2026, 14 March 2026...) with the allowed days spelled out and what was read
shown as it is typed. The form only gathers what was typed: the service checks it (and names the
field) before anything is queued."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...desk.contact_details import read_date
from ...desk.request_forms import RequestField, RequestType

HELP_STYLE = "color: #333333;"
PROBLEM_STYLE = "color: #8a1010;"


def wrapped_label(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if style:
        label.setStyleSheet(style)
    return label


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def date_window(item: RequestField, today: date) -> tuple[date | None, date | None]:
    earliest = today + timedelta(days=item.earliest_days) if item.earliest_days is not None else None
    latest = today + timedelta(days=item.latest_days) if item.latest_days is not None else None
    return earliest, latest


def shown_value(item: RequestField, value: object) -> object:
    """A stored value (a request being fixed) as the form shows it: dates the UK way."""
    if item.type == "date" and isinstance(value, str):
        try:
            return day_text(date.fromisoformat(value))
        except ValueError:
            return value
    return value


class RequestForm(QWidget):
    """`changed` fires on every edit. `fields` maps each field's name to its widget, so a refusal
    naming a field can put the cursor there."""

    changed = Signal()

    def __init__(self, request: RequestType, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request, self.today = request, today
        self.fields: dict[str, QWidget] = {}
        self.readings: dict[str, QLabel] = {}  # under each date: how what was typed reads
        self.setAccessibleName(self.tr("Request: {0}").format(request.name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if request.help:
            about = wrapped_label(request.help, HELP_STYLE)
            about.setObjectName("requestHelp")
            about.setAccessibleName(self.tr("About this request"))
            layout.addWidget(about)
        for item in request.fields:
            layout.addSpacing(6)
            self._add(layout, item)

    # ---- building ---------------------------------------------------------------------------

    def _label_text(self, item: RequestField) -> str:
        return self.tr("{0} (required)").format(item.label) if item.required else \
            self.tr("{0} (optional)").format(item.label)

    def _add(self, layout: QVBoxLayout, item: RequestField) -> None:
        widget = self._widget(item)
        widget.setObjectName(f"request_{item.name}")
        self.fields[item.name] = widget
        name = self._label_text(item)
        widget.setAccessibleName(name)
        if isinstance(widget, QCheckBox):
            widget.setText(name)
            layout.addWidget(widget)
        else:
            label = wrapped_label(name)
            label.setBuddy(widget)
            label.setStyleSheet("font-weight: 600;")
            layout.addWidget(label)
            layout.addWidget(widget)
        help_text = self._help_text(item)
        if help_text:
            help_label = wrapped_label(help_text, HELP_STYLE)
            help_label.setAccessibleName(self.tr("Help for {0}").format(item.label))
            widget.setAccessibleDescription(help_text)
            layout.addWidget(help_label)
        if item.type == "date":
            reading = wrapped_label()
            reading.setAccessibleName(self.tr("{0} reads as").format(item.label))
            reading.hide()
            self.readings[item.name] = reading
            layout.addWidget(reading)
            widget.textChanged.connect(lambda _t, i=item: self._read_date(i))

    def _widget(self, item: RequestField) -> QWidget:
        tr = self.tr
        if item.type == "long_text":
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)  # Tab moves on; the form works by keyboard alone
            box.setMinimumHeight(box.fontMetrics().lineSpacing() * 3 + 16)
            box.setMaximumHeight(box.fontMetrics().lineSpacing() * 6 + 16)
            box.textChanged.connect(self.changed.emit)
            return box
        if item.type == "choice":
            combo = QComboBox()
            combo.addItem(tr("choose…"), "")
            for value, label in item.choices:
                combo.addItem(label, value)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            return combo
        if item.type == "yes_no":
            check = QCheckBox()
            check.toggled.connect(lambda _b: self.changed.emit())
            return check
        if item.type == "number" and item.minimum is not None and item.maximum is not None:
            spin = QSpinBox()
            # One below the lowest allowed means "not given": nothing is assumed for the resident.
            spin.setRange(item.minimum - 1, item.maximum)
            spin.setSpecialValueText(tr("not given"))
            spin.setValue(item.minimum - 1)
            spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            return spin
        edit = QLineEdit()
        if item.type == "number":
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"-?\d{0,9}"), edit))
        elif item.type == "date":
            edit.setMaxLength(40)
            edit.setPlaceholderText(tr("for example {0}").format(day_text(self.today)))
        elif item.type == "postcode":
            edit.setMaxLength(10)
            edit.setPlaceholderText(tr("for example E1 6AN"))
        elif item.type == "phone":
            edit.setMaxLength(30)
            edit.setPlaceholderText(tr("for example 07911 123456"))
        elif item.type == "email":
            edit.setMaxLength(254)
            edit.setPlaceholderText(tr("name@example.org"))
        elif item.max_length:
            edit.setMaxLength(item.max_length)
        edit.textChanged.connect(lambda _t: self.changed.emit())
        return edit

    def _help_text(self, item: RequestField) -> str:
        tr = self.tr
        parts = [item.help] if item.help else []
        if item.type == "date":
            earliest, latest = date_window(item, self.today)
            if earliest and latest:
                parts.append(tr("Allowed: {0} to {1}.").format(day_text(earliest), day_text(latest)))
            elif earliest:
                parts.append(tr("Allowed: {0} or later.").format(day_text(earliest)))
            elif latest:
                parts.append(tr("Allowed: up to {0}.").format(day_text(latest)))
            parts.append(tr("Write it as 20/11/2026 or 20 November 2026."))
        elif item.type == "number":
            if item.minimum is not None and item.maximum is not None:
                parts.append(tr("A whole number from {0} to {1}.").format(item.minimum, item.maximum))
            else:
                parts.append(tr("A whole number."))
        elif item.pattern_help:
            parts.append(item.pattern_help[0].upper() + item.pattern_help[1:] + ".")
        return " ".join(parts)

    def _read_date(self, item: RequestField) -> None:
        """Say how the date typed reads, so 02/03 is not taken for 3 February unnoticed."""
        reading = self.readings[item.name]
        text = self.fields[item.name].text().strip()
        if not text:
            reading.hide()
            return
        day = read_date(text, today=self.today)
        earliest, latest = date_window(item, self.today)
        if day is None:
            words, style = self.tr("Not a date yet."), PROBLEM_STYLE
        elif (earliest and day < earliest) or (latest and day > latest):
            words, style = self.tr("Reads as {0}: outside the allowed days.").format(day.strftime("%A %d %B %Y")), \
                PROBLEM_STYLE
        else:
            words, style = self.tr("Reads as {0}.").format(day.strftime("%A %d %B %Y")), HELP_STYLE
        reading.setText(words)
        reading.setStyleSheet(style)
        reading.setAccessibleDescription(words)
        reading.show()

    # ---- reading and filling ----------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """What was typed, by field name: text as typed, a choice's stored value ("" for none),
        yes/no as True or False, a spin box's number (or "" when not given)."""
        result: dict[str, object] = {}
        for item in self.request.fields:
            widget = self.fields[item.name]
            if isinstance(widget, QPlainTextEdit):
                result[item.name] = widget.toPlainText()
            elif isinstance(widget, QComboBox):
                result[item.name] = widget.currentData() or ""
            elif isinstance(widget, QCheckBox):
                result[item.name] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                result[item.name] = "" if widget.value() < widget.minimum() + 1 else widget.value()
            else:
                result[item.name] = widget.text()
        return result

    def set_values(self, values: Mapping[str, object]) -> None:
        """Fill from a draft (as typed) or a stored request (dates as YYYY-MM-DD); unknown names
        and unusable values are left out."""
        self.blockSignals(True)
        try:
            for item in self.request.fields:
                if item.name not in values:
                    continue
                value = shown_value(item, values[item.name])
                widget = self.fields[item.name]
                if isinstance(widget, QPlainTextEdit):
                    widget.setPlainText("" if value is None else str(value))
                elif isinstance(widget, QComboBox):
                    index = widget.findData(str(value or ""))
                    widget.setCurrentIndex(max(0, index))
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(value is True or str(value).strip().lower() in ("yes", "true", "1"))
                elif isinstance(widget, QSpinBox):
                    try:
                        widget.setValue(int(value))
                    except (TypeError, ValueError):
                        widget.setValue(widget.minimum())
                else:
                    widget.setText("" if value is None else str(value))
        finally:
            self.blockSignals(False)

    def is_blank(self) -> bool:
        return all(value in ("", False) for value in self.values().values())

    def focus_field(self, name: str) -> bool:
        widget = self.fields.get(name)
        if widget is None:
            return False
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()
        return True

    def first_field(self) -> QWidget | None:
        return self.fields[self.request.fields[0].name] if self.request.fields else None


__all__ = ["RequestForm", "date_window", "day_text", "shown_value", "wrapped_label"]
