"""Test settings: the production settings module with fast hashing and eager Celery."""

from mobility.settings import *  # noqa: F403
from mobility.settings import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AUTH_THROTTLE_RATE = "1000/min"
SEARCH_THROTTLE_RATE = "1000/min"
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")
DATA_DIR = BASE_DIR / "var" / "test-data"
# Tests compile timetables and load graphs when they need them (tests of warm-up turn it on).
JOURNEYS_PRECOMPILE_DAYS = 0
JOURNEYS_WARM_UP = False

# The tests' own threads (parallel clients, in-process servers) use the ORM outside request
# handling and never hand their connections back, which would drain a pool over the session.
# The pool itself is exercised where it runs in production: the web service started in a
# subprocess by tests/test_db_pool.py and tests/test_production_stack.py.
if DATABASES["default"].get("OPTIONS", {}).pop("pool", None) is not None:  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
