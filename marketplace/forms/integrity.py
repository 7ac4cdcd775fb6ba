from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms import BaseForm


class OpenFlagForm(BaseForm):
    reason = StringField(_l("Why you open this evidence (recorded)"), validators=[DataRequired(), Length(min=4, max=500)])


class DismissFlagForm(BaseForm):
    reason = TextAreaField(_l("Why the flag is dismissed (recorded)"), validators=[DataRequired(), Length(min=4, max=1000)])


class ReferFlagForm(BaseForm):
    to = StringField(_l("Referred to"), validators=[DataRequired(), Length(max=200)],
                     description=_l("e.g. 区纪委监委第三纪检监察室, 区审计局"))
    reason = TextAreaField(_l("Why the flag is referred (recorded)"), validators=[DataRequired(), Length(min=4, max=1000)])
