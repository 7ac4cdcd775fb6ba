from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from marketplace.forms import BaseForm


class FollowByEmailForm(BaseForm):
    email = EmailField(_l("Your e-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
