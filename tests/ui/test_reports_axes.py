"""A chart's value axis: whole numbers for counts (never "0, 0, 0, 1, 1, 1"), 0 to 100 for percentages."""

from __future__ import annotations

from assisted_desk.reporting.model import Measure
from assisted_desk.ui.reports.charts import nice_scale


def test_value_axes_count_in_whole_numbers_and_percentages_run_to_100():
    assert nice_scale(1, Measure.COUNT) == (1.0, 1.0)
    assert nice_scale(3, Measure.COUNT) == (3.0, 1.0)
    assert nice_scale(37, Measure.COUNT) == (40.0, 10.0)
    assert nice_scale(105, Measure.COUNT) == (150.0, 50.0)
    assert nice_scale(0, Measure.COUNT) == (1.0, 1.0)
    assert nice_scale(64.5, Measure.PERCENT) == (100.0, 20.0)
    assert nice_scale(2.5, Measure.DAYS) == (2.5, 0.5)
