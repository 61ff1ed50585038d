"""Security headers on every response: a strict CSP, no caching of private pages."""

from __future__ import annotations

from flask import request

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "frame-ancestors 'none'", "form-action 'self'",
])


# Set on every response unless a view set its own: (name, lower-case name, value).
ALWAYS = tuple((name, name.lower(), value) for name, value in (
    ("Content-Security-Policy", CSP),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: Flask-WTF's CSRF check needs a same-origin Referer over HTTPS.
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
))


def apply(response):
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass, not one search a header
    headers.extend([(name, value) for name, lower, value in ALWAYS if lower not in present])
    if request.endpoint != "static":
        # Nothing a participant typed or saw should be kept by a shared browser or a proxy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    response.vary.add("HX-Request")
    return response
