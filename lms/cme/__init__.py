"""Continuing-education compliance: board reporting, provenance, audit files, outside credit."""
