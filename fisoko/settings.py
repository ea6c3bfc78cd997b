"""Configuration: defaults, `FISOKO_*` environment variables, and checking the values.

`app.config.from_prefixed_env("FISOKO")` parses values as JSON where it can, so "0012" stays text
but "12" becomes a number; `normalize` turns every known key back into the type it must have and
explains a bad value instead of failing later with a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

from fisoko.files.device_names import device_name_problem

BASE_DIR = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
FORM_OVERHEAD = 64 * 1024  # multipart headers and the other fields sent with an upload


class ConfigError(Exception):
    """A setting has a value the app cannot use."""


def defaults() -> dict[str, object]:
    return {
        "ACCOUNTS": str(BASE_DIR / "accounts.yaml"),
        "CONTENT": str(BASE_DIR / "content" / "niko.yaml"),
        "SUPPORT": str(BASE_DIR / "content" / "support.yaml"),
        "MATERIALS": str(BASE_DIR / "materials"),
        "RESULTS": str(BASE_DIR / "results"),
        "RESULTS_CACHE": True,
        "MAX_UPLOAD_MB": 20,
        "TODAY": None,
        "HOST": "127.0.0.1",
        "PORT": 8080,
        "SESSION_MINUTES": 30,
        "SECURE_COOKIES": False,
        "FRAGMENT_CACHE": True,
        "URL_CACHE": True,
        "CSRF_TOKEN_CACHE": True,
        "SESSION_CACHE": True,
        "BCRYPT_COST": 12,
        "ACCOUNTS_RELOAD_SECONDS": 1,
        "SESSION_COOKIE_NAME": "fisoko_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "AUDIT_LOG": "",
        "AUDIT_LOG_MAX_MB": 10,
        "AUDIT_LOG_BACKUPS": 5,
        "DEVICE_COOKIE_DAYS": 90,
        "RATELIMIT_STORAGE": "memory://",
        "TRUSTED_PROXIES": 0,
        "THROTTLE_LOGIN_FAILURES": 5,
        "THROTTLE_ADDRESS_FAILURES": 50,
        "THROTTLE_WINDOW_MINUTES": 15,
        "THROTTLE_BLOCK_MINUTES": 15,
        "LOGIN_LANES": 0,
        "LOGIN_QUEUE_SECONDS": 2,
        "LOGIN_LOW_PRIORITY": True,
        "THREADS": 24,
        "CONNECTION_LIMIT": 200,
        "CONNECTIONS_PER_ADDRESS": 20,
        "CHANNEL_TIMEOUT": 30,
        "HEADER_SECONDS": 10,
        "BODY_MIN_RATE": 500,
        "BODY_GRACE_SECONDS": 10,
        "UPLOAD_MAX_FILES": 100,
        "UPLOAD_MAX_TOTAL_MB": 500,
    }


def cpu_count() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def instance_dir(config: dict | None) -> Path:
    """The instance folder: the test mapping's INSTANCE, else FISOKO_INSTANCE, else instance/."""
    chosen = (config or {}).get("INSTANCE") or os.environ.get("FISOKO_INSTANCE")
    return Path(chosen).resolve() if chosen else BASE_DIR / "instance"


def _integer(config: dict, key: str, low: int, high: int) -> None:
    value = config[key]
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"FISOKO_{key} должно быть целым числом, а указано {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"FISOKO_{key} должно быть от {low} до {high}, а указано {number}")
    config[key] = number


def _seconds(config: dict, key: str, high: float) -> None:
    value = config[key]
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"FISOKO_{key} должно быть числом секунд, а указано {value!r}") from None
    if not 0 <= number <= high:  # also refuses nan
        raise ConfigError(f"FISOKO_{key} должно быть от 0 до {high:g}, а указано {value!r}")
    config[key] = number


def _flag(config: dict, key: str) -> None:
    value = str(config[key]).strip().lower()
    if value not in {"1", "0", "true", "false", "yes", "no", "on", "off", ""}:
        raise ConfigError(f"FISOKO_{key} должно быть 1 или 0, а указано {config[key]!r}")
    config[key] = value in {"1", "true", "yes", "on"}


