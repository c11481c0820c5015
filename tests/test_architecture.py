"""The rules of architecture.md that can be read off the source, checked on every module.

1. One door to leads (convention 1): only `leadcrew/access/` reads Lead rows through a manager
   (`Lead.objects`, `Lead._base_manager`, `Lead._default_manager`) or names the lead table in
   SQL; everyone else starts from `leads_for` / `lead_for` / `account_leads`. Creating leads
   (`.create(`, `.bulk_create(`) is no read and is allowed; migrations and tests are aside.
2. Domain code never imports the interface layer (convention 7): in the domain apps, only the
   interface modules (`api.py`, `*_api.py`, `schemas.py`, `*_schemas.py`, `views.py`,
   `views/`, and `backends.py`, Django's login hook) may import `ninja` or `django.http`.
"""

import ast
import re
from pathlib import Path

import pytest

from leadcrew.leads.models import Lead

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("leadcrew", "config")
LEAD_MANAGERS = {"objects", "_base_manager", "_default_manager"}
LEAD_WRITES = {"create", "bulk_create"}

DOMAIN_APPS = ("accounts", "teams", "access", "leads", "bulk", "stats", "audit", "webhooks")
INTERFACE_MODULES = {"api", "schemas", "views", "backends"}
INTERFACE_PACKAGES = {"views"}
INTERFACE_IMPORTS = ("ninja", "django.http")


def modules(*roots: str) -> list[Path]:
    return sorted(path for root in roots for path in (ROOT / root).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_aside(path: Path) -> bool:
    """Migrations and tests may read anything."""
    parts = path.relative_to(ROOT).parts
    return bool({"migrations", "tests", "testing"} & set(parts[:-1])) or parts[-1] == "conftest.py"


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


# --- 1. One door to leads ------------------------------------------------------------------


def door_breaches(tree: ast.Module) -> list[str]:
    """`line: code` of every read of Lead rows that does not go through the access policy."""
    lead_names = {"Lead"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == "Lead" and alias.asname
    }
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def is_lead(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in lead_names
        return isinstance(node, ast.Attribute) and node.attr == "Lead"  # models.Lead

    def is_creation(manager: ast.Attribute) -> bool:
        method = parents.get(manager)
        call = parents.get(method) if method is not None else None
        return (
            isinstance(method, ast.Attribute)
            and method.attr in LEAD_WRITES
            and isinstance(call, ast.Call)
            and call.func is method
        )

    breaches = []
    table = re.compile(rf"\b{Lead._meta.db_table}\b")  # not leads_leadtag, leads_leadhistory
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in LEAD_MANAGERS and is_lead(node.value):
            if not is_creation(node):
                shown = parents.get(node, node)
                breaches.append(f"{node.lineno}: {ast.unparse(shown)}")
        elif isinstance(node, ast.Constant) and table.search(str(node.value)):
            breaches.append(f"{node.lineno}: SQL naming {Lead._meta.db_table}")
    return breaches


def test_only_the_access_policy_reads_lead_rows() -> None:
    found = {
        relative(path): breaches
        for path in modules(*SCANNED)
        if not is_aside(path) and not relative(path).startswith("leadcrew/access/")
        if (breaches := door_breaches(parse(path)))
    }
    assert not found, (
        "Lead rows read outside leadcrew/access: start from leads_for / lead_for / "
        f"account_leads instead (architecture.md, convention 1): {found}"
    )


@pytest.mark.parametrize(
    ("source", "breaches"),
    [
        ("Lead.objects.filter(owner=u)", 1),
        ("Lead._base_manager.all()", 1),
        ("Lead._default_manager.count()", 1),
        ("models.Lead.objects.get(pk=1)", 1),
        ("from leadcrew.leads.models import Lead as L\nL.objects.all()", 1),
        ("manager = Lead.objects", 1),
        ("Lead.objects.get_or_create(title='x')", 1),
        ("cursor.execute('SELECT id FROM leads_lead')", 1),
        ("cursor.execute('INSERT INTO \"leads_leadhistory\" (id) SELECT 1')", 0),
        ("Lead.objects.create(title='x')", 0),
        ("Lead.objects.bulk_create(rows)", 0),
        ("leads_for(actor).filter(owner=u)", 0),
        ("LeadTag.objects.filter(name='x')", 0),
    ],
)
def test_the_door_check_tells_reads_from_creations(source: str, breaches: int) -> None:
    assert len(door_breaches(ast.parse(source))) == breaches


# --- 2. Domain code never imports the interface layer --------------------------------------


def is_interface(path: Path) -> bool:
    stem = path.stem
    return (
        stem in INTERFACE_MODULES
        or stem.endswith(("_api", "_schemas"))
        or bool(INTERFACE_PACKAGES & set(path.relative_to(ROOT).parts[:-1]))
    )


def domain_modules() -> list[Path]:
    return [
        path
        for app in DOMAIN_APPS
        if (ROOT / "leadcrew" / app).is_dir()
        for path in modules(f"leadcrew/{app}")
        if not is_aside(path) and not is_interface(path)
    ]


def interface_imports(tree: ast.Module) -> list[str]:
    def is_interface_name(name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in INTERFACE_IMPORTS)

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_interface_name(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if is_interface_name(node.module):
                found.append(node.module)
            else:  # from django import http
                found += [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if is_interface_name(f"{node.module}.{alias.name}")
                ]
    return found


def test_the_domain_apps_are_checked() -> None:
    checked = {relative(path) for path in domain_modules()}
    for module in ("access/policy", "access/actor", "leads/models", "accounts/services"):
        assert f"leadcrew/{module}.py" in checked


def test_domain_code_never_imports_the_interface_layer() -> None:
    found = {
        relative(path): imports
        for path in domain_modules()
        if (imports := interface_imports(parse(path)))
    }
    assert not found, (
        "Domain modules import the interface layer (architecture.md, convention 7); move the "
        f"code to api.py, schemas.py or views.py, or pass plain values in: {found}"
    )


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from ninja import Schema", ["ninja"]),
        ("import ninja.errors", ["ninja.errors"]),
        ("from django.http import HttpRequest", ["django.http"]),
        ("from django import http", ["django.http"]),
        ("import django.http.response", ["django.http.response"]),
        ("from django.db import models", []),
        ("from leadcrew.ninja_tools import x", []),
    ],
)
def test_the_import_check_finds_every_spelling(source: str, found: list[str]) -> None:
    assert interface_imports(ast.parse(source)) == found
