"""The suite's own collection: pytest-xdist hands tests to its workers by id, so two tests
with one id would run as one (conftest.py refuses them)."""

from types import SimpleNamespace
from typing import Any

import pytest

from conftest import pytest_collection_modifyitems


def _items(*nodeids: str) -> list[Any]:
    return [SimpleNamespace(nodeid=nodeid) for nodeid in nodeids]


def test_tests_sharing_an_id_stop_the_run_and_are_named() -> None:
    items = _items("t.py::test_a", "t.py::test_a", "t.py::test_b")
    with pytest.raises(pytest.UsageError, match=r"t\.py::test_a$"):
        pytest_collection_modifyitems(items)


def test_tests_with_their_own_ids_run() -> None:
    pytest_collection_modifyitems(_items("t.py::test_a[GET /leads]", "t.py::test_a[GET /teams]"))
