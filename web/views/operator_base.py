"""The operator console's access rule: the shared console frame's ``operator_required``
(:mod:`web.console`): signed in and holding the operator role, never cached; anonymous
visitors go to the login page, residents and town-hall staff get the German 403 page."""

from __future__ import annotations

from ..console import is_console_operator as is_operator
from ..console import operator_required as operator_page

__all__ = ["is_operator", "operator_page"]
