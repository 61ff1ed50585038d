"""Unbound extension singletons, initialised by the app factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.db import db

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()

__all__ = ["babel", "csrf", "db", "htmx", "login_manager"]
