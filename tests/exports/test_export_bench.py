"""The export benchmark's generator makes exactly the rows it promises, and they export."""

from __future__ import annotations

import csv
import io
import random

from bench.export_completions import generate
from lms.exports import services
from lms.exports.rows import COLUMNS, ExportFilters
from lms.exports.writers import csv_chunks


def test_generated_rows_export_as_exactly_that_many(app):
    generated = generate(1234, random.Random(42))
    assert generated.rows == 1234
    assert services.count_rows(ExportFilters()) == 1234
    text = "".join(csv_chunks(services.iter_completion_rows(ExportFilters(), batch=100)))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS) and len(rows) == 1 + 1234
    assert services.count_rows(ExportFilters(course_slug="bench-course-01")) > 0
