"""The record that a scheduled job ran for a period, so it runs once however many workers race."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base, UTCDateTime


class ScheduledRun(Base):
    """One run of a scheduled job for one period (a day, an hour, five minutes)."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    # The period's start, as ISO text ("2026-11-30", "2026-11-30T14:05"): what makes two
    # workers' runs "the same run".
    period: Mapped[str] = mapped_column(String(32))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
