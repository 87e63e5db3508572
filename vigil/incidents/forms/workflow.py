"""Forms of the incident list and of the workflow on an incident's page. Choice lists come
from what the user may see; the services check everything again on submit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core import observables as obs_kinds
from vigil.core.access import visible_to
from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import UnitChoiceField, UnitMultipleChoiceField, date_field
from vigil.core.models import TLP
from vigil.org.models import Unit

from ..models import Incident, Observable, Severity
from ..selectors import incidents as incident_selectors

RELATION_CHOICES = [
    ("any", _("Mọi sự cố tôi được xem")),
    ("owned", _("Sự cố của đơn vị tôi")),
    ("assigned", _("Được giao cho đơn vị tôi")),
    ("waiting", _("Chờ đơn vị tôi trả lời")),
]


def _units(user):
    return visible_to(user, Unit.objects.filter(is_active=True)).select_related("kind").order_by("path")


# The services' names for what these forms call otherwise (for vigil.core.web.map_errors).
SERVICE_ALIASES = {"lead_unit_id": "lead_unit", "incident_unit_id": "reason", "related_id": "reference"}


class IncidentFilterForm(BootstrapMixin, forms.Form):
    """The list's filter fields, for display; the list itself reads the query through
    `selectors.lists.IncidentFilters.parse`, as the API, the CLI and the exports do."""

    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": _("Mã theo dõi hoặc tiêu đề")}))
    state = forms.MultipleChoiceField(label=_("Trạng thái"), required=False, choices=Incident.State.choices,
                                      widget=forms.SelectMultiple(attrs={"size": 4}))
    severity = forms.ChoiceField(label=_("Mức độ"), required=False, choices=[("", "—")] + list(Severity.choices))
    klass = forms.ModelChoiceField(label=_("Nhóm sự cố"), required=False, queryset=incident_selectors.incident_classes())
    incident_type = forms.ModelChoiceField(label=_("Loại sự cố"), required=False,
                                           queryset=incident_selectors.incident_types())
    tlp = forms.ChoiceField(label="TLP", required=False, choices=[("", "—")] + list(TLP.choices))
    unit = UnitChoiceField(label=_("Đơn vị"), required=False, queryset=Unit.objects.none())
    subtree = forms.BooleanField(label=_("Gồm đơn vị cấp dưới"), required=False, initial=True)
    relation = forms.ChoiceField(label=_("Quan hệ"), required=False, choices=RELATION_CHOICES)
    received_from = date_field(_("Tiếp nhận từ ngày"), required=False)
    received_to = date_field(_("đến ngày"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class AssignForm(BootstrapMixin, forms.Form):
    lead_unit = UnitChoiceField(label=_("Đơn vị chủ trì"), queryset=Unit.objects.none())
    supporting_units = UnitMultipleChoiceField(label=_("Đơn vị phối hợp"), required=False,
                                               queryset=Unit.objects.none(),
                                               widget=forms.SelectMultiple(attrs={"size": 5}))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        units = _units(user)
        self.fields["lead_unit"].queryset = units
        self.fields["supporting_units"].queryset = units


class AnswerForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Trả lời"), choices=[("accept", _("Nhận xử lý")), ("decline", _("Từ chối"))])
    reason = forms.CharField(label=_("Lý do (bắt buộc khi từ chối)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Hãy nêu lý do từ chối."))
        return data


class TransitionForm(BootstrapMixin, forms.Form):
    to_state = forms.ChoiceField(label=_("Chuyển sang"), choices=[
        (Incident.State.IN_PROGRESS, Incident.State.IN_PROGRESS.label),
        (Incident.State.CONTAINED, Incident.State.CONTAINED.label),
        (Incident.State.RESOLVED, Incident.State.RESOLVED.label),
    ])
    resolution = forms.CharField(label=_("Kết quả xử lý (bắt buộc khi chuyển sang Đã khắc phục)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, choices=None, **kwargs):
        kwargs.setdefault("prefix", "transition")
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["to_state"].choices = [(c, Incident.State(c).label) for c in choices]


class CloseForm(BootstrapMixin, forms.Form):
    root_cause = forms.CharField(label=_("Nguyên nhân gốc"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons_learned = forms.CharField(label=_("Bài học kinh nghiệm"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(BootstrapMixin, forms.Form):
    body = forms.CharField(label=_("Bình luận"), max_length=20000, widget=forms.Textarea(attrs={
        "rows": 3, "placeholder": _("Gõ @tên_đăng_nhập để nhắc đến đồng nghiệp")}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)


class TaskForm(BootstrapMixin, forms.Form):
    unit = forms.ChoiceField(label=_("Đơn vị thực hiện"))
    template = forms.ChoiceField(label=_("Theo mẫu danh mục kiểm tra"), required=False)
    title = forms.CharField(label=_("Tiêu đề"), required=False, max_length=300)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    assignee = forms.CharField(label=_("Người thực hiện (tên đăng nhập)"), required=False, max_length=150)
    items = forms.CharField(label=_("Các bước (mỗi dòng một bước)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=(), templates=(), **kwargs):
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.display_name) for u in units]
        self.fields["template"].choices = [("", "—")] + [(t.code, t.display_name) for t in templates]

    def item_lines(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("items") or "").splitlines() if line.strip()]


class ObservableForm(BootstrapMixin, forms.Form):
    value = forms.CharField(label=_("Giá trị"), max_length=2000, widget=forms.TextInput(attrs={
        "placeholder": "hxxp://example[.]com, 1.2.3[.]4, …"}))
    kind = forms.ChoiceField(label=_("Loại"), required=False,
                             choices=[("", _("Tự nhận biết"))] + list(Observable.Kind.choices))
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)
    is_ioc = forms.BooleanField(label=_("Là dấu hiệu tấn công (IOC)"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "observable")
        super().__init__(*args, **kwargs)

    def clean_kind(self):
        kind = self.cleaned_data.get("kind") or ""
        return kind if kind in obs_kinds.KINDS else None


class EvidenceForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Tệp"))
    description = forms.CharField(label=_("Mô tả"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "evidence")
        super().__init__(*args, **kwargs)


class RelatedForm(BootstrapMixin, forms.Form):
    reference = forms.CharField(label=_("Mã theo dõi sự cố liên quan"), max_length=32)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "related")
        super().__init__(*args, **kwargs)
