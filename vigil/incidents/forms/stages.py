"""Forms of the reporting-stage and SLA pages: a statutory report's form, built from its
stage's field list, and the filters of the late-report and breach lists."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vigil.core.forms.fields import UnitChoiceField, date_field
from vigil.org.models import Unit

from ..models import SlaBreach
from ..services.stages import choice_pairs, stage_fields


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class StageReportForm(forms.Form):
    """One field per field of the stage (`stage.fields`), all mandatory. Values are
    passed as typed to the service, which checks them and names a bad one."""

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        english = (get_language() or "").startswith("en")
        for spec in stage_fields(stage):
            label = (spec.get("label_en") if english else None) or spec.get("label") or spec["name"]
            ftype = spec["type"]
            attrs = {"class": "form-control", "data-field-type": ftype}
            if ftype == "choice":
                choices = [("", "—")] + choice_pairs(spec, english=english)
                field = forms.ChoiceField(label=label, choices=choices, widget=forms.Select(attrs={"class": "form-select"}))
            elif ftype == "textarea":
                field = forms.CharField(label=label, widget=forms.Textarea(attrs={**attrs, "rows": 4}))
            elif ftype == "datetime":
                field = forms.CharField(label=label, widget=DateTimeLocalInput(attrs=attrs))
            elif ftype == "number":
                field = forms.CharField(label=label, widget=forms.NumberInput(attrs={**attrs, "step": "any"}))
            else:
                field = forms.CharField(label=label, widget=forms.TextInput(attrs=attrs), max_length=20000)
            self.fields[spec["name"]] = field


def _unit_field(user):
    from vigil.core.access import visible_to

    return UnitChoiceField(
        label=_("Đơn vị (gồm cấp dưới)"), required=False,
        queryset=visible_to(user, Unit).filter(is_active=True).order_by("path"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class LateFilterForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(user)


class BreachFilterForm(forms.Form):
    clock = forms.ChoiceField(
        label=_("Mốc SLA"), required=False, choices=[("", "—")] + list(SlaBreach.Clock.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    level = forms.TypedChoiceField(
        label=_("Mức leo thang"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), ("1", _("1 — đơn vị cấp trên")), ("2", _("2 — Cơ quan thường trực"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date_from = date_field(_("Từ ngày"), required=False)
    date_to = date_field(_("Đến ngày"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(user)
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
