"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")

from mobility.asgi_handler import freeze_startup_heap, get_asgi_application  # noqa: E402

# The middleware chain and the views run in one hop to the request's thread (see the module).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from api.routing import websocket_urlpatterns  # noqa: E402
from api.ws_auth import BrowserOriginValidator, WebSocketAuthStack  # noqa: E402
from journeys.warmup import warm_up_at_start  # noqa: E402
from mobility import logfilters  # noqa: E402

# uvicorn logs request targets with their query strings: scrub tokens from them.
logfilters.install()
# Load the planner kernel, today's timetable and the road graphs before the first request.
warm_up_at_start()
# What start-up allocated stays: keep it out of the garbage collector's full collections.
freeze_startup_heap()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(WebSocketAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
