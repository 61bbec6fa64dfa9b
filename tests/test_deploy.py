"""The deployment examples in deploy/ agree with the app they deploy.

An operator copies these files as they are: a stale upload limit, a proxy header the app does
not trust, or a unit starting a command that no longer exists would only show in production.
Cheap: the files are parsed as text, no nginx or systemd is needed.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from gunicorn.config import KNOWN_SETTINGS
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import create_app, static_files
from lms.config import Defaults
from lms.courses.views import IMMUTABLE
from lms.jobs import cli as jobs_cli
from tests.smoke.production import make_certificate

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "lms.conf").read_text()
UNITS = ("lms-app.service", "lms-worker.service")
INSTALL_DIR = "/srv/lms"


def env_file() -> dict[str, str]:
    """Return the example environment file's variables."""
    pairs = {}
    for line in (DEPLOY / "lms.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def unit(name: str) -> configparser.ConfigParser:
    """Parse a systemd unit file (an INI file that allows repeated keys, kept last here)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def bare_app(tmp_path: Path, **config: object) -> Flask:
    """Build the app without touching the repository's instance folder."""
    files = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
    }
    return create_app({"TESTING": True, "SECRET_KEY": "x", **files, **config})


def nginx_size(value: str) -> int:
    """Return an nginx size ("2m", "512k", "1048576") in bytes."""
    number, unit_letter = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * 1024 ** {"": 0, "k": 1, "m": 2, "g": 3}[unit_letter.lower()]


def directives(name: str) -> list[str]:
    """Return the values of every `name ...;` directive in the nginx configuration."""
    return re.findall(rf"^[ \t]*{name}[ \t]+([^;{{\n]+);", NGINX, flags=re.MULTILINE)


def test_nginx_refuses_exactly_what_the_app_refuses():
    (limit,) = directives("client_max_body_size")
    assert nginx_size(limit) == Defaults.MAX_CONTENT_LENGTH


def test_the_app_trusts_exactly_the_headers_nginx_sets(tmp_path):
    proxies = int(env_file()["LMS_TRUSTED_PROXIES"])
    assert proxies == 1  # nginx alone; the comments say when to use 2
    app = bare_app(tmp_path, TRUSTED_PROXIES=proxies)
    fix = app.wsgi_app
    assert isinstance(fix, ProxyFix)
    headers = dict(value.split(None, 1) for value in directives("proxy_set_header"))
    expected = {
        "x_for": "X-Forwarded-For",
        "x_proto": "X-Forwarded-Proto",
        "x_host": "X-Forwarded-Host",
    }
    for setting, header in expected.items():
        assert getattr(fix, setting) == proxies
        assert header in headers, f"nginx does not set {header}, which the app trusts"
    # Appended, never passed through alone: the app reads the last value, the one nginx saw.
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_every_variable_in_the_environment_file_is_a_setting_the_app_reads():
    known = {name for name in dir(Defaults) if name.isupper()}
    for name in env_file():
        if name in {"LMS_ENV", "SECRET_KEY", "DATABASE_URL", "FLASK_APP", "WEB_CONCURRENCY"}:
            continue  # read by name (lms/config.py, flask, deploy/gunicorn.conf.py)
        assert name.startswith("LMS_"), name
        assert name.removeprefix("LMS_") in known, f"{name} is not an LMS setting"


def test_media_and_static_locations_match_the_app(tmp_path):
    app = bare_app(tmp_path)
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/media/<sha256>/<path:name>" in rules
    assert "immutable" in IMMUTABLE  # the media cache in nginx relies on it
    assert app.static_url_path == "/static"
    (alias,) = directives("alias")
    # The release checkout's own static folder.
    assert alias == f"{INSTALL_DIR}/lms/static/"
    assert Path(app.static_folder) == ROOT / "lms" / "static"  # type: ignore[arg-type]
    # nginx marks static URLs carrying ?v=<hash> immutable, as the app does (lms/static_files.py).
    assert "map $arg_v $lms_static_cache" in NGINX
    assert f'default "{static_files.IMMUTABLE}";' in NGINX
    assert "$lms_static_cache" in " ".join(directives("add_header"))
    assert "/healthz" in rules


