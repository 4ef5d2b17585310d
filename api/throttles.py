from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is read from ``settings.<rate_setting>`` on every request, so it
    can be changed without touching class attributes (and in tests). Signed-in users are
    counted per account, anonymous clients per address."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthRateThrottle(SettingsRateThrottle):
    """Login, registration, verification and reset attempts (``AUTH_THROTTLE_RATE``)."""

    scope = "auth"
    rate_setting = "AUTH_THROTTLE_RATE"


class SearchRateThrottle(SettingsRateThrottle):
    """Journey searches, which run the planner and the matcher (``SEARCH_THROTTLE_RATE``)."""

    scope = "search"
    rate_setting = "SEARCH_THROTTLE_RATE"


class BenchThrottle(SettingsRateThrottle):
    """Requests at a Mitfahrbank, which notify drivers (``RIDES_BENCH_THROTTLE_RATE``, default 10/hour)."""

    scope = "bench"

    def get_rate(self) -> str:
        from mobility.appsettings import app_setting

        return app_setting("RIDES_BENCH_THROTTLE_RATE", "10/hour")
