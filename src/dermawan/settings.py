"""Django settings. Configuration comes from the environment (see config.py)."""

from __future__ import annotations

import os

from dermawan import config

SECRET_KEY = os.environ.get("DERMAWAN_SECRET_KEY", "dev-only-not-secret")
DEBUG = os.environ.get("DERMAWAN_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("DERMAWAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "dermawan.core",
    "dermawan.catalog",
    "dermawan.ledger",
    "dermawan.donations",
    "dermawan.transparency",
    "dermawan.simulation",
    "dermawan.streaming",
    "dermawan.webhooks",
    "dermawan.api",
    "dermawan.auditlog",
    "dermawan.banking",
    "dermawan.settlement",
    "dermawan.backoffice",
    "django.contrib.contenttypes",
    "django.contrib.auth",
]

MIDDLEWARE: list[str] = ["dermawan.api.middleware.ProblemMiddleware"]
ROOT_URLCONF = "dermawan.urls"

DATABASES = {"default": config.database()}
# Server threads keep their connection between requests (a new connection per
# request, with SQLite's pragmas or PostgreSQL's handshake, costs more than most
# requests).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DERMAWAN_CONN_MAX_AGE", "300"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "id"

# The API takes bodies up to 5 MiB (a batch of 1,000 order events); larger
# ones are refused with a 413 problem document before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
STATIC_URL = "/static/"
# The transparency log signs a new tree head at most this often (0: every batch).
DERMAWAN_LOG_HEAD_INTERVAL_MS = int(os.environ.get("DERMAWAN_LOG_HEAD_INTERVAL_MS", "60000"))
