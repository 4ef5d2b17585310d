"""Django's ASGI handler for a project whose views and middleware are all synchronous.

Django's own ``ASGIHandler`` loads the middleware chain in async mode. With synchronous
middleware (WhiteNoise, this project's own, every ``MiddlewareMixin`` hook) and synchronous
views, each request then crosses between the event loop and its worker thread several times:
into the thread for the outer middleware, back to the loop for the inner handler, into the
thread again for every ``process_view`` hook and once more for the view. Each crossing wakes a
thread and the loop (a few hundred microseconds of CPU on a busy machine).

``SyncStackASGIHandler`` loads the chain in sync mode, as under WSGI, and runs the whole of it
in ONE call to the request's worker thread (``sync_to_async`` with ``thread_sensitive=True``
inside Django's per-request ``ThreadSensitiveContext``, so the ``request_started`` receivers,
the chain and the response's closers share that thread and its database connection). Reading
the body, sending the response and noticing a client's disconnect stay with Django's handler.
An async view still works: the sync chain calls it through ``async_to_sync``.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse


class SyncStackASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def run_get_response(self, request):
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):  # the ASGI server chunks; larger blocks (as Django)
            response.block_size = self.chunk_size
        return response


def get_asgi_application() -> SyncStackASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with the handler above."""
    import django

    django.setup(set_prefix=False)
    return SyncStackASGIHandler()


def freeze_startup_heap() -> int:
    """Move everything the worker allocated while starting (Django, the apps, the warm-up:
    some 400,000 objects) out of the garbage collector's generations (``gc.freeze``), so a
    full collection during requests walks only what requests allocated: measured here, one
    full collection over the start-up heap stalled the worker for about 330 ms. Returns the
    number of objects frozen."""
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
