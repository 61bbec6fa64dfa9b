"""gunicorn settings for one app server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Options given on the command line win over these (the smoke test sets --bind and --workers).
"""

import multiprocessing
import os

# nginx on the same host proxies to this address (deploy/nginx/lms.conf, upstream lms_app).
bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")

# Two processes per core is a start; each handles requests on a few threads, so a request that
# waits on the database or a PDF render does not hold a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("LMS_THREADS", 4))

# No preload_app: each worker opens its own database connections after the fork.
preload_app = False

# A certificate PDF renders in well under a second; a minute leaves room for a slow database.
timeout = 60
graceful_timeout = 30  # SIGTERM / HUP: requests in flight get this long to finish
keepalive = 5  # behind nginx, which reuses upstream connections (keepalive in its upstream)

# Recycle workers now and then, staggered, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200

# Errors to stderr: systemd's journal keeps them (journalctl -u lms-app). No access log here:
# nginx keeps one with one-time tokens taken out of the paths (deploy/nginx/lms.conf), and
# gunicorn's would print them (/confirm/<token>).
accesslog = None
errorlog = "-"

# gunicorn 27's control socket has one default path per user: several instances on one host
# (two sites, or a test starting two) would fight over it. Reload with `systemctl reload` (HUP).
control_socket_disable = True
