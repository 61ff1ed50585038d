"""Asking for a peer: a safety question, six short steps, then one submission.

Every step is a plain form POST answered with a redirect (it works without JavaScript); with
htmx the same POST answers the next step's fragment and pushes its URL, so Back and Forward
reload steps whose entries the draft kept. Nothing reaches the intake tables before sending.

A connection lost while sending leaves the outcome unknown: a request that was saved all the
same is confirmed as usual; one that was not keeps its draft, so sending again loses nothing.
"""

from __future__ import annotations

import hmac
import json
from functools import wraps

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.db import db, is_disconnect
from portal.extensions import csrf, limiter
from portal.htmx import redirect_for_htmx, render_page_or_fragment, wants_fragment
from portal.i18n import gettext as _
from portal.intake_steps import STEPS
from portal.models import User
from portal.participant import bp, draft
from portal.participant.answers import collect, step_form, summary
from portal.participant.forms import ChoosePasswordForm, ConsentForm, SafetyForm
from portal.security.permissions import public
from portal.services import address_checks, program_lists, settings
from portal.services import intake as intakes
from portal.shared_pages import render_blank_form

STEP_RULE = "/request/<any(" + ", ".join(STEPS) + "):step>"


def wizard_entry(view):
    """Only visitors and participants ask here; someone with a request in progress goes home."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if current_user.is_authenticated:
            if not current_user.has_role("participant"):
                abort(403)
            if intakes.open_intake_of(db.session, current_user) is not None:
                flash(_("You already have a request in progress. Here is where it stands."))
                return redirect_for_htmx(url_for("participant.home"))
        return view(*args, **kwargs)

    return guarded


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _url(step: str) -> str:
    if step == draft.SAFETY:
        return url_for("participant.start")
    if step == draft.CONSENT:
        return url_for("participant.consent")
    return url_for("participant.step", step=step)


def _consent_form(formdata, saved: dict) -> ConsentForm:
    form = ConsentForm(formdata=formdata)
    if formdata is None:
        form.submission_token.data = saved["token"]
        form.consent_version.data = settings.get(db.session, "consent_version")
    if _signed_in():
        del form.password, form.password_again  # the account exists already
    return form


def _form(step: str, saved: dict):
    """The step's form filled with what the draft kept (with its errors when sent back to it)."""
    if step == draft.SAFETY:
        return SafetyForm(formdata=None)
    if step == draft.CONSENT:
        return _consent_form(None, saved)
    form = step_form(step, draft.entries(saved, step), signed_in=_signed_in())
    if saved.get("recheck") == step:
        form.validate()
    return form


def _extra(step: str, saved: dict) -> dict:
    if step != draft.CONSENT:
        return {}
    return {"summary": summary(saved, signed_in=_signed_in()),
            "retention_months": settings.get(db.session, "retention_months"),
            "consent_version": settings.get(db.session, "consent_version")}


def _untouched(step: str, saved: dict) -> bool:
    """A step seen for the first time: its form holds nothing the person typed."""
    return step in STEPS and draft.entries(saved, step) is None and saved.get("recheck") != step


def _show(step: str, saved: dict, form=None, status: int = 200):
    """The whole page, or the ``#wizard`` fragment for htmx, for ``step``."""
    previous, _following = draft.neighbours(step)
    blank = form is None and _untouched(step, saved) and wants_fragment()
    context = dict(step=step, form=form or (None if blank else _form(step, saved)), saved=saved,
                   previous=previous and _url(previous), number=draft.ORDER.index(step) + 1,
                   total=len(draft.ORDER), action=_url(step),
                   crisis=settings.get(db.session, "crisis_resources"), **_extra(step, saved))
    if blank:  # the same for every visitor but for their CSRF token
        key = (step, _signed_in(), bool(saved.get("in_danger")), context["previous"],
               context["action"], json.dumps(context["crisis"], sort_keys=True))
        # The kept text may show of the draft only what is in its key: nothing else of this
        # visitor's can reach the next one, whatever a template comes to read.
        context["saved"] = {"in_danger": key[2]}
        del context["form"]  # built only when no kept page has its shape yet
        text = render_blank_form("participant/_wizard.html", lambda: _form(step, saved), key,
                                 program_lists.loaded(db.session), **context)
        response = make_response(text, status)
        response.vary.add("HX-Request")
        return response
    return render_page_or_fragment("participant/wizard.html", "participant/_wizard.html",
                                   status=status, **context)


def _go(step: str):
    """Move to ``step``: htmx gets its fragment and its URL pushed; a plain request a redirect."""
    if wants_fragment():
        response = _show(step, draft.load())
        response.headers["HX-Push-Url"] = _url(step)
        return response
    return redirect(_url(step), code=303)


@bp.route("/request", methods=["GET", "POST"])
@public
@wizard_entry
def start():
    """First one question about immediate danger; "yes" shows where to find help right now."""
    saved = draft.load()
    if request.method == "GET":
        return _show(draft.SAFETY, saved)
    form = SafetyForm(formdata=request.form)
    if not form.validate():
        return _show(draft.SAFETY, saved, form=form, status=422)
    in_danger = form.danger.data == "yes"
    draft.answer_safety(saved, in_danger)
    return _go(draft.SAFETY if in_danger else draft.ORDER[1])


