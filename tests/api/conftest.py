from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.support import Api, Keys, load_api_catalog, make_keys


@pytest.fixture(autouse=True)
def _fresh_process_state(settings: pytest.FixtureRequest) -> Iterator[None]:
    """Cheap argon2 for speed; rate buckets and the cached pledge book start empty."""
    from dermawan.api import engine_cache, ratelimits

    settings.DERMAWAN_ARGON2_PROFILE = "CHEAPEST"  # type: ignore[attr-defined]
    ratelimits.reset()
    engine_cache.forget()
    yield
    ratelimits.reset()
    engine_cache.forget()


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def keys(db: None) -> Keys:
    load_api_catalog()
    return make_keys()
