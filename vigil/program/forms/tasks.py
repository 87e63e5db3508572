"""Forms of the task pages: the list's filters, a new task, editing, and every step of
the workflow (progress reports with evidence, confirmation, acceptance or return,
extensions, cancellation, cascading to sub-units).

Choice lists come from selectors for the user filling the form, so nobody is offered a
unit or person they could not use; the services check everything again on submit.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vigil.core.errors import DomainError
from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import (
    PersonChoiceField,
    UnitChoiceField,
    UnitMultipleChoiceField,
    date_field,
)
from vigil.core.uploads import check_upload
from vigil.org.selectors import people as people_sel
from vigil.org.selectors import units as unit_sel

from .. import status as task_status
from ..models import ExtensionRequest, Task
from ..status import today


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files in one input; each is checked like every upload of Vigil (size,
    type sniffed from the bytes, digest) so a bad file is named before anything is saved."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not items:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        cleaned = []
        for item in items:
            upload = single(item, initial)
            try:
                check_upload(upload, field="files", limit=settings.VIGIL_MAX_UPLOAD_BYTES)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message), code=exc.code) from None
            cleaned.append(upload)
        return cleaned


# The services' names for what these forms call otherwise (for vigil.core.web.map_errors).
SERVICE_ALIASES = {
    "assigning_unit_id": "assigning_unit", "lead_unit": "lead_units", "lead_unit_id": "lead_units",
    "lead_unit_ids": "lead_units", "supporting_unit_ids": "supporting_units", "assignee_id": "assignee",
    "evidence": "files", "file": "files",
}


# --------------------------------------------------------------------------- the list


RELATION_CHOICES = [
    ("any", _("Tất cả nhiệm vụ tôi được xem")),
    ("lead", _("Đơn vị chủ trì")),
    ("assigned", _("Đơn vị giao")),
    ("supporting", _("Đơn vị phối hợp")),
]


class TaskFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Tất cả"))] + list(task_status.STATUS_CHOICES)
    )
    source = forms.ChoiceField(label=_("Nguồn giao"), required=False, choices=[("", _("Tất cả"))] + list(Task.Source.choices))
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None, required=False)
    subtree = forms.ChoiceField(
        label=_("Phạm vi đơn vị"), required=False, initial="1",
        choices=[("1", _("Đơn vị và cấp dưới")), ("0", _("Chỉ đơn vị này"))],
    )
    relation = forms.ChoiceField(label=_("Vai trò của đơn vị"), required=False, choices=RELATION_CHOICES)
    due_from = date_field(_("Hạn từ ngày"), required=False)
    due_to = date_field(_("Hạn đến ngày"), required=False)
    top_level = forms.BooleanField(label=_("Chỉ nhiệm vụ gốc (không hiện nhiệm vụ con)"), required=False)
    mine = forms.BooleanField(label=_("Chỉ đơn vị của tôi"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="view")

    def clean(self):
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
        return data


# --------------------------------------------------------------------------- a new task


class TaskCreateForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Tên nhiệm vụ"), max_length=300)
    description = forms.CharField(label=_("Nội dung nhiệm vụ"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label=_("Nguồn giao"), choices=Task.Source.choices, initial=Task.Source.OTHER)
    source_reference = forms.CharField(
        label=_("Văn bản giao"), max_length=300, required=False,
        help_text=_("Số, ký hiệu văn bản giao nhiệm vụ (chỉ thị, luật, công văn)."),
    )
    assigning_unit = UnitChoiceField(label=_("Đơn vị giao"), queryset=None)
    lead_units = UnitMultipleChoiceField(
        label=_("Đơn vị chủ trì"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Chọn một hoặc nhiều đơn vị. Giao cho nhiều đơn vị sẽ tạo một nhiệm vụ chung và mỗi đơn vị một nhiệm vụ con."),
    )
    lead_kind = forms.ChoiceField(
        label=_("Hoặc giao cho tất cả đơn vị thuộc loại"), required=False,
        help_text=_("Ví dụ: tất cả tỉnh, thành phố. Mỗi đơn vị nhận một nhiệm vụ con."),
    )
    supporting_units = UnitMultipleChoiceField(
        label=_("Đơn vị phối hợp"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    assignee = PersonChoiceField(label=_("Người được giao"), queryset=None, required=False)
    start_date = date_field(_("Ngày bắt đầu"), required=False, help_text=_("Để trống: hôm nay."))
    due_date = date_field(_("Hạn hoàn thành"))
    recurrence = forms.ChoiceField(label=_("Định kỳ báo cáo"), choices=Task.Recurrence.choices, initial=Task.Recurrence.NONE)
    product = forms.ChoiceField(label=_("Sản phẩm"), choices=Task.Product.choices, initial=Task.Product.DOCUMENT)
    product_description = forms.CharField(label=_("Mô tả sản phẩm"), max_length=500, required=False)
    target_value = forms.IntegerField(
        label=_("Chỉ tiêu"), required=False, min_value=0,
        help_text=_("Với sản phẩm là số liệu: con số phải đạt."),
        error_messages={"invalid": _("Chỉ tiêu phải là số nguyên.")},
    )
    priority = forms.TypedChoiceField(
        label=_("Mức ưu tiên"), choices=Task.Priority.choices, coerce=int, initial=Task.Priority.NORMAL
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        addable = people_sel.units_where(user=user, action="add")
        self.fields["assigning_unit"].queryset = addable
        self.fields["lead_units"].queryset = addable
        self.fields["supporting_units"].queryset = people_sel.units_where(user=user, action="view")
        self.fields["assignee"].queryset = people_sel.person_list(user=user, active=True).select_related("home_unit")
        kinds = unit_sel.unit_kinds(user=user)
        self.fields["lead_kind"].choices = [("", "—")] + [(k.code, k.display_name) for k in kinds]
        self.fields["lead_kind"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if not data.get("lead_units") and not data.get("lead_kind") and "lead_units" not in self.errors:
            self.add_error("lead_units", _("Hãy chọn ít nhất một đơn vị chủ trì (hoặc một loại đơn vị)."))
        if data.get("lead_units") and data.get("lead_kind"):
            self.add_error("lead_kind", _("Chọn đơn vị cụ thể hoặc một loại đơn vị, không chọn cả hai."))
        start, due = data.get("start_date"), data.get("due_date")
        if due:
            if due < (start or today()):
                self.add_error("due_date", _("Hạn hoàn thành không thể trước ngày bắt đầu."))
            elif due < today():
                self.add_error("due_date", _("Hạn hoàn thành không thể là một ngày đã qua."))
        return data


class TaskEditForm(BootstrapMixin, forms.Form):
    """What may change after assignment. The due date is not here: it moves only
    through an approved extension request."""

    help_text = _(
        "Hạn hoàn thành không sửa ở đây: hạn chỉ thay đổi qua đề nghị gia hạn được đơn vị giao đồng ý "
        "(mục “Đề nghị gia hạn” trên trang nhiệm vụ)."
    )

    title = forms.CharField(label=_("Tên nhiệm vụ"), max_length=300)
    description = forms.CharField(label=_("Nội dung nhiệm vụ"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    source_reference = forms.CharField(label=_("Văn bản giao"), max_length=300, required=False)
    supporting_units = UnitMultipleChoiceField(
        label=_("Đơn vị phối hợp"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    assignee = PersonChoiceField(label=_("Người được giao"), queryset=None, required=False)
    product = forms.ChoiceField(label=_("Sản phẩm"), choices=Task.Product.choices)
    product_description = forms.CharField(label=_("Mô tả sản phẩm"), max_length=500, required=False)
    target_value = forms.IntegerField(
        label=_("Chỉ tiêu"), required=False, min_value=0,
        error_messages={"invalid": _("Chỉ tiêu phải là số nguyên.")},
    )
    priority = forms.TypedChoiceField(label=_("Mức ưu tiên"), choices=Task.Priority.choices, coerce=int)
    recurrence = forms.ChoiceField(label=_("Định kỳ báo cáo"), choices=Task.Recurrence.choices)

    FIELDS = (
        "title", "description", "source_reference", "supporting_units", "assignee", "product",
        "product_description", "target_value", "priority", "recurrence",
    )

    def __init__(self, *args, user, task, definition: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not definition:  # the lead unit only names who does the work
            for name in list(self.fields):
                if name != "assignee":
                    del self.fields[name]
        self.hidden_supporting = []
        if "supporting_units" in self.fields:
            self.fields["supporting_units"].queryset = people_sel.units_where(user=user, action="view")
            # Supporting units the editor cannot see stay as they are (they are not offered).
            self.hidden_supporting = [
                u for u in task.supporting_units.all()
                if not self.fields["supporting_units"].queryset.filter(pk=u.pk).exists()
            ]
        people = people_sel.person_list(user=user, active=True)
        if task.assignee_id:
            people = (people | people_sel.person_list(user=user).filter(pk=task.assignee_id)).distinct()
        self.fields["assignee"].queryset = people.select_related("home_unit")

    @staticmethod
    def initial_for(task) -> dict:
        return {
            "title": task.title, "description": task.description, "source_reference": task.source_reference,
            "supporting_units": [u.pk for u in task.supporting_units.all()], "assignee": task.assignee_id,
            "product": task.product, "product_description": task.product_description,
            "target_value": task.target_value, "priority": task.priority, "recurrence": task.recurrence,
        }

    def changes(self, task) -> dict:
        """Only the fields that differ from the task's current values."""
        initial = self.initial_for(task)
        out = {}
        for name in self.FIELDS:
            if name not in self.fields:
                continue
            value = self.cleaned_data.get(name)
            if name == "supporting_units":
                chosen = list(value) + self.hidden_supporting
                if sorted(u.pk for u in chosen) != sorted(initial[name]):
                    out[name] = chosen
            elif name == "assignee":
                if (value.pk if value else None) != initial[name]:
                    out[name] = value
            elif value != initial[name] and not (value in (None, "") and initial[name] in (None, "")):
                out[name] = value
        return out


