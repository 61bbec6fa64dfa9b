"""Invitations to organizations, one at a time or from a CSV file of staff."""
