"""A folder of issues rendered on every core of the machine, its results in the order of the issues.

Rendering is pure Python and one issue takes about 11 ms of CPU, so a folder
of 500 keeps one core busy for 5 s while the others idle. The work is spread
over forked processes; what they hand back (bytes, diagnostics) comes back
in order, and every file is written and every line printed by the parent, so
the output and the messages are those of one process doing it all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

FEWEST = 8  # below this many issues, starting the processes costs more than it saves


JOBS_VARIABLE = "COMPOSER_JOBS"  # at most this many processes; 1 does everything in one


def cores() -> int:
    """The processes to use: COMPOSER_JOBS if set, else the cores this process may run on."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        wanted = int(os.environ.get(JOBS_VARIABLE, "0"))
    except ValueError:
        wanted = 0  # not a number: as if unset
    return max(1, min(wanted, available)) if wanted > 0 else available


def in_order(work: Callable[[T], R], items: list[T], *, warm: Callable[[], object] | None = None) -> list[R]:
    """`work` over every item, in processes when that pays, the results in the items' order.

    `warm` runs first in this process when the work is shared out (importing the renderer, reading the
    house), so that every forked process starts with it done. `work` must be a module-level function
    (or a partial of one).
    """
    workers = min(cores(), len(items))
    # fork copies one thread only: with another thread running (a link check's pool) it could copy a
    # lock that thread holds. Then the work is done here, one item after another.
    if workers < 2 or len(items) < FEWEST or threading.active_count() > 1:
        return [work(item) for item in items]
    if warm is not None:
        warm()
    # 7 % of a one-issue build's start-up, so imported only when the work is shared out.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(work, items, chunksize=max(1, len(items) // (workers * 8))))
