"""Tests: SQLite in memory unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HERALD_BASE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = HERALD_BASE_URL
ALLOWED_HOSTS = ["*"]
if not env("DATABASE_URL"):
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    }