# --------------------------------------------------------------------------- the workflow


class ReportForm(BootstrapMixin, forms.Form):
    percent = forms.IntegerField(
        label=_("Tiến độ (%)"), min_value=0, max_value=100,
        error_messages={"invalid": _("Tiến độ phải là số nguyên từ 0 đến 100.")},
    )
    text = forms.CharField(label=_("Nội dung báo cáo"), widget=forms.Textarea(attrs={"rows": 3}))
    achieved_value = forms.IntegerField(
        label=_("Kết quả đạt được"), required=False, min_value=0,
        error_messages={"invalid": _("Kết quả đạt được phải là số nguyên.")},
    )
    period_start = date_field(
        _("Kỳ báo cáo"), required=False,
        help_text=_("Với nhiệm vụ báo cáo định kỳ: ngày đầu của tháng, quý hoặc năm được báo cáo."),
    )
    files = EvidenceFilesField(
        label=_("Tệp minh chứng"), required=False,
        help_text=_("Có thể chọn nhiều tệp (PDF, DOCX, XLSX, ảnh…)."),
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None and task.recurrence == Task.Recurrence.NONE:
            del self.fields["period_start"]
        if task is not None and task.target_value is None:
            self.fields["achieved_value"].help_text = ""
        if task is not None and task.target_value is not None:
            self.fields["achieved_value"].help_text = _("Chỉ tiêu: %(n)s") % {"n": task.target_value}
        limit = settings.VIGIL_MAX_UPLOAD_BYTES / 1048576
        self.fields["files"].help_text = _("Có thể chọn nhiều tệp; mỗi tệp tối đa %(max)s MB.") % {"max": f"{limit:.0f}"}


class NoteForm(BootstrapMixin, forms.Form):
    """Confirm completion or accept: an optional note."""

    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(BootstrapMixin, forms.Form):
    """Return or cancel: a reason is required."""

    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        value = (self.cleaned_data.get("reason") or "").strip()
        if not value:
            raise forms.ValidationError(_("Hãy ghi lý do."))
        return value


class ExtensionRequestForm(BootstrapMixin, forms.Form):
    new_due_date = date_field(_("Hạn đề nghị"))
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task

    def clean_new_due_date(self):
        value = self.cleaned_data["new_due_date"]
        if self.task is not None and value <= self.task.due_date:
            raise forms.ValidationError(_("Hạn đề nghị phải sau hạn hiện tại (%(d)s).") % {
                "d": self.task.due_date.strftime("%d/%m/%Y")})
        return value


class ExtensionDecideForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        choices=[
            ("", "—"), ("approve", ExtensionRequest.Status.APPROVED.label),
            ("refuse", ExtensionRequest.Status.REFUSED.label),
        ],
    )
    note = forms.CharField(
        label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi không đồng ý gia hạn."),
    )


