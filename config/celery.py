"""The Celery app: ``celery -A config worker`` / ``celery -A config beat``.

Configuration comes from Django settings (``CELERY_*``); tasks are discovered
in every installed app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("deltalabs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
