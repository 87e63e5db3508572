"""Forms of the inspection pages: the list's filters, the plan, its targets, the status
workflow, findings, turning a recommendation into a task, and closing a finding.

Choice lists come from selectors for the user filling the form, so nobody is offered a
unit or person they could not use; the services check everything again on submit.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import (
    PersonChoiceField,
    UnitChoiceField,
    UnitMultipleChoiceField,
    date_field,
)

from ..models import Finding, Inspection, Task
from ..selectors import inspections as sel
from ..status import today


def _year_choices(user, blank_label):
    current = today().year
    years = set(sel.inspection_years(user)) | set(range(current - 10, current + 2))
    return [("", blank_label)] + [(str(y), str(y)) for y in sorted(years, reverse=True)]


# --------------------------------------------------------------------------- filters


class InspectionFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    year = forms.TypedChoiceField(label=_("Năm kế hoạch"), required=False, coerce=int, empty_value=None)
    unit = UnitChoiceField(label=_("Đơn vị kiểm tra (kể cả cấp dưới)"), queryset=None, required=False)
    target_unit = UnitChoiceField(label=_("Đơn vị được kiểm tra (kể cả cấp dưới)"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả"))] + list(Inspection.Status.choices)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(user, _("Tất cả"))
        units = sel.visible_units(user)
        self.fields["unit"].queryset = units
        self.fields["target_unit"].queryset = units


class FindingFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    severity = forms.TypedChoiceField(
        label=_("Mức độ"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Tất cả"))] + [(str(v), label) for v, label in reversed(Finding.Severity.choices)],
    )
    unit = UnitChoiceField(label=_("Đơn vị được kiểm tra (kể cả cấp dưới)"), queryset=None, required=False)
    inspecting_unit = UnitChoiceField(label=_("Đơn vị kiểm tra (kể cả cấp dưới)"), queryset=None, required=False)
    year = forms.TypedChoiceField(label=_("Năm kế hoạch"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False,
        choices=[("open", _("Đang theo dõi")), ("closed", _("Đã đóng")), ("all", _("Tất cả"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(user, _("Tất cả"))
        units = sel.visible_units(user)
        self.fields["unit"].queryset = units
        self.fields["inspecting_unit"].queryset = units


# --------------------------------------------------------------------------- the plan


class InspectionForm(BootstrapMixin, forms.Form):
    inspecting_unit = UnitChoiceField(
        label=_("Đơn vị kiểm tra"), queryset=None,
        help_text=_("Đơn vị lập kế hoạch và tiến hành kiểm tra."),
    )
    title = forms.CharField(label=_("Tên đợt kiểm tra"), max_length=300)
    year = forms.IntegerField(
        label=_("Năm kế hoạch"), min_value=2000, max_value=2100,
        error_messages={"invalid": _("Năm phải là số.")},
    )
    planned_start = date_field(_("Bắt đầu dự kiến"))
    planned_end = date_field(_("Kết thúc dự kiến"))
    scope = forms.CharField(label=_("Nội dung kiểm tra"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lead_inspector = PersonChoiceField(label=_("Trưởng đoàn"), queryset=None, required=False)
    targets = UnitMultipleChoiceField(
        label=_("Đơn vị được kiểm tra"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Đơn vị cấp dưới của đơn vị kiểm tra (Văn phòng Ban Chỉ đạo kiểm tra được mọi đơn vị)."),
    )
    summary = forms.CharField(
        label=_("Kết luận kiểm tra"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Bắt buộc trước khi chuyển sang “đã có kết luận kiểm tra”."),
    )

    def __init__(self, *args, user, inspection: Inspection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_inspector"].queryset = sel.inspector_choices(user)
        if inspection is None:
            self.fields["inspecting_unit"].queryset = sel.inspecting_units(user)
            self.fields["targets"].queryset = sel.target_candidates_for_unit(user, None)
            del self.fields["summary"]
        else:
            del self.fields["inspecting_unit"]
            del self.fields["targets"]
            if inspection.status == Inspection.Status.PLANNED:
                del self.fields["summary"]


class StatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("Chuyển sang"), choices=())
    reason = forms.CharField(
        label=_("Lý do"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi đưa đợt kiểm tra đã có kết luận trở lại “đang kiểm tra”."),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(c["value"], c["label"]) for c in choices]


class TargetForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị được kiểm tra"), queryset=None)
    visited_on = date_field(_("Ngày kiểm tra"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, user, inspection: Inspection, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        if target is not None:
            del self.fields["unit"]
        else:
            ids = [u.pk for u in sel.target_candidates(user, inspection)]
            self.fields["unit"].queryset = sel.visible_units(user).filter(pk__in=ids)


# --------------------------------------------------------------------------- findings


class FindingForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị được kiểm tra"), queryset=None)
    severity = forms.TypedChoiceField(
        label=_("Mức độ"), coerce=int, initial=Finding.Severity.MEDIUM,
        choices=[(str(v), label) for v, label in Finding.Severity.choices],
    )
    text = forms.CharField(label=_("Phát hiện"), widget=forms.Textarea(attrs={"rows": 4}))
    recommendation = forms.CharField(
        label=_("Kiến nghị"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kiến nghị có thể được giao thành nhiệm vụ cho đơn vị được kiểm tra."),
    )
    number = forms.IntegerField(
        label=_("Số thứ tự"), required=False, min_value=1, max_value=32767,
        help_text=_("Để trống để lấy số tiếp theo."),
    )

    def __init__(self, *args, user, inspection: Inspection, finding: Finding | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [t.unit_id for t in sel.inspection_targets(user, inspection)]
        self.fields["unit"].queryset = sel.visible_units(user).filter(pk__in=ids)
        if finding is not None:
            del self.fields["number"]


class FindingTaskForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Tên nhiệm vụ"), max_length=300)
    description = forms.CharField(label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    start_date = date_field(_("Ngày bắt đầu"), required=False, help_text=_("Để trống: hôm nay."))
    due_date = date_field(_("Hạn hoàn thành"))
    priority = forms.TypedChoiceField(
        label=_("Mức ưu tiên"), coerce=int, initial=Task.Priority.NORMAL,
        choices=[(str(v), label) for v, label in Task.Priority.choices],
    )
    product = forms.ChoiceField(label=_("Sản phẩm"), choices=Task.Product.choices, initial=Task.Product.DOCUMENT)
    product_description = forms.CharField(label=_("Mô tả sản phẩm"), max_length=500, required=False)


class FindingCloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("Ghi chú khi đóng"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kết quả khắc phục đã được kiểm tra lại như thế nào."),
    )
    override_reason = forms.CharField(
        label=_("Lý do đóng khi nhiệm vụ chưa hoàn thành"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Chỉ điền khi cần đóng phát hiện dù còn nhiệm vụ chưa hoàn thành."),
    )

    def __init__(self, *args, pending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not pending:
            del self.fields["override_reason"]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
