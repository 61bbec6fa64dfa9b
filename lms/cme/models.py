"""Board-reporting batches, MOC days, and credit learners earned elsewhere."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.certificates.models import CreditClaim
from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class MocCreditDay(db.Model):
    """A diplomate's MOC credit for one PARS activity on one completion day: at most one."""

    __tablename__ = "moc_credit_days"
    __table_args__ = (UniqueConstraint("user_id", "activity_id", "completed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    activity_id: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[date] = mapped_column(Date)
    claim_id: Mapped[int] = mapped_column(ForeignKey("credit_claims.id"), unique=True)


class ReportBatch(db.Model):
    """One board-report file as it was made: who, when, which rows, and its exact bytes."""

    __tablename__ = "report_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    layout: Mapped[str] = mapped_column(String(30), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    row_count: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(120))
    # Kept whole so a download years later is byte-identical to the file uploaded then.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[ReportBatchItem]] = relationship(
        back_populates="batch", order_by="ReportBatchItem.id"
    )


class ReportBatchItem(db.Model):
    """A claim reported in a batch (a row of its file)."""

    __tablename__ = "report_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("report_batches.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("credit_claims.id"), index=True)
    layout: Mapped[str] = mapped_column(String(30))
    # True when this row deliberately reports a corrected record again.
    correction: Mapped[bool] = mapped_column(default=False)

    batch: Mapped[ReportBatch] = relationship(back_populates="items")
    claim: Mapped[CreditClaim] = relationship()


class ReportCorrection(db.Model):
    """An administrator's request to report a claim again in the next batch, and why."""

    __tablename__ = "report_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("credit_claims.id"), index=True)
    layout: Mapped[str] = mapped_column(String(30))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    # Set when a batch carries the correction; open until then.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("report_batches.id"))


class ExternalCredit(db.Model):
    """Credit a learner earned elsewhere and reported themselves; never issued by this site."""

    __tablename__ = "external_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    credit_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    certificate_filename: Mapped[str | None] = mapped_column(String(200))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_size: Mapped[int | None] = mapped_column(Integer)
    certificate_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
