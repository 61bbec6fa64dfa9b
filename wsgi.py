"""WSGI entry point: `gunicorn --preload wsgi:app` or `flask --app wsgi run`."""

import gc

from lms import create_app
from lms.extensions import db

app = create_app()

# Under `gunicorn --preload` this runs once, in the master, and the workers fork from it. A
# database connection opened at start-up must not be shared by the workers: close them all
# here, so each worker opens its own.
with app.app_context():
    for engine in db.engines.values():
        engine.dispose()

# The workers share the master's memory until they write to it, and the garbage collector
# writes to every object it scans. Freezing what start-up built keeps those pages shared:
# about 40-90 MiB less memory (PSS) for a master and two workers (docs/performance.md).
gc.freeze()
