"""Alembic environment: runs revisions against the Flask app's database."""

import inspect
import logging
import os
import re
import sys
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.util import CommandError
from flask import current_app

config = context.config
# Tests and `flask db` set up logging themselves; only configure it when Alembic runs alone.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def process_revision_directives(context, revision, directives):
    """Skip writing an empty revision when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


FORCE_ENV = "LMS_ALLOW_DESTRUCTIVE_DOWNGRADE"
_BATCH_RE = re.compile(r"batch_alter_table\(\s*['\"](\w+)['\"]")
_DROP_TABLE_RE = re.compile(r"op\.drop_table\(\s*['\"](\w+)['\"]")
_DROP_COLUMN_RE = re.compile(r"drop_column\(\s*['\"](\w+)['\"](?:\s*,\s*['\"](\w+)['\"])?")


def _forced():
    """Tell whether the operator asked to drop records (-x force=1 or the environment)."""
    x_args = context.get_x_argument(as_dictionary=True)
    values = (x_args.get("force", ""), os.environ.get(FORCE_ENV, ""))
    return any(value.lower() in ("1", "true", "yes") for value in values)


def _dropped_by(downgrade):
    """Return the tables and (table, column) pairs a downgrade function drops, from its source."""
    tables, columns, table = [], [], None
    for line in inspect.getsource(downgrade).splitlines():
        if match := _BATCH_RE.search(line):
            table = match[1]
        if match := _DROP_TABLE_RE.search(line):
            tables.append(match[1])
        if match := _DROP_COLUMN_RE.search(line):
            columns.append((match[1], match[2]) if match[2] else (table, match[1]))
    return tables, columns


def _records_lost(connection, migration_context):
    """Return what the planned downgrade steps would delete, as 'table: N row(s)' lines."""
    plan = migration_context._migrations_fn
    # Alembic names the step planner after the command; only downgrades drop things.
    if getattr(plan, "__name__", "") != "downgrade":
        return []
    existing = set(sa.inspect(connection).get_table_names())
    lost = []
    for step in plan(migration_context.get_current_heads(), migration_context):
        if step.is_upgrade:
            continue
        tables, columns = _dropped_by(step.revision.module.downgrade)
        for table in tables:
            if table in existing:
                rows = connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table))
                ).scalar()
                if rows:
                    lost.append(f"{table}: {rows:,} row(s)")
        for table, column in columns:
            if table in existing and table not in tables:
                values = connection.execute(
                    sa.select(sa.func.count())
                    .select_from(sa.table(table))
                    .where(sa.column(column).is_not(None))
                ).scalar()
                if values:
                    lost.append(f"{table}.{column}: {values:,} value(s)")
    return lost


def _refuse_destructive_downgrade(connection):
    """Stop a downgrade that would delete records, unless the operator forced it."""
    if _forced():
        return
    lost = _records_lost(connection, context.get_context())
    if lost:
        message = (
            "Refusing to downgrade: it would permanently delete these records:\n  "
            + "\n  ".join(lost)
            + "\nBack the database up first (docs/operations.md). To drop them anyway, run it "
            f"again with '-x force=1' or {FORCE_ENV}=1."
        )
        print(message, file=sys.stderr)
        raise CommandError(message)


def run_migrations_offline():
    """Write SQL for the revisions without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the revisions on a live connection."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        # SQLite runs DDL in transactions too (lms.database makes SQLAlchemy emit BEGIN), so
        # a failing run leaves nothing half-done, such as a stray _alembic_tmp_ table.
        conf_args.setdefault("transactional_ddl", True)
    with db.engine.connect() as connection:
        if sqlite:
            # Batch mode copies a table and drops the original, which SQLite refuses while other
            # tables point at it; this can only be switched outside a transaction (Alembic's
            # advice for batch mode). The connection is closed afterwards, resetting it.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
            with context.begin_transaction():
                _refuse_destructive_downgrade(connection)
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise CommandError(f"foreign keys broken by the migration: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
