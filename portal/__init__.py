"""The member portal: a Flask + HTMX app for confidential peer-support intake and matching."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from flask import Flask, g, request

from portal import config as config_module
from portal import extensions, i18n
from portal.db import db
from portal.security import audit, crypto, files, headers
from portal.security.sessions import DatabaseSessionInterface, refuse_unavailable

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, sign-in, blueprints, errors, headers."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    settings = config_module.defaults(app.instance_path)
    settings.update(config or {})
    app.config.update(config_module.finalise(settings, app.instance_path))
    files.private_dir(app.instance_path)

    crypto.configure(crypto.Keyring.parse(app.config["DATA_KEYS"], app.config["BLIND_INDEX_KEY"]))
    audit.configure(audit.AuditKeys.parse(app.config["AUDIT_KEY"], app.config["AUDIT_LEGACY_UNTIL"]))
    db.init_app(app)
    app.session_interface = DatabaseSessionInterface()
    app.before_request(refuse_unavailable)  # first: an unreadable session is a 503, not a bad form
    # Imported as a module: the name `htmx` is also the portal.htmx submodule.
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    extensions.babel.init_app(app, locale_selector=_select_locale,
                              default_translation_directories=str(ROOT / "translations"))
    i18n.init_app(app)  # the templates' strings: one catalogue look-up per request
    extensions.limiter.init_app(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_login(app)
    _init_queue(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from portal import cli, errors, last_resort

    errors.register(app)
    # Outermost (around ProxyFix too), and wired last: its page is rendered from the whole app.
    app.wsgi_app = last_resort.LastResort(app)
    cli.register(app)
    logging.getLogger("portal").setLevel(logging.INFO)
    return app


def _select_locale() -> str:
    """The request's language (services/language); outside a request (jobs), English."""
    from flask import has_request_context
    from flask_login import current_user
    from sqlalchemy.exc import SQLAlchemyError

    from portal.services import language

    if not has_request_context():
        return language.DEFAULT
    try:
        account = current_user.language if current_user.is_authenticated else None
    except SQLAlchemyError:  # the plain error page, database down: the browser's choice
        account = None
    return language.pick(account, request.cookies.get(language.COOKIE), request.accept_languages)


def _init_login(app: Flask) -> None:
    from portal.auth.loader import load_user, unauthorized

    manager = extensions.login_manager
    manager.init_app(app)
    manager.session_protection = None  # the server-side session is renewed at sign-in
    manager.login_view = "auth.login"
    manager.user_loader(load_user)
    manager.unauthorized_handler(unauthorized)


def _init_queue(app: Flask) -> None:
    from portal.services import (
        pool_version,  # noqa: F401 - counts every change the pool reads
        today_version,  # noqa: F401 - counts every change Today shows
    )
    from portal.services.outbox import dispatch

    dispatch.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.auth import bp as auth_bp
    from portal.coordinator import bp as coordinator_bp
    from portal.health import bp as health_bp
    from portal.notices import bp as notices_bp
    from portal.participant import bp as participant_bp
    from portal.planning import bp as planning_bp
    from portal.public import bp as public_bp
    from portal.reports import bp as reports_bp
    from portal.resources import bp as resources_bp
    from portal.volunteer import bp as volunteer_bp
    from portal.volunteer import invitation_bp

    for blueprint in (public_bp, auth_bp, health_bp, notices_bp, participant_bp, volunteer_bp,
                      invitation_bp, coordinator_bp, reports_bp, admin_bp, resources_bp,
                      planning_bp):
        app.register_blueprint(blueprint)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        g.request_id = str(uuid.uuid4())
        audit.request_id.set(g.request_id)  # every audit event of this request names it

    @app.after_request
    def secure_headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.vary.update(("Accept-Language", "Cookie"))  # the language is chosen from both
        return headers.apply(response)

    app.jinja_env.globals["zip"] = zip  # macros imported without context need it too
    app.jinja_env.globals["in_reader_language"] = _in_reader_language
    _register_local_time(app)

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        from portal import vocab
        from portal.services import program_lists

        def list_label(name: str, code: str | None) -> str:
            """The words of a code of the program's lists, in the reader's language."""
            return program_lists.label(db.session, name, code)

        return {"vocab": vocab, "list_label": list_label,
                "is_htmx": bool(getattr(request, "htmx", False)),
                **_language_switch(str(get_locale() or "en"))}


def _in_reader_language(english: str | None, french: str | None = None) -> str:
    """An admin's text (a crisis line, the contact line) in this page's language."""
    from flask_babel import get_locale

    from portal.services import language

    return language.shown(english, french, str(get_locale() or "en"))


def _language_switch(current: str) -> dict:
    """<html lang>, and the switch's other languages and the page to come back to."""
    from portal.services import language

    back = request.full_path.rstrip("?") if request.method == "GET" else request.path
    others = [(code, name) for code, name in language.NAMES.items() if code != current]
    return {"html_lang": current, "other_languages": others, "language_next": back}


def _register_local_time(app: Flask) -> None:
    from flask_babel import format_datetime

    from portal.services import calendar

    def local_time(value, format="d MMM y, HH:mm"):
        """A UTC instant as the program's wall-clock time, for people to read (zzz: MST)."""
        if value is None:
            return ""
        # rebase=False: the value already carries the program zone, Babel keeps it.
        return format_datetime(calendar.local(value, db.session), format, rebase=False)

    app.jinja_env.filters["local"] = local_time
    # Relative times ("waiting 3 days"); a kept page fills them in at each view.
    from portal.shared_pages import time_since, time_until

    app.jinja_env.filters["time_since"] = time_since
    app.jinja_env.filters["time_until"] = time_until
