"""ralph's LRS API (ralph.api:app) with its file backend appending statements.

ralph-malph 5.1.0's file LRS writes every statement to one file, fs_lrs.jsonl, in "create"
mode, which refuses to write to a file that exists: the first statement is stored and every
later one is answered 500 "Statement indexation failed". Appending is what that backend needs
to hold more than one statement; nothing else changes (the API validates statements as
shipped). Served by tests/xapi/conftest.py with `uvicorn lrs_app:app`.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 (after the fix above, which it must see)

__all__ = ["app"]
