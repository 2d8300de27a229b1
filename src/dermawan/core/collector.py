"""The cyclic garbage collector in a long-running server process.

CPython collects its youngest generation after every 700 net allocations
of container objects, and now and then the whole heap. A 1,000-event API
request allocates tens of thousands (its parsed body, the engine's rows),
so under the default the collector ran dozens of times per request, each
time promoting the request's still-live objects, and the full collections
walked everything Django and the API had loaded at startup: under
``bench/api.py`` a full collection took about 60 ms, and the collector a
tenth of a worker's CPU. Nearly all of it finds nothing: these objects die
by reference counting when the request ends.

So a server process, once started, freezes what it loaded (``gc.freeze``:
never walked again) and collects its youngest generation only every
``YOUNG_THRESHOLD`` allocations (decision 0039). Cycles are still
collected, later; the few a request leaves are a few megabytes at most.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle_after_startup() -> None:
    """Call once, when everything the process serves with is loaded."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
