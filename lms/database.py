"""The declarative base, column types shared by every model, and engine set-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    # Through lms.clock, so tests can move time (a completion lapsing a year later).
    from lms import clock

    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, return aware UTC, on every engine.

    SQLite keeps no time zone, so without this the same column would come back aware from
    PostgreSQL and naive from SQLite, and exports would differ between the two.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite leaves foreign keys off by default; WAL lets readers and a writer work at once.
    # The busy timeout comes from the connection's `timeout` (SQLITE_BUSY_TIMEOUT_SECONDS).
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        # pysqlite opens a transaction only before the first INSERT/UPDATE/DELETE, so a SAVEPOINT
        # issued first runs outside any transaction and its RELEASE commits for real. Turn its
        # own handling off and let SQLAlchemy emit BEGIN (SQLAlchemy's documented recipe for
        # "Serializable isolation / Savepoints / Transactional DDL" with pysqlite).
        dbapi_connection.isolation_level = None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_write_lock_wanted: ContextVar[bool] = ContextVar("sqlite_write_lock_wanted", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Make SQLite transactions begun inside this block take the write lock at once.

    Form posts get this automatically; command-line and background work that reads and then
    writes while other processes may write should use it too.
    """
    token = _write_lock_wanted.set(True)
    try:
        yield
    finally:
        _write_lock_wanted.reset(token)


def _wants_write_lock() -> bool:
    if _write_lock_wanted.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for another writer: SQLite
    # answers "database is locked" at once rather than let it write over a stale snapshot. So a
    # transaction that is meant to write asks for the lock when it begins, and waits its turn
    # (busy_timeout); reading pages keep deferred transactions and never block anyone.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def init_app(app: Flask) -> None:
    """Make sure the folder holding the default SQLite database exists."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
