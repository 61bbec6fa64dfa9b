"""Organisations: members and managers, course assignments with due dates, and reminders."""
