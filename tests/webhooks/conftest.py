from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_process_state(settings: pytest.FixtureRequest) -> Iterator[None]:
    from dermawan.api import engine_cache, ratelimits

    settings.DERMAWAN_ARGON2_PROFILE = "CHEAPEST"  # type: ignore[attr-defined]
    ratelimits.reset()
    engine_cache.forget()
    yield
    engine_cache.forget()
