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
    "django.contrib.contenttypes",
    "django.contrib.auth",
]

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "dermawan.urls"

DATABASES = {"default": config.database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "id"
