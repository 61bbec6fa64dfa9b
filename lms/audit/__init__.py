"""The audit log: who did what to whose records, and when. Append-only."""
