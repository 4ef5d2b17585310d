from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AuthRateThrottle(AnonRateThrottle):
    """Limits login, registration and reset attempts per client address.

    The rate is read from settings on every request (``AUTH_THROTTLE_RATE``), so it can be
    changed without a restart of the class attributes (and in tests).
    """

    scope = "auth"

    def get_rate(self) -> str:
        return settings.AUTH_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