class CascadeForm(BootstrapMixin, forms.Form):
    lead_units = UnitMultipleChoiceField(
        label=_("Giao tiếp cho đơn vị cấp dưới"), queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Mỗi đơn vị được chọn nhận một nhiệm vụ con; tiến độ của nhiệm vụ này tính từ các nhiệm vụ con."),
    )
    due_date = date_field(
        _("Hạn hoàn thành của nhiệm vụ con"), required=False,
        help_text=_("Để trống: bằng hạn của nhiệm vụ này; không được muộn hơn hạn đó."),
    )

    def __init__(self, *args, user, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.fields["lead_units"].queryset = (
            people_sel.units_where(user=user, action="add")
            .filter(path__startswith=task.lead_unit.path)
            .exclude(pk=task.lead_unit_id)
        )

    def clean_due_date(self):
        value = self.cleaned_data.get("due_date")
        if value and value > self.task.due_date:
            raise forms.ValidationError(_("Hạn của nhiệm vụ con không được muộn hơn hạn của nhiệm vụ (%(d)s).") % {
                "d": self.task.due_date.strftime("%d/%m/%Y")})
        if value and value < today():
            raise forms.ValidationError(_("Hạn hoàn thành không thể là một ngày đã qua."))
        return value


# --------------------------------------------------------------------------- what a user may do


def task_actions(user, task, *, pending=None, has_children: bool | None = None) -> dict[str, bool]:
    """Which workflow steps `user` may take on `task` now: the same rules the services
    enforce (they check again), used to show only the forms that would succeed.
    `pending`: the task's pending extension request, if any."""
    from vigil.core.access import can_in_unit

    if has_children is None:
        has_children = task.children.exists()
    leaf = not has_children
    state = task.state
    lead_change = can_in_unit(user, "change", task.lead_unit)
    lead_approve = can_in_unit(user, "approve", task.lead_unit)
    assigning_change = can_in_unit(user, "change", task.assigning_unit)
    assigning_approve = can_in_unit(user, "approve", task.assigning_unit)
    is_open = state == Task.State.OPEN
    submitted = state == Task.State.SUBMITTED
    return {
        "report": is_open and leaf and lead_change,
        "confirm": is_open and leaf and lead_approve,
        "accept": submitted and leaf and assigning_approve,
        "return": submitted and leaf and assigning_approve,
        "extend": is_open and leaf and lead_change and pending is None,
        "decide": pending is not None and assigning_approve,
        "withdraw": pending is not None and lead_change,
        "cancel": (is_open or submitted) and assigning_change,
        "cascade": is_open and can_in_unit(user, "add", task.lead_unit)
        and (has_children or not task.reports.exists()),
        "edit": (is_open or submitted) and assigning_change,
        "assign": (is_open or submitted) and (lead_change or assigning_change),
    }
