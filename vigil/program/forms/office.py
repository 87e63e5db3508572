"""Filter forms of the office's views: the matrix, late work by unit, on-time rates, the
incomplete bodies, a unit's lists, the calendar and the timeline.

Unit fields check the value against every unit the user may see, but offer in their
list only the units with children (a network has thousands of communes; a commune is
reached from its province's pages). Each form turns its data into the keyword
arguments of its selector (`kwargs()`), empty values falling back to the defaults.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigil.core.forms import BootstrapMixin
from vigil.core.refs import is_pk

from ..models import Task
from ..selectors import office as sel
from ..status import STATUS_CHOICES, today

MONTH_FORMAT = "%Y-%m"


def _year_choices(blank: str | None = None) -> list[tuple[str, str]]:
    this = today().year
    years = [(str(y), str(y)) for y in range(this + 1, this - 11, -1)]
    return ([("", blank)] if blank is not None else []) + years


class UnitField(forms.ModelChoiceField):
    """A unit the user may see; the list offers the units with children."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=None, **kwargs)

    def label_from_instance(self, obj):
        return f"{'— ' * max(obj.depth, 0)}{obj.display_name}"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=MONTH_FORMAT)


class OfficeFilterForm(BootstrapMixin, forms.Form):
    """Base: fills unit fields' choices for `user` (checking against all visible units)."""

    unit_fields: tuple[str, ...] = ()
    blank_unit = _("Mặc định")

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        current = None
        for name in self.unit_fields:
            field = self.fields[name]
            field.queryset = sel.visible_units(user)
            if data is not None and is_pk(data.get(name) or ""):
                current = field.queryset.filter(pk=data.get(name)).first() or current
        if self.unit_fields:
            offered = sel.unit_choices(user, current=current)
            for name in self.unit_fields:
                field = self.fields[name]
                field.widget.choices = [("", self.blank_unit)] + [(u.pk, field.label_from_instance(u)) for u in offered]
        if "unit_kind" in self.fields:
            self.fields["unit_kind"].choices = [("", _("Tất cả"))] + [
                (k.code, k.display_name) for k in sel.unit_kind_choices(user)
            ]

    def data_or_empty(self) -> dict:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}


SOURCE_CHOICES = [("", _("Tất cả"))] + list(Task.Source.choices)
STATUS_FILTER_CHOICES = [("open", _("Chưa xong (chưa thực hiện, đang thực hiện, quá hạn)")), ("all", _("Tất cả"))] + list(
    STATUS_CHOICES
)
def relation_choices():
    """The relation tabs as choices, read in the language of each request (a callable)."""
    return list(sel.relation_labels().items())


class RowsMixin(forms.Form):
    """Which units are the rows: the children of `under`, optionally of one kind."""

    under = UnitField(label=_("Các đơn vị trực thuộc"))
    unit_kind = forms.ChoiceField(label=_("Loại đơn vị"), required=False)


class MatrixFilterForm(RowsMixin, OfficeFilterForm):
    unit_fields = ("under", "assigning_unit")
    year = forms.ChoiceField(label=_("Năm (hạn hoàn thành)"), required=False)
    source = forms.ChoiceField(label=_("Nguồn giao"), required=False, choices=SOURCE_CHOICES)
    meeting = forms.ChoiceField(label=pgettext_lazy("field", "Phiên họp"), required=False)
    conclusion = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    assigning_unit = UnitField(label=_("Đơn vị giao"))
    q = forms.CharField(label=_("Tên nhiệm vụ"), required=False, max_length=200)
    per_page = forms.IntegerField(label=_("Số cột mỗi trang"), required=False, min_value=1, max_value=100)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["year"].choices = [(sel.CURRENT, str(_("Việc hiện tại (năm nay và mọi nhiệm vụ chưa hoàn thành)")))] + _year_choices(
            blank=str(_("Mọi năm"))
        )
        self.fields["meeting"].choices = [("", _("Tất cả"))] + [
            (str(m.pk), f"{m.held_on:%d/%m/%Y} — {m.title}") for m in sel.meeting_choices(user)
        ]

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        return {
            "under": d.get("under"), "unit_kind": d.get("unit_kind") or None, "source": d.get("source") or None,
            "meeting": int(d["meeting"]) if d.get("meeting") else None, "conclusion": d.get("conclusion"),
            "year": sel.check_period(d.get("year") or None), "assigning_unit": d.get("assigning_unit"),
            "q": d.get("q") or None, "per_page": d.get("per_page") or 20,
        }


