"""The Reports tab: the targets the desk performance report colours its indicators against, and
the disclosure control every protected report applies. Each group saves on its own; a refusal is
shown under the group, the cursor goes to the field it names, and everything typed stays."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QScrollArea,
                               QVBoxLayout, QWidget)

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...reporting.disclosure import ROUNDING_SETTING, THRESHOLD_SETTING, DisclosureRules, read_rules, save_rules
from ...reporting.targets import DeskTargets, Indicator, number_from_text, read_targets, save_targets
from ...services import Services
from ..forms import button, focus_field
from ..messages import FormMessage, show_problem

# field -> (label with its mnemonic, unit shown after the box, what to type when it is not a number)
_TARGET_FIELDS = {
    Indicator.FIRST_CONTACT.value: ("Resolved at &first contact", "% or more", "a percentage from 0 to 100"),
    Indicator.RIGHT_FIRST_TIME.value: ("Right first &time (no avoidable contact)", "% or more",
                                       "a percentage from 0 to 100"),
    Indicator.WAIT_AVERAGE.value: ("A&verage walk-in wait", "minutes or less", "minutes, from 1 to 120"),
    Indicator.WAIT_P90.value: ("Walk-in wait for &9 in 10 people", "minutes or less", "minutes, from 1 to 120"),
    Indicator.CALLBACKS_ON_TIME.value: ("Callbacks &made on time", "% or more", "a percentage from 0 to 100"),
    Indicator.FIRST_RESPONSE.value: ("Advocacy first res&ponse within SLA", "% or more", "a percentage from 0 to 100"),
    Indicator.RESOLUTION.value: ("Advocacy res&olution within SLA", "% or more", "a percentage from 0 to 100"),
    Indicator.SATISFACTION.value: ("Satisfaction rate&d good", "% or more", "a percentage from 0 to 100"),
    "amber_margin_points": ("Amber &when short of a target by up to", "percentage points",
                            "percentage points, from 0 to 50"),
    "amber_wait_percent": ("Amb&er when a wait is over its target by up to", "% of the target",
                           "a percentage from 0 to 100"),
}
ROUNDINGS = ((0, "No rounding: exact counts"), (5, "To the nearest 5"), (10, "To the nearest 10"))


def _number_box(accessible_name: str) -> QLineEdit:
    box = QLineEdit()
    box.setAccessibleName(accessible_name)
    box.setMaximumWidth(box.fontMetrics().horizontalAdvance("0000000") + 24)  # grows with the text size
    return box


def _with_unit(form: QFormLayout, label_text: str, box: QWidget, unit: str) -> None:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(box)
    row.addWidget(QLabel(unit))
    row.addStretch(1)
    label = QLabel(label_text)
    label.setBuddy(box)
    label.setWordWrap(True)
    form.addRow(label, holder)


class ReportSettingsTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor

        self.target_boxes: dict[str, QLineEdit] = {}
        targets_group = QGroupBox(self.tr("Desk performance targets"))
        targets_form = QFormLayout(targets_group)
        targets_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        intro = QLabel(self.tr("Each indicator of the desk performance report is green when it meets its target, "
                               "amber when it is close, and red otherwise."))
        intro.setWordWrap(True)
        targets_form.addRow(intro)
        for field, (label, unit, _what) in _TARGET_FIELDS.items():
            box = _number_box(self.tr(label.replace("&", "")) + ", " + self.tr(unit))
            self.target_boxes[field] = box
            _with_unit(targets_form, self.tr(label), box, self.tr(unit))
        self.save_targets_button = button(self.tr("Save t&argets"), self.tr("Save the desk performance targets"))
        self.save_targets_button.clicked.connect(self.save_targets)
        self.targets_message = FormMessage(self)
        targets_form.addRow("", self.save_targets_button)
        targets_form.addRow(self.targets_message)

        rules_group = QGroupBox(self.tr("Disclosure control"))
        rules_form = QFormLayout(rules_group)
        rules_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        rules_intro = QLabel(self.tr("Protected reports hide small counts so nobody can be picked out, and round "
                                     "the rest. These rules apply to every desk sharing this database."))
        rules_intro.setWordWrap(True)
        rules_form.addRow(rules_intro)
        self.threshold = _number_box(self.tr("Hide counts below, people or records"))
        _with_unit(rules_form, self.tr("&Hide counts below"), self.threshold, self.tr("people or records (2 to 100)"))
        self.rounding = QComboBox()
        self.rounding.setAccessibleName(self.tr("Round other counts"))
        for value, text in ROUNDINGS:
            self.rounding.addItem(self.tr(text), value)
        _with_unit(rules_form, self.tr("Rou&nd other counts"), self.rounding, "")
        self.save_rules_button = button(self.tr("Save disclosure ru&les"), self.tr("Save the disclosure rules"))
        self.save_rules_button.clicked.connect(self.save_rules)
        self.rules_message = FormMessage(self)
        rules_form.addRow("", self.save_rules_button)
        rules_form.addRow(self.rules_message)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(targets_group)
        column.addWidget(rules_group)
        column.addStretch(1)
        scroll = QScrollArea()  # at double text size the form is taller than a laptop screen
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setAccessibleName(self.tr("Report settings"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        order = [*self.target_boxes.values(), self.save_targets_button, self.threshold, self.rounding,
                 self.save_rules_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

    def refresh(self) -> None:
        """Show the targets and rules as saved now."""
        try:
            targets, rules = read_targets(self.services.settings), read_rules(self.services.settings)
        except DeskError as error:
            show_problem(self, error)
            return
        self._show_targets(targets)
        self.threshold.setText(str(rules.threshold))
        index = self.rounding.findData(rules.rounding)
        self.rounding.setCurrentIndex(max(index, 0))

    def _show_targets(self, targets: DeskTargets) -> None:
        for field, box in self.target_boxes.items():
            box.setText(f"{getattr(targets, field):g}")

    def save_targets(self) -> None:
        self.targets_message.clear_message()
        try:
            typed = {field: number_from_text(box.text(), field, _TARGET_FIELDS[field][2])
                     for field, box in self.target_boxes.items()}
            saved = save_targets(self.services.settings, self.actor,
                                 DeskTargets(**{f.name: typed[f.name] for f in fields(DeskTargets)}))
        except ValidationError as error:
            self.targets_message.show_error(error.message)
            focus_field(self.target_boxes, error)
            return
        except DeskError as error:
            show_problem(self, error)
            return
        self._show_targets(saved)
        self.targets_message.show_info(self.tr("Saved. Desk performance reports run from now on use these "
                                               "targets."))

    def save_rules(self) -> None:
        self.rules_message.clear_message()
        fields_by_name = {THRESHOLD_SETTING: self.threshold, ROUNDING_SETTING: self.rounding}
        try:
            threshold = number_from_text(self.threshold.text(), THRESHOLD_SETTING, "a whole number from 2 to 100")
            rules = DisclosureRules(threshold, int(self.rounding.currentData()))
            save_rules(self.services.settings, self.actor, rules)
        except ValidationError as error:
            self.rules_message.show_error(error.message)
            focus_field(fields_by_name, error)
            return
        except DeskError as error:
            show_problem(self, error)
            return
        rounding = self.tr("rounded to the nearest {0}").format(rules.rounding) if rules.rounding else self.tr("exact")
        self.rules_message.show_info(self.tr("Saved. Protected reports hide counts below {0}; other counts are {1}.")
                                     .format(rules.threshold, rounding))
