"""Writes the OpenAPI document the server publishes at /api/v2/openapi.json to
tests/openapi.json (`make openapi-snapshot`), so that every change to the public contract
shows in review; tests/test_conformance.py fails while the two differ."""

import json
import os
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent.parent / "tests" / "openapi.json"


def current_document() -> str:
    """The document as the server answers it, in a stable, reviewable layout."""
    from django.test import Client

    response = Client().get("/api/v2/openapi.json")
    return json.dumps(response.json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    sys.path.insert(0, str(SNAPSHOT.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    SNAPSHOT.write_text(current_document(), encoding="utf-8")
    print(f"Wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
