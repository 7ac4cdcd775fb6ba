"""Request-wide protections, in one place:

* the proxy in front: exactly `TRUSTED_PROXY_COUNT` proxies are trusted for the client's address,
  scheme and host (werkzeug's ProxyFix); with 0 (the default) X-Forwarded-* headers are ignored, so
  nobody escapes a rate limit by sending them;
* control characters in addresses and query strings: a 400 before any database sees them;
* the security headers of every response, the console's included: a Content-Security-Policy
  without inline script or style, no framing, nosniff, a referrer policy, a permissions policy, and
  HSTS in production.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.forms import CONTROL_CHARACTERS

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class TrustedProxies:
    """ProxyFix for exactly the configured number of proxies (read per request, so a test or an
    operator's change of configuration applies without rebuilding the middleware chain)."""

    def __init__(self, app: Flask) -> None:
        self.app, self.inner, self._fixes = app, app.wsgi_app, {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        count = int(self.app.config.get("TRUSTED_PROXY_COUNT") or 0)
        if count <= 0:
            return self.inner(environ, start_response)
        fix = self._fixes.get(count)
        if fix is None:
            fix = self._fixes[count] = ProxyFix(self.inner, x_for=count, x_proto=count, x_host=count)
        return fix(environ, start_response)


def _refuse_control_characters() -> None:
    """A query string or path with NUL, escape… is never a real person's request (forms check their
    own fields and show the message on the form): 400 before any database sees it."""
    values = [*request.args.keys(), *request.args.values(), *(request.view_args or {}).values()]
    if any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(app)  # type: ignore[method-assign]
    app.before_request(_refuse_control_characters)

    @app.after_request
    def security_headers(response: Any) -> Any:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains")
        return response
