"""What every page of the clinic app is served with, and what every request must carry.

- **Sign-in required** for every route but the feeds, ``/health``, the sign-in page and the
  static files (:data:`PUBLIC`); anything else without a valid session is sent to sign in
  (a page) or answered 401 (HTMX).
- **CSRF**: every state-changing request (POST) carries the session's CSRF token in its form
  (``csrf``) or an ``X-CSRF-Token`` header (HTMX), compared in constant time; the sign-in form,
  before any session, is checked by its Origin instead.
- **Headers**: a Content-Security-Policy with no inline script (``script-src 'self'``), no
  framing but by the app itself, no referrer (a feed link is a secret), no MIME sniffing.
- **Bounded bodies**: a request body over :data:`MAX_BODY` bytes is refused (413) before it is
  read whole.
"""

from __future__ import annotations

import hmac
from typing import Any

__all__ = ["COOKIE", "MAX_BODY", "PUBLIC", "headers_for", "same_token"]

COOKIE = "scheduler_session"
#: A form is a few kilobytes; nothing the app takes is larger.
MAX_BODY = 64 * 1024
#: Paths served without a session.
PUBLIC = ("/login", "/health", "/feeds/", "/static/", "/favicon.ico")

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; frame-src 'self'; "
    "base-uri 'none'"
)
#: The printable calendar and the diary are documents of their own with their own styles.
_CSP_DOCUMENT = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def headers_for(document: bool = False) -> dict[str, str]:
    return {
        "Content-Security-Policy": _CSP_DOCUMENT if document else _CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    }


def same_token(given: Any, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
