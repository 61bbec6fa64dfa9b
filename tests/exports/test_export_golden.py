"""The completion CSV is byte for byte what it was: a golden file made before any speed-up.

tests/exports/golden/completions-1500.csv was written by the export as it stood before the
CSV writer learnt to take plain tuples (commit 8cc3b11), from the benchmark's seeded data with
the hostile values below. Any change to a byte of the export shows here. Regenerate it only
for a change that is meant to alter the file, and say so in the commit.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import text

from bench.export_completions import generate
from lms.exports import services
from lms.exports.rows import ExportFilters
from lms.exports.writers import csv_chunks, values_csv_chunks
from lms.extensions import db

GOLDEN = Path(__file__).parent / "golden" / "completions-1500.csv"
# Values a spreadsheet would run, and values the csv module must quote.
HOSTILE_NAMES = [
    "=HYPERLINK(\"http://x\")", "+1 555", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn",
    'Quote "Q" Person', "Comma, Person", "Line\nBreak", "Ñandú Ümlaut", "'Already quoted",
]  # fmt: skip


def make_data() -> None:
    """Generate the benchmark's seeded rows, then give some learners hostile names."""
    generate(1500, random.Random(42))
    for user_id, name in enumerate(HOSTILE_NAMES, start=1):
        db.session.execute(
            text("UPDATE users SET full_name = :name WHERE id = :id"), {"name": name, "id": user_id}
        )
    db.session.execute(text("UPDATE organizations SET name = '=Risky Org' WHERE id = 1"))
    if db.engine.dialect.name == "postgresql":
        # The generator inserts users with their ids: move the sequence past them.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
        )
    db.session.commit()


def test_the_csv_export_is_byte_identical_to_the_golden_file(app):
    make_data()
    expected = GOLDEN.read_bytes()
    fast = "".join(values_csv_chunks(services.iter_completion_values(ExportFilters(), batch=100)))
    assert fast.encode("utf-8") == expected
    rows = "".join(csv_chunks(services.iter_completion_rows(ExportFilters(), batch=100)))
    assert rows.encode("utf-8") == expected


def test_the_downloaded_csv_is_the_golden_file(app, client, auth, make_user):
    make_data()
    auth.login_as(make_user(role="admin", email="golden-admin@example.org"))
    response = client.get("/admin/exports/completions.csv")
    assert response.status_code == 200
    assert response.data == GOLDEN.read_bytes()
