"""Unbound extension singletons, initialised by the app factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.db import db

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()
# Keyed by client address; behind a proxy, PROXY_HOPS makes that the real client (ProxyFix).
limiter = Limiter(key_func=get_remote_address)

__all__ = ["babel", "csrf", "db", "htmx", "limiter", "login_manager"]
