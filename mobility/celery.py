"""The Celery application. Tasks run eagerly unless a broker (REDIS_URL) is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")

app = Celery("mobility")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
