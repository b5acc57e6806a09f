"""docs/deploy.md lists every environment variable the code and the Procfile read."""

from __future__ import annotations

import re

from django.conf import settings

BASE_DIR = settings.BASE_DIR
# env_str("NAME", ...), env_bool(\n    "NAME" ...) and friends in config/.
SETTINGS_READ = re.compile(r"\benv_(?:str|bool|int|float|list|required)\(\s*\"([A-Z][A-Z0-9_]*)\"")
PROCFILE_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def variables_read() -> set[str]:
    names = set()
    for path in (BASE_DIR / "config").rglob("*.py"):
        names.update(SETTINGS_READ.findall(path.read_text()))
    names.update(PROCFILE_READ.findall((BASE_DIR / "Procfile").read_text()))
    return names


def test_variable_scan_finds_the_known_ones():
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "WEB_CONCURRENCY"} <= variables_read()


def test_deploy_guide_documents_every_environment_variable():
    guide = (BASE_DIR / "docs" / "deploy.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", guide, flags=re.MULTILINE))
    missing = variables_read() - documented
    assert not missing, f"add these to the tables in docs/deploy.md: {sorted(missing)}"
