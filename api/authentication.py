"""DRF authentication that also applies the user's saved language.

``LocaleMiddleware`` picks the language from the request (``Accept-Language``, the language
cookie) before DRF knows who is asking; once a token or session is authenticated, a language
the user saved in the profile (``PATCH /api/v1/me/`` ``{"language": "en"}``) wins for the
rest of the request, including ``Content-Language``.
"""

from __future__ import annotations

import drf_spectacular.authentication
import knox.auth
from django.utils import translation
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from rest_framework import authentication


def activate_user_language(request, user) -> None:
    language = getattr(user, "language", "")
    if language:
        translation.activate(language)
        request._request.LANGUAGE_CODE = translation.get_language()  # noqa: SLF001 (the Django request)


class TokenAuthentication(knox.auth.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(request, result[0])
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(request, result[0])
        return result


# The OpenAPI schema describes them as what they are: knox's token and DRF's session.
class TokenScheme(KnoxTokenScheme):
    target_class = "api.authentication.TokenAuthentication"


class SessionScheme(drf_spectacular.authentication.SessionScheme):
    target_class = "api.authentication.SessionAuthentication"
