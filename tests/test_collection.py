"""The suite's own collection: pytest-xdist hands tests to its workers by id, so two tests
with one id would run as one (conftest.py refuses them with leadcrew/testing/collection.py)."""

from types import SimpleNamespace
from typing import Any

import pytest

from leadcrew.testing.collection import refuse_shared_ids


def _items(*nodeids: str) -> list[Any]:
    return [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]


def test_tests_sharing_an_id_stop_the_run_and_are_named() -> None:
    items = _items("t.py::test_a", "t.py::test_a", "t.py::test_b")
    with pytest.raises(pytest.UsageError, match=r"t\.py::test_a$"):
        refuse_shared_ids(items)


def test_tests_with_their_own_ids_run() -> None:
    refuse_shared_ids(_items("t.py::test_a[GET /leads]", "t.py::test_a[GET /teams]"))
