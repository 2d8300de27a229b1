"""The ``dermawan`` console command.

Every subcommand is a Django management command of the app that owns it
(``dermawan load-catalog`` runs ``catalog/management/commands/load_catalog.py``),
so ``manage.py``-style tooling works too; this entry point only sets the
settings module and lets people type dashes.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
