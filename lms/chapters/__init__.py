"""Chapters: a tier above organizations, with their own admins, reports and audit log."""
