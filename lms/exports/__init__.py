"""Exports of completion records: CSV, XLSX and board-reporting formats."""
