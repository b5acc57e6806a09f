"""The Celery app: ``celery -A config worker`` / ``celery -A config beat``.

Configuration comes from Django settings (``CELERY_*``); tasks are discovered
in every installed app's ``tasks.py`` (jobs the services queue, below the
services) and ``jobs.py`` (periodic jobs that run services, above them). A task queued while serving a request
carries that request's id in a message header, and the worker puts it back
into the log context while the task runs, so one ``requestId`` follows the
work from the HTTP request into the background job.
"""

import os

from celery import Celery, signals

from deltalabs import request_context

# Importing the ``config`` package imports this module first, before
# config.wsgi or config.asgi run, so this default is also theirs: it must be
# the production one (a web process must never fall back to DEBUG settings).
# ``manage.py`` and the Makefile's worker/beat targets choose the local
# settings explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("deltalabs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="jobs")

REQUEST_ID_HEADER = "request_id"


@signals.before_task_publish.connect
def _attach_request_id(headers=None, **kwargs):
    request_id = request_context.current_request_id()
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def _restore_request_id(task=None, **kwargs):
    request = getattr(task, "request", None)
    request_id = getattr(request, REQUEST_ID_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        REQUEST_ID_HEADER
    )
    # Eager tasks run inside the request and already see its id.
    if request_id and request_id != request_context.current_request_id():
        request._request_id_token = request_context.set_request_id(request_id)


@signals.task_postrun.connect
def _forget_request_id(task=None, **kwargs):
    request = getattr(task, "request", None)
    token = getattr(request, "_request_id_token", None)
    if token is not None:
        request_context.reset_request_id(token)
        request._request_id_token = None