def _moment(config: dict, key: str) -> None:
    """An optional date `YYYY-MM-DD` (a date) or date and time `YYYY-MM-DDTHH:MM` (a datetime
    without a zone: a wall time of the study's zone); date objects (from tests) pass as they are."""
    value = config.get(key)
    if value is None or isinstance(value, dt.date):
        return
    text = str(value).strip()
    if not text:
        config[key] = None
        return
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            config[key] = dt.date.fromisoformat(text)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}", text):
            config[key] = dt.datetime.fromisoformat(text)
        else:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"FISOKO_{key} должно быть датой в виде ГГГГ-ММ-ДД или датой и временем в виде "
            f"ГГГГ-ММ-ДДTЧЧ:ММ, а указано {value!r}"
        ) from None


def normalize(config: dict) -> None:
    """Coerce and check the app's own settings in place; raise ConfigError on a bad one."""
    for key in ("ACCOUNTS", "CONTENT", "HOST", "MATERIALS", "RESULTS", "SUPPORT"):
        config[key] = str(config[key])
    _integer(config, "PORT", 1, 65535)
    _integer(config, "MAX_UPLOAD_MB", 1, 1024)
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * MIB + FORM_OVERHEAD
    _moment(config, "TODAY")
    _integer(config, "SESSION_MINUTES", 1, 24 * 60)
    _integer(config, "BCRYPT_COST", 4, 31)
    _seconds(config, "ACCOUNTS_RELOAD_SECONDS", 3600)
    _integer(config, "TRUSTED_PROXIES", 0, 10)
    _integer(config, "THROTTLE_LOGIN_FAILURES", 1, 10_000)
    _integer(config, "THROTTLE_ADDRESS_FAILURES", 1, 1_000_000)
    _integer(config, "THROTTLE_WINDOW_MINUTES", 1, 7 * 24 * 60)
    _integer(config, "THROTTLE_BLOCK_MINUTES", 1, 7 * 24 * 60)
    _integer(config, "AUDIT_LOG_MAX_MB", 1, 100_000)
    _integer(config, "AUDIT_LOG_BACKUPS", 1, 1000)
    _integer(config, "DEVICE_COOKIE_DAYS", 1, 3650)
    _integer(config, "LOGIN_LANES", 0, 256)
    config["LOGIN_LANES"] = config["LOGIN_LANES"] or cpu_count()
    _seconds(config, "LOGIN_QUEUE_SECONDS", 600)
    _integer(config, "THREADS", 2, 512)
    _integer(config, "CONNECTION_LIMIT", 10, 10_000)
    _integer(config, "CONNECTIONS_PER_ADDRESS", 0, 10_000)
    _integer(config, "CHANNEL_TIMEOUT", 1, 3600)
    _seconds(config, "HEADER_SECONDS", 3600)
    _integer(config, "BODY_MIN_RATE", 0, 100 * MIB)
    _seconds(config, "BODY_GRACE_SECONDS", 3600)
    _integer(config, "UPLOAD_MAX_FILES", 1, 1_000_000)
    _integer(config, "UPLOAD_MAX_TOTAL_MB", 1, 10_000_000)
    config["AUDIT_LOG"] = str(config["AUDIT_LOG"] or "").strip()
    for key in ("ACCOUNTS", "CONTENT", "AUDIT_LOG"):
        problem = config[key] and device_name_problem(config[key])
        if problem:
            raise ConfigError(f"FISOKO_{key}: {problem}")
    config["RATELIMIT_STORAGE"] = str(config["RATELIMIT_STORAGE"] or "").strip()
    if not config["RATELIMIT_STORAGE"]:
        raise ConfigError("FISOKO_RATELIMIT_STORAGE пусто (по умолчанию memory://)")
    for key in (
        "SECURE_COOKIES",
        "FRAGMENT_CACHE",
        "URL_CACHE",
        "CSRF_TOKEN_CACHE",
        "SESSION_CACHE",
        "LOGIN_LOW_PRIORITY",
        "RESULTS_CACHE",
    ):
        _flag(config, key)
    config["SESSION_COOKIE_SECURE"] = config["SECURE_COOKIES"]
    if config.get("SECRET_KEY") is not None:
        config["SECRET_KEY"] = str(config["SECRET_KEY"])
        if not config["SECRET_KEY"].strip():
            raise ConfigError("FISOKO_SECRET_KEY пусто")


def load_or_create_secret(instance: Path) -> str:
    """The key kept in `instance/secret_key`, made on first start (owner-only where possible)."""
    path = instance / "secret_key"
    try:
        key = path.read_text("ascii").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    instance.mkdir(parents=True, exist_ok=True)
    temp = instance / f".secret_key.{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temp, path)  # fails if another process made the key first: keep that one
    except FileExistsError:
        pass
    except OSError:
        if not path.exists():
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path.read_text("ascii").strip()
