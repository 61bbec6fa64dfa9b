"""Administration: people, roles and account status, reports, and the audit log."""
