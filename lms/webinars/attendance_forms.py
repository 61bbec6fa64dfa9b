"""Forms for attendance codes, evaluations, credit claims and organisers' work on a webinar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.webinars.attendance_services import MAX_MESSAGE, MAX_NOTE, MAX_SUBJECT


class CodeForm(FlaskForm):
    code = StringField(
        _l("Attendance code"),
        validators=[DataRequired(_l("Enter the code read out in the webinar.")), Length(max=40)],
        description=_l("The presenters read it out during the session."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class EvaluationForm(FlaskForm):
    objectives = RadioField(
        _l("Did the webinar meet its stated learning objectives?"),
        choices=[
            SelectChoice("yes", _l("Yes")),
            SelectChoice("partly", _l("Partly")),
            SelectChoice("no", _l("No")),
        ],
        validators=[DataRequired(_l("Choose an answer."))],
    )
    bias = RadioField(
        _l("Was the webinar free of commercial bias?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[DataRequired(_l("Choose an answer."))],
    )
    practice = TextAreaField(
        _l("What, if anything, will you change in your practice? (optional)"),
        validators=[Optional(), Length(max=2000)],
    )
    comments = TextAreaField(
        _l("Other comments for the presenters (optional)"),
        validators=[Optional(), Length(max=2000)],
    )


class ImportForm(FlaskForm):
    report = FileField(
        _l("Participant report (CSV from Zoom or Teams)"),
        validators=[FileRequired(_l("Choose the participant report file."))],
    )


class MarkForm(FlaskForm):
    email = StringField(
        _l("Attendee's email"),
        validators=[
            DataRequired(_l("Enter the attendee's email.")),
            Email(_l("Enter a valid email.")),
            Length(max=254),
        ],
    )
    minutes = IntegerField(
        _l("Minutes attended"),
        validators=[
            InputRequired(_l("Enter the minutes attended (0 if they did not attend).")),
            NumberRange(min=0, max=24 * 60),
        ],
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=MAX_NOTE)])


class MessageForm(FlaskForm):
    subject = StringField(
        _l("Subject"), validators=[DataRequired(_l("Write a subject.")), Length(max=MAX_SUBJECT)]
    )
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(_l("Write a message.")), Length(max=MAX_MESSAGE)]
    )
    include_waitlist = BooleanField(_l("Also send it to people on the waiting list"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for registrants (optional)"),
        validators=[Optional(), Length(max=MAX_MESSAGE)],
        id="cancel-reason",
    )
    confirm = BooleanField(
        _l("Yes, cancel this webinar and email everyone registered"),
        validators=[DataRequired(_l("Tick the box to confirm the cancellation."))],
    )


class RecordingForm(FlaskForm):
    url = StringField(
        _l("Recording address"),
        validators=[DataRequired(_l("Enter the recording's address.")), Length(max=2000)],
        description=_l("A full address starting with https://."),
        render_kw={"inputmode": "url"},
    )
