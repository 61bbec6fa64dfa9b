"""Learners' own data: downloading everything kept about them, and deleting their account."""
