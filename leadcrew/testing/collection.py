"""Checks on the test suite's own collection."""

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import pytest


class Collected(Protocol):
    nodeid: str


def refuse_shared_ids(items: Sequence[Collected]) -> None:
    """pytest-xdist hands tests to its workers by id: tests sharing an id would silently run
    as one (schemathesis' tests did under pytest 9.2, which builds their ids without the
    operation). Stops the run, naming them."""
    counts = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in counts.items() if count > 1)
    if shared:
        raise pytest.UsageError("several tests share each of these ids: " + ", ".join(shared[:5]))
