"""One owner per table: no module of one app writes another app's models.

import-linter keeps every repository to its own app's models (``.importlinter``,
"own-tables"), but an app may still import another app's model for a constant,
a type or a read. This scan closes the gap import-linter cannot see: a write
(``create``, ``update``, ``delete``, ``bulk_create``...) on the manager of a
model imported from another app, anywhere in ``apps/`` (seeding included).
Writes through related objects or ORM cascades stay out of its reach
(docs/decisions.md, "One owner per table").
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

WRITES = {"create", "bulk_create", "bulk_update", "update", "delete", "get_or_create", "update_or_create"}
MANAGERS = {"objects", "_base_manager", "_default_manager"}


def _imported_models(tree: ast.Module) -> dict[str, str]:
    """Local name -> owning app, for every ``from apps.<app>.models import ...``."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if len(parts) == 3 and parts[0] == "apps" and parts[2] == "models":
                for alias in node.names:
                    names[alias.asname or alias.name] = parts[1]
    return names


def _chain_root(node: ast.expr) -> tuple[str | None, bool]:
    """The name a call chain starts from, and whether it passes through a manager."""
    through_manager = False
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            through_manager |= node.attr in MANAGERS
            node = node.value
        else:
            node = node.func if isinstance(node, ast.Call) else node.value
    return (node.id if isinstance(node, ast.Name) else None), through_manager


def foreign_writes(source: str, *, app: str, filename: str = "<source>") -> list[str]:
    tree = ast.parse(source, filename=filename)
    models = _imported_models(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES):
            continue
        root, through_manager = _chain_root(node.func.value)
        owner = models.get(root)
        if owner and owner != app and through_manager:
            found.append(f"{filename}:{node.lineno} writes {owner}'s {root}")
        # The seeding helper: ctx.bulk_create(Model, rows, ...)
        if node.func.attr == "bulk_create" and node.args and isinstance(node.args[0], ast.Name):
            owner = models.get(node.args[0].id)
            if owner and owner != app:
                found.append(f"{filename}:{node.lineno} bulk-creates {owner}'s {node.args[0].id}")
    return found


def test_no_app_writes_another_apps_tables():
    found = []
    for path in sorted((Path(settings.BASE_DIR) / "apps").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        app = path.relative_to(settings.BASE_DIR).parts[1]
        found += foreign_writes(path.read_text(encoding="utf-8"), app=app, filename=str(path))
    assert not found, found


def test_the_scan_finds_foreign_writes():
    # The control: the scan above is not vacuous.
    source = (
        "from apps.catalog.models import Course\n"
        "from apps.learning.models import Enrollment\n"
        "Course.objects.filter(pk=1).update(seats_taken=2)\n"
        "Course.objects.filter(pk=1).first()\n"
        "Enrollment.objects.create(user_id=1)\n"
        "ctx.bulk_create(Course, rows, desc='courses')\n"
    )
    assert [item.split(" ", 1)[1] for item in foreign_writes(source, app="learning")] == [
        "writes catalog's Course",
        "bulk-creates catalog's Course",
    ]