class LateFilterForm(RowsMixin, OfficeFilterForm):
    unit_fields = ("under",)
    rollup = forms.BooleanField(label=_("Cộng cả các đơn vị cấp dưới"), required=False)
    source = forms.ChoiceField(label=_("Nguồn giao"), required=False, choices=SOURCE_CHOICES)

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        return {
            "under": d.get("under"), "unit_kind": d.get("unit_kind") or None,
            "rollup": bool(d.get("rollup")), "source": d.get("source") or None,
        }


class RatesFilterForm(LateFilterForm):
    year = forms.ChoiceField(label=_("Năm"), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["year"].choices = _year_choices()

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        return {**super().kwargs(), "year": int(d["year"]) if d.get("year") else today().year}


class BodiesFilterForm(OfficeFilterForm):
    unit_fields = ("unit",)
    blank_unit = _("Tất cả")
    on = forms.DateField(label=_("Tính đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit = UnitField(label=_("Đơn vị (kể cả cấp dưới)"))

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        return {"on": d.get("on"), "subtree_of": d.get("unit")}


class TaskFiltersMixin(forms.Form):
    """The filters shared by a unit's lists, the calendar and the timeline."""

    subtree = forms.BooleanField(label=_("Kể cả đơn vị cấp dưới"), required=False)
    source = forms.ChoiceField(label=_("Nguồn giao"), required=False, choices=SOURCE_CHOICES)

    def task_filters(self, d: dict) -> dict:
        return {"subtree": bool(d.get("subtree")), "source": d.get("source") or None}


class UnitTasksFilterForm(TaskFiltersMixin, OfficeFilterForm):
    relation = forms.ChoiceField(label=_("Quan hệ"), required=False, choices=relation_choices, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Tình trạng"), required=False, choices=STATUS_FILTER_CHOICES)
    q = forms.CharField(label=_("Tên nhiệm vụ"), required=False, max_length=200)
    due_from = forms.DateField(label=_("Hạn từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    due_to = forms.DateField(label=_("Hạn đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_to") and data["due_to"] < data["due_from"]:
            self.add_error("due_to", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
        return data

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        relation = d.get("relation") or "lead"
        default_status = "all" if relation == "overdue" else "open"
        return {
            **self.task_filters(d), "relation": relation, "status": d.get("status") or default_status,
            "q": d.get("q") or None, "due_from": d.get("due_from"), "due_to": d.get("due_to"),
        }


class CalendarFilterForm(TaskFiltersMixin, OfficeFilterForm):
    unit_fields = ("unit",)
    unit = UnitField(label=_("Đơn vị"))
    relation = forms.ChoiceField(label=_("Quan hệ"), required=False, choices=relation_choices, initial="any")
    status = forms.ChoiceField(label=_("Tình trạng"), required=False, choices=[("", _("Tất cả"))] + STATUS_FILTER_CHOICES[:1] + list(STATUS_CHOICES))
    top_level = forms.BooleanField(label=_("Chỉ nhiệm vụ gốc"), required=False)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2999, widget=forms.HiddenInput)
    month = forms.IntegerField(required=False, min_value=1, max_value=12, widget=forms.HiddenInput)

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        return {
            **self.task_filters(d), "unit": d.get("unit"), "relation": d.get("relation") or "any",
            "status": d.get("status") or None, "top_level": bool(d.get("top_level")),
            "year": d.get("year"), "month": d.get("month"),
        }


class TimelineFilterForm(CalendarFilterForm):
    start = forms.DateField(label=_("Từ tháng"), required=False, input_formats=[MONTH_FORMAT, "%Y-%m-%d"], widget=MonthInput)
    months = forms.TypedChoiceField(
        label=_("Số tháng"), required=False, coerce=int, empty_value=3,
        choices=[(n, str(n)) for n in (1, 2, 3, 6, 12)],
    )

    def kwargs(self) -> dict:
        d = self.data_or_empty()
        out = super().kwargs()
        out.pop("year")
        out.pop("month")
        return {**out, "start": d.get("start"), "months": d.get("months") or 3}


def month_value(day: dt.date) -> str:
    return day.strftime(MONTH_FORMAT)
