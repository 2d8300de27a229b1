"""Schemathesis over the OpenAPI document, against the live app (``dermawan serve``).

The production server runs on a free loopback port over a fresh database.
Bounded: every operation gets MAX_EXAMPLES schema-valid requests and
MAX_EXAMPLES schema-breaking ones, within a time budget; every answer must
be no 5xx, a status the document lists, a media type it lists, and a body
that matches its schema.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.live import prepare, serving
from tests.api.support import OTHER_CHARITY, OTHER_PROJECT
from tests.donations.builders import (
    OTHER_MERCHANT,
    catalog,
    charity,
    percent_pledge,
    project,
)

# More (and random) examples for a deeper run: DERMAWAN_SCHEMATHESIS_EXAMPLES=100.
DEEP = os.environ.get("DERMAWAN_SCHEMATHESIS_EXAMPLES")
MAX_EXAMPLES = int(DEEP or 12)
BUDGET_SECONDS = 150 if DEEP is None else 3600
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def key_for(path: str, method: str) -> str:
    if path.endswith("/events") or path.startswith("/api/v1/webhooks"):
        return "marketplace"
    if method == "POST" and path.startswith("/api/v1/pledges"):
        return "merchant"
    return "admin"


def test_the_api_keeps_its_openapi_promises(scratch_database_url: str, tmp_path: Path) -> None:
    keys = prepare(
        scratch_database_url,
        tmp_path,
        catalog(
            percent_pledge("pl-wide"),
            percent_pledge("pl-other", merchant_id=OTHER_MERCHANT, project_id=OTHER_PROJECT),
            charities=[charity(), charity(OTHER_CHARITY)],
            projects=[project(), project(OTHER_PROJECT, charity_id=OTHER_CHARITY)],
        ),
    )
    with serving(scratch_database_url) as base:
        schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
        started = time.monotonic()
        runs = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if time.monotonic() - started > BUDGET_SECONDS:
                    pytest.fail(f"over the {BUDGET_SECONDS} s budget after {runs} runs")

                @settings(
                    max_examples=MAX_EXAMPLES,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    derandomize=True,
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case: Any) -> None:
                    chosen = keys[key_for(case.operation.path, case.operation.method.upper())]
                    auth = {"Authorization": f"Bearer {chosen}"}
                    case.call_and_validate(base_url=base, headers=auth, checks=CHECKS)

                try:
                    run()
                except Unsatisfiable:
                    # Nothing to break: an operation without parameters or body.
                    assert mode == GenerationMode.NEGATIVE, operation.label
                runs += 1
    assert runs >= 40  # every operation, both modes
