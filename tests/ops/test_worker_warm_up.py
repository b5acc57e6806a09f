"""A web worker loads every view and freezes what it loaded before serving (``config.warmup``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_loading_the_application_imports_the_views_and_freezes_the_heap(entry_point):
    probe = (
        f"import gc, sys; import {entry_point}; "
        "print(gc.get_freeze_count(), 'apps.catalog.views' in sys.modules, 'apps.labs.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    frozen, catalog_views, labs_views = result.stdout.split()
    assert int(frozen) > 10_000  # the loaded application, out of the collector's way
    assert catalog_views == labs_views == "True"
