"""docs/api.md's curl examples run as written against the served site and print what they say."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from lms.api.services import SCOPES
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.api_world import build_world, make_token

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)


def test_the_curl_examples_in_the_api_docs_work(served, client, auth, make_user, publish, tmp_path):
    world = build_world(client, auth, make_user, publish)
    token = make_token(*SCOPES, organization=world.a)
    certificate = db.session.scalar(select(Certificate))
    env = {
        "PATH": os.environ["PATH"],
        "LMS_URL": served.base_url.rstrip("/"),
        "LMS_TOKEN": token,
        "LMS_ORGANIZATION_ID": str(world.a.id),
        "LMS_CERTIFICATE_ID": certificate.public_id,
    }
    blocks = SH_BLOCK.findall(DOC.read_text())
    assert len(blocks) >= 8
    for block in blocks:
        expected = EXPECT.search(block)
        assert expected, f"give this example an '# expect:' line: {block}"
        result = subprocess.run(  # noqa: S603  (the project's own documentation)
            ["bash", "-e", "-o", "pipefail", "-c", block],  # noqa: S607
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, (block, result.stderr)
        assert expected.group(1) in result.stdout, (block, result.stdout)