def test_nginx_upstreams_point_at_the_port_gunicorn_binds():
    source = (DEPLOY / "gunicorn.conf.py").read_text()
    port = re.search(r'"LMS_BIND", "127\.0\.0\.1:(\d+)"', source).group(1)  # type: ignore[union-attr]
    servers = [value.split()[0] for value in directives("server")]
    assert len(servers) >= 2
    assert all(server.endswith(f":{port}") for server in servers)
    read_timeout = int(directives("proxy_read_timeout")[0].rstrip("s"))
    assert read_timeout > int(re.search(r"^timeout = (\d+)", source, re.M).group(1))  # type: ignore[union-attr]


def test_the_gunicorn_configuration_names_only_real_settings():
    tree = ast.parse((DEPLOY / "gunicorn.conf.py").read_text())
    names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    settings = {setting.name for setting in KNOWN_SETTINGS}
    assert names and names <= settings, f"not gunicorn settings: {names - settings}"
    assert "preload_app" in names  # documented as off: each worker opens its own connections


def test_systemd_units_start_what_exists():
    for name in UNITS:
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/lms/lms.env"
        assert service["WorkingDirectory"] == INSTALL_DIR
        program, *args = shlex.split(service["ExecStart"])
        assert program.startswith(f"{INSTALL_DIR}/.venv/bin/")
        executable = Path(program).name
        if executable == "gunicorn":
            config = args[args.index("--config") + 1]
            assert (ROOT / config).is_file()
            module, _, attribute = args[-1].partition(":")
            wsgi = ast.parse((ROOT / f"{module}.py").read_text())
            assigned = {t.id for n in wsgi.body if isinstance(n, ast.Assign) for t in n.targets}
            assert attribute in assigned
        else:
            assert executable == "flask" and args[:2] == ["jobs", "worker"]
            assert env_file()["FLASK_APP"] == "wsgi"
            result = CliRunner().invoke(jobs_cli, [*args[1:], "--help"])
            assert result.exit_code == 0, result.output
            for option in (arg for arg in args[2:] if arg.startswith("-")):
                assert option in result.output


def test_the_worker_stops_gracefully():
    # Huey finishes running jobs on SIGINT, and abandons them on SIGTERM.
    assert unit("lms-worker.service")["Service"]["KillSignal"] == "SIGINT"


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    cert, key = make_certificate(tmp_path)
    (tmp_path / "cache").mkdir()
    conf = (
        NGINX.replace("/etc/letsencrypt/live/learn.example.org/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/learn.example.org/privkey.pem", str(key))
        .replace("/var/cache/nginx/lms-media", str(tmp_path / "cache"))
    )
    (tmp_path / "lms.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/lms.conf;\n}}\n"
    )
    result = subprocess.run(  # noqa: S603 (nginx's own syntax check)
        [nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_access_log_shows_no_one_time_token(tmp_path):
    app = bare_app(tmp_path)
    (pattern, replacement) = re.search(r'"(~\^[^"]+)" "([^"]+)";', NGINX).groups()  # type: ignore[union-attr]
    # nginx's PCRE `(?<name>` is Python's `(?P<name>`; `${name}` is `\g<name>`.
    redact = re.compile(pattern[1:].replace("(?<", "(?P<"))
    python_replacement = re.sub(r"\$\{(\w+)\}", r"\\g<\1>", replacement)
    secret = "Zm9yZ2VkLXRva2Vu"
    token_rules = [r.rule for r in app.url_map.iter_rules() if "token" in r.arguments]
    assert len(token_rules) >= 5
    for rule in token_rules:
        path = re.sub(r"<[^>]+>", secret, rule)
        logged = redact.sub(python_replacement, path)
        assert secret not in logged, f"nginx would log the token of {rule}"
    assert redact.sub(python_replacement, "/courses/x/learn/y") == "/courses/x/learn/y"
    # Both servers log through it, and it reads $uri, which has no query string.
    assert directives("access_log") == ["/var/log/nginx/lms.access.log lms_private"] * 2
    assert "map $uri $lms_logged_path" in NGINX
