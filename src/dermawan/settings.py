"""Django settings. Configuration comes from the environment (see config.py)."""

from __future__ import annotations

import os
from pathlib import Path

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
    "dermawan.accounts",
    "dermawan.impact",
    "dermawan.site",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE: list[str] = [
    "django.middleware.security.SecurityMiddleware",
    "dermawan.api.middleware.ProblemMiddleware",
    # Sessions and users are read lazily: API requests never touch them.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dermawan.site.headers.ContentSecurityPolicyMiddleware",
]
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
# Indonesian first (the default), then as the browser or the switch asks.
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_I18N = True
LANGUAGE_COOKIE_NAME = "dermawan_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.static",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dermawan.site.context.site",
            ],
        },
    }
]

# Sessions and passwords by Django's auth; passwords hashed with Argon2.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "site:home"
SESSION_COOKIE_NAME = "dermawan_session"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 14 * 24 * 3600
# Behind TLS (production), cookies only travel over HTTPS.
SECURE_COOKIES = os.environ.get("DERMAWAN_SECURE_COOKIES", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "dermawan.site.errors.csrf_failure"

# The API takes bodies up to 5 MiB (a batch of 1,000 order events); larger
# ones are refused with a 413 problem document before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
STATIC_URL = "/static/"
# Static files are served by the site itself (dermawan.site.files, long-cached);
# ``dermawan collectstatic`` copies them here for a proxy that would rather.
STATIC_ROOT = config.data_dir() / "static"
# Uploads (project and report photos, charity documents) live in the data directory.
MEDIA_URL = "/media/"
MEDIA_ROOT = config.data_dir() / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
# The transparency log signs a new tree head at most this often (0: every batch).
DERMAWAN_LOG_HEAD_INTERVAL_MS = int(os.environ.get("DERMAWAN_LOG_HEAD_INTERVAL_MS", "60000"))
