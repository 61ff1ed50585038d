"""My account: change my password, email or phone, each after typing my password again."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.auth import bp
from portal.auth.forms import ChangeEmailForm, ChangePasswordForm, ChangePhoneForm
from portal.auth.views import start_session
from portal.db import db
from portal.i18n import gettext as _
from portal.security.permissions import public, signed_in
from portal.services import accounts, recovery
from portal.services.errors import DomainError


def _page(status: int = 200, **forms):
    user = current_user._get_current_object()
    forms.setdefault("password_form", ChangePasswordForm(formdata=None))
    forms.setdefault("email_form", ChangeEmailForm(formdata=None))
    forms.setdefault("phone_form", ChangePhoneForm(formdata=None))
    return render_template("auth/account.html", user=user, **forms), status


def _back(message: str):
    flash(message, "success")
    return redirect(url_for("auth.account"), code=303)


@bp.get("/account")
@signed_in
def account():
    return _page()


@bp.post("/account/password")
@signed_in
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    user = current_user._get_current_object()
    try:
        recovery.change_password(db.session, user, current=form.current.data,
                                 new=form.password.data)
    except recovery.WrongPassword as wrong:
        form.current.errors = [str(wrong)]
        return _page(422, password_form=form)
    db.session.commit()
    start_session(user)  # this session goes on, on a new id; every other one has ended
    return _back(_("Your password is changed. Every other session of your account has ended."))


@bp.post("/account/email")
@signed_in
def change_email():
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return _page(422, email_form=form)
    try:
        recovery.ask_email_change(db.session, current_user._get_current_object(),
                                  current=form.current.data, new_email=form.email.data)
    except recovery.WrongPassword as wrong:
        form.current.errors = [str(wrong)]
        return _page(422, email_form=form)
    db.session.commit()
    return _back(_("We have sent a link to the new address. Your email changes once you use it; "
                   "until then, nothing changes."))


@bp.post("/account/phone")
@signed_in
def change_phone():
    form = ChangePhoneForm()
    if not form.validate_on_submit():
        return _page(422, phone_form=form)
    try:
        recovery.change_phone(db.session, current_user._get_current_object(),
                              current=form.current.data, phone=form.phone.data)
    except recovery.WrongPassword as wrong:
        form.current.errors = [str(wrong)]
        return _page(422, phone_form=form)
    except DomainError as refusal:
        form.phone.errors = [str(refusal)]
        return _page(422, phone_form=form)
    db.session.commit()
    return _back(_("Your phone number is changed."))


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """The link sent to a new address: a button first, so a mail scanner's visit changes nothing."""
    recovery.open_email_change(db.session, token)
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("auth/confirm_email.html", form=form, done=False)
    try:
        recovery.confirm_email_change(db.session, token)
    except accounts.EmailTaken as taken:
        return render_template("auth/confirm_email.html", form=None, done=False,
                               problem=str(taken)), 409
    db.session.commit()
    return render_template("auth/confirm_email.html", form=None, done=True)
