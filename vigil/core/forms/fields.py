"""Form fields every app's pages share: dates as HTML date inputs (ISO or dd/mm/yyyy
typed by hand), unit pickers that show the tree's depth, person pickers that say where
the person works — each with a translated message when a choice is not allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
BAD_DATE = _("Ngày không hợp lệ (YYYY-MM-DD).")
UNKNOWN_UNIT = _("Đơn vị không tồn tại hoặc bạn không được chọn đơn vị này.")
UNKNOWN_PERSON = _("Cán bộ không tồn tại hoặc bạn không được chọn người này.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def date_field(label, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DateInput, input_formats=DATE_FORMATS,
        help_text=help_text, error_messages={"invalid": BAD_DATE},
    )


def unit_label(unit) -> str:
    """A unit's name indented by its depth in the tree, for long pickers."""
    return f"{'— ' * max(unit.depth, 0)}{unit.display_name}"


class UnitChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": UNKNOWN_UNIT})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return unit_label(obj)


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": UNKNOWN_UNIT, "invalid_pk_value": UNKNOWN_UNIT})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return unit_label(obj)


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": UNKNOWN_PERSON})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.full_name} — {getattr(obj, 'position', '') or obj.home_unit.display_name}"
