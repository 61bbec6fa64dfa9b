"""Benchmarks for the LMS; each module runs with `python -m bench.<name>`."""