@bp.route(STEP_RULE, methods=["GET", "POST"])
@public
@wizard_entry
def step(step: str):
    """One step: Continue checks the answers first; Back keeps them, checked or not."""
    saved = draft.load()
    missing = draft.first_incomplete(saved, before=step)
    if missing is not None:
        return _go(missing)
    if request.method == "GET":
        return _show(step, saved)
    form = step_form(step, request.form, signed_in=_signed_in())
    valid = form.validate()
    draft.keep(saved, step, request.form, form.field_names(), complete=valid)
    previous, following = draft.neighbours(step)
    if request.form.get("nav") == "back":
        return _go(previous)
    if not valid:
        return _show(step, saved, form=form, status=422)
    return _go(following)


@bp.get("/request/consent")
@public
@wizard_entry
def consent():
    """The last step: a summary of the answers, the agreements, and the account's password."""
    saved = draft.load()
    missing = draft.first_incomplete(saved)
    if missing is not None:
        return _go(missing)
    return _show(draft.CONSENT, saved)


@bp.post("/request/submit")
@limiter.limit("5/minute;20/hour")
@csrf.exempt  # checked below, after recognising a repeat of a request already sent
@public
@wizard_entry
def submit():
    """Send the request, once: a repeat of the same form lands on the request already sent."""
    token = request.form.get("submission_token", "")
    if intakes.find_by_token(db.session, token) is not None:
        # A double click or a retry. Sending renewed the session, so a second click still
        # carrying the old cookie has no CSRF token left; the submission token, a secret only
        # that page held, shows the post came from it. Nothing is changed or revealed here.
        return redirect_for_htmx(url_for("participant.sent"))
    csrf.protect()
    saved = draft.load()
    if not draft.exists() or not hmac.compare_digest(saved["token"].encode(), token.encode()):
        flash(_("To protect your privacy, answers are cleared after a while without activity. "
                "Please start again; it only takes a few minutes."))
        return redirect_for_htmx(url_for("participant.start"))
    missing = draft.first_incomplete(saved)
    if missing is not None:
        return _go(missing)
    form = _consent_form(request.form, saved)
    if not form.validate():
        return _show(draft.CONSENT, saved, form=form, status=422)
    collected = collect(saved, signed_in=_signed_in())
    if collected.step_to_fix is not None:
        draft.recheck(saved, collected.step_to_fix)
        return _go(collected.step_to_fix)
    return _send(saved, collected, form)


def _send(saved: dict, collected, form: ConsentForm):
    """Create the intake (and the account) in one transaction, then say what happens next."""
    signed_in = current_user._get_current_object() if _signed_in() else None
    try:
        result = intakes.submit_intake(
            db.session, collected.answers, token=saved["token"], user=signed_in,
            consent_version=form.consent_version.data or "",
            email=collected.email, password=form.password.data if signed_in is None else None,
            ip=request.remote_addr, language_code=str(get_locale()))
        db.session.commit()
    except intakes.ConsentOutdated as error:
        db.session.rollback()
        fresh = _consent_form(None, saved)
        fresh.principles.errors = [str(error)]
        return _show(draft.CONSENT, saved, form=fresh, status=422)
    except intakes.AlreadyOpen as error:
        db.session.commit()
        return _finish(error.user if signed_in is None else None, url_for("participant.home"),
                       str(error))
    except IntegrityError:
        db.session.rollback()  # the same form sent twice at the same moment: the first one won
        if intakes.find_by_token(db.session, saved["token"]) is None:
            raise
        return redirect_for_htmx(url_for("participant.sent"))
    except DBAPIError as error:
        if not is_disconnect(error):
            raise
        return _sent_after_all(saved, signed_in, error)
    return _finish(result.user if signed_in is None else None, url_for("participant.sent"))


def _sent_after_all(saved: dict, signed_in, lost: DBAPIError):
    """The connection dropped while sending; the commit may have landed before it did."""
    db.recover()
    intake = intakes.find_by_token(db.session, saved["token"])
    if intake is None:
        raise lost  # not saved: the error page, and the draft stays for another try
    # Signed in only if this very send proved who they are (their password opened the account).
    proven = signed_in is None and intake.participant_id is not None
    return _finish(db.session.get(User, intake.participant_id) if proven else None,
                   url_for("participant.sent"))


def _finish(user, location: str, message: str | None = None):
    """Forget the draft, sign ``user`` in on a renewed session, and move on."""
    draft.discard()
    if user is not None:
        session.regenerate()
        login_user(user)
        session["_epoch"] = user.session_epoch
        session["_staff"] = user.role.is_staff
    if message:
        flash(message)
    return redirect_for_htmx(location)


@bp.get("/request/sent")
@public
def sent():
    """What happens next (also where a repeated submission lands), despite a dropped connection."""
    crisis = settings.get_or_default(db.engine, "crisis_resources")
    try:
        return render_template("participant/sent.html", crisis=crisis)
    except DBAPIError as error:
        if not is_disconnect(error):
            raise
        # Only reads here (the header's user), so once more on a fresh connection is safe.
        db.recover()
        return render_template("participant/sent.html", crisis=crisis)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
@public
def confirm_address(token: str):
    """The link from the email: a button first, so a mail scanner's visit confirms nothing."""
    intake = address_checks.open_link(db.session, token)
    choose = address_checks.asks_for_password(db.session, intake)
    form = ChoosePasswordForm() if choose else FlaskForm()
    if not form.validate_on_submit():
        return render_template("participant/confirm_address.html", form=form, done=None,
                               choose=choose), 422 if form.errors else 200
    done = address_checks.confirm(db.session, token, ip=request.remote_addr,
                                  password=form.password.data if choose else None)
    db.session.commit()
    return render_template("participant/confirm_address.html", form=None, done=done)


@bp.post("/request/discard")
@public
def discard():
    """Clear everything typed so far."""
    draft.discard()
    flash(_("What you typed has been cleared."))
    return redirect_for_htmx(url_for("public.index"))
