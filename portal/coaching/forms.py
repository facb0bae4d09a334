"""Forms of the coaching pages (themes, plans, training items)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.form_helpers import strip


class ThemeForm(FlaskForm):
    name_en = StringField("English name", validators=[DataRequired("Give an English name.")],
                          filters=[strip])  # fmt: skip
    name_sv = StringField("Swedish name", validators=[DataRequired("Give a Swedish name.")],
                          filters=[strip])  # fmt: skip
    cues_en = TextAreaField(
        "English cue words",
        filters=[strip],
        description="Comma-separated. A word of 5 letters or more also matches its longer "
        "forms (deliver: delivered); a phrase matches as written (still waiting).",
        render_kw={"rows": 2},
    )
    cues_sv = TextAreaField("Swedish cue words", filters=[strip], render_kw={"rows": 2})
    active = BooleanField("Suggested and offered", default=True)
    submit = SubmitField("Save theme")


class NewThemeForm(ThemeForm):
    key = StringField(
        "Key",
        validators=[DataRequired("Give the theme a key, e.g. installation.")],
        filters=[strip],
        description="Lower-case letters, digits and _; it never changes.",
    )
    submit = SubmitField("Add theme")


class PlanForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the plan a title."), Length(max=200)],
        filters=[strip],
    )
    # Choices: the view; the service names a wrong one.
    focus = SelectField(
        "Addresses",
        validate_choice=False,
        validators=[DataRequired("Choose what the plan addresses from the list.")],
    )
    target = DecimalField(
        "Target",
        places=None,
        validators=[InputRequired("Enter the target as a number, e.g. 4 for 4 hours.")],
        description="Percentages as 0-100, times in hours, satisfaction 1-5. For a theme: the "
        "share of the rep's complaints about it, at most.",
    )
    due_on = DateField("Due", validators=[InputRequired("Enter the due date, e.g. 2027-02-28.")])
    check_ins = StringField(
        "Check-in dates",
        filters=[strip],
        validators=[Optional()],
        description="Comma-separated dates between today and the due date, "
        "e.g. 2027-01-15, 2027-02-01.",
    )
    submit = SubmitField("Create plan")


class ItemForm(FlaskForm):
    title = StringField(
        "Training item",
        validators=[DataRequired("Give the item a title."), Length(max=200)],
        filters=[strip],
    )
    link = StringField("Link", validators=[Optional(), Length(max=500)], filters=[strip],
                       description="An https:// address, or upload a file instead.")  # fmt: skip
    upload = FileField("File", description="PDF, image, text or Office file, at most 5 MB.")
    submit = SubmitField("Add item")


class ItemProgressForm(FlaskForm):
    done = BooleanField("Done")
    rep_note = TextAreaField("My note", validators=[Optional(), Length(max=2000)],
                             filters=[strip], render_kw={"rows": 2})  # fmt: skip
    submit = SubmitField("Save")


class PlanNoteForm(FlaskForm):
    text = TextAreaField(
        "Check-in note",
        validators=[DataRequired("Write the note before saving it."), Length(max=4000)],
        filters=[strip],
        render_kw={"rows": 3},
        description="Write #123 to link case 123.",
    )
    submit = SubmitField("Add note")


class EndPlanForm(FlaskForm):
    submit = SubmitField("End the plan now")
