"""Production settings: `manage.py check --deploy` is clean, and a production process answers
with HTTPS only, HSTS and secure cookies. Each runs in a subprocess with a production
environment of its own, as a region's server would start."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"
HOST = "renkei.example.jp"


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """What a region sets (README); nothing inherited from the test process but PATH/HOME."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(data_dir)),
        "RENKEI_ENV": "production",
        "RENKEI_SECRET_KEY": secrets.token_urlsafe(50),
        "RENKEI_MASTER_KEY": secrets.token_urlsafe(32),
        "RENKEI_ALLOWED_HOSTS": HOST,
        "RENKEI_BASE_URL": f"https://{HOST}",
        # Never connected to by these checks: the name only has to parse.
        "DATABASE_URL": "postgres://renkei@db.invalid:5432/renkei",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "RENKEI_DATA_DIR": str(data_dir),
        "RENKEI_SMTP_HOST": "smtp.invalid",
        "RENKEI_MAIL_FROM": f"renkei@{HOST}",
    }
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_for_production(tmp_path):
    result = run(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ({"RENKEI_DEBUG": "1"}, "security.W018"),
        ({"RENKEI_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_check_deploy_fails_on_an_unsafe_production_setting(tmp_path, extra, warning):
    """The check really judges the settings: a debug or plain-HTTP production is reported."""
    result = run(production_env(tmp_path, **extra), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_production_refuses_to_start_without_its_keys(tmp_path):
    env = production_env(tmp_path)
    del env["RENKEI_SECRET_KEY"]
    result = run(env, "check", "--deploy")
    assert result.returncode != 0
    assert "RENKEI_SECRET_KEY must be set in production" in result.stderr


PROBE = """
import json
from django.conf import settings
from django.test import Client

client = Client()
plain = client.get("/healthz", HTTP_HOST="{host}")
secure = client.get("/healthz", HTTP_HOST="{host}", secure=True)
print(json.dumps({{
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "session_name": settings.SESSION_COOKIE_NAME,
    "csrf_name": settings.CSRF_COOKIE_NAME,
    "debug": settings.DEBUG,
}}))
"""


def test_a_production_process_answers_over_https_only_with_hsts(tmp_path):
    # Pages read the regional policy: this process gets a database of its own.
    env = production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'renkei.sqlite3'}")
    migrated = run(env, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    result = run(env, "shell", "-c", PROBE.format(host=HOST))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == f"https://{HOST}/healthz"
    assert seen["secure_status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert f"connect-src 'self' wss://{HOST}" in seen["csp"]
    assert seen["session_secure"] is True
    assert seen["csrf_secure"] is True
    assert seen["session_httponly"] is True
    # __Host- cookies: sent only over HTTPS, only to this host, for the whole site.
    assert seen["session_name"].startswith("__Host-")
    assert seen["csrf_name"].startswith("__Host-")
    assert seen["debug"] is False
