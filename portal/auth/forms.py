"""Sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")),
                                                Length(max=254), Email(_l("Enter a valid email."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")),
                                                         Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter the code.")),
                                               Length(min=6, max=24, message=_l("Enter the 6-digit code, or a recovery code."))])
