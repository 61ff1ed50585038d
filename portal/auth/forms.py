"""Sign-in, recovery and account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.forms import PhoneNumber, new_password_field, password_again_field
from portal.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")),
                                                Length(max=254), Email(_l("Enter a valid email."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")),
                                                         Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter the code.")),
                                               Length(min=6, max=24, message=_l("Enter the 6-digit code, or a recovery code."))])


def _email_field(label):
    return EmailField(label, filters=[lambda value: value.strip() if value else value],
                      validators=[InputRequired(_l("Enter your email.")),
                                  Length(max=254, message=_l("That email address is too long.")),
                                  Email(_l("Enter an email address like name@example.com."))])


def _current_password(field_id=None):
    # The account page shows three forms: each one's field has its own id (its name stays).
    return PasswordField(_l("Your current password"), id=field_id, validators=[
        InputRequired(_l("Please enter your current password.")), Length(max=256)])


class ForgotForm(FlaskForm):
    email = _email_field(_l("Your email"))


class ResetForm(FlaskForm):
    password = new_password_field()
    password_again = password_again_field()


class ChangePasswordForm(FlaskForm):
    current = _current_password()
    password = new_password_field()
    password_again = password_again_field()


class ChangeEmailForm(FlaskForm):
    current = _current_password("email_current")
    email = _email_field(_l("Your new email"))


class ChangePhoneForm(FlaskForm):
    current = _current_password("phone_current")
    phone = StringField(_l("Your phone (leave empty for email only)"),
                        filters=[lambda value: value.strip() if value else value],
                        validators=[Optional(), Length(max=30), PhoneNumber()])
