"""Forms of intake and triage: the report form (with indicators one per line and several
attachments), the triage form and the merge form.

Choice lists come from reads for the user filling the form (systems they may see, units
they belong to, units they may change); the services check everything again on submit.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import UnitChoiceField, UnitMultipleChoiceField
from vigil.core.models import TLP
from vigil.org.selectors import people as people_sel
from vigil.org.selectors import units as unit_sel

from ..models import PAP, Level

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; the intake service checks each (size, sniffed type,
    digest) and names a refused one on this field."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        single = super().clean
        return [single(item, initial) for item in items if item]


class SystemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.owner_unit.display_name}"


class ReportForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    description = forms.CharField(
        label=_("Mô tả sự cố"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Diễn biến, dấu hiệu phát hiện, ảnh hưởng, biện pháp đã làm."),
    )
    detected_at = forms.DateTimeField(
        label=_("Thời điểm phát hiện"), required=False, widget=DateTimeInput, input_formats=DATETIME_FORMATS,
        error_messages={"invalid": _("Thời điểm không hợp lệ.")},
    )
    reporter_unit = UnitChoiceField(label=_("Báo cáo thay mặt đơn vị"), queryset=None, required=False)
    systems = SystemsField(
        label=_("Hệ thống bị ảnh hưởng"), queryset=None, required=False,
        error_messages={"invalid_choice": _("Hệ thống không tồn tại hoặc bạn không được chọn.")},
    )
    observables = forms.CharField(
        label=_("Dấu hiệu (IP, tên miền, URL, thư điện tử, mã băm)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Mỗi dòng một dấu hiệu; chấp nhận dạng đã vô hiệu hoá như hxxp://evil[.]com."),
    )
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices, initial=TLP.AMBER)
    reporter_phone = forms.CharField(label=_("Điện thoại liên hệ"), max_length=32, required=False)
    attachments = AttachmentsField(label=_("Tệp đính kèm"), required=False)

    def __init__(self, *args, user, units, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporter_unit"].queryset = units
        self.fields["systems"].queryset = systems
        if not systems.exists():
            del self.fields["systems"]

    def clean_detected_at(self):
        value = self.cleaned_data.get("detected_at")
        if value and value > timezone.now() + timezone.timedelta(minutes=10):
            raise forms.ValidationError(_("Thời điểm phát hiện không thể ở tương lai."))
        return value


class TriageForm(BootstrapMixin, forms.Form):
    incident_type = forms.ModelChoiceField(
        label=_("Loại sự cố"), queryset=None,
        error_messages={"invalid_choice": _("Hãy chọn loại sự cố trong bảng phân loại.")},
    )
    impact = forms.TypedChoiceField(label=_("Mức ảnh hưởng"), choices=Level.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Mức khẩn cấp"), choices=Level.choices, coerce=int)
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices)
    pap = forms.ChoiceField(label="PAP", choices=PAP.choices)
    owner_unit = UnitChoiceField(label=_("Đơn vị sở hữu"), queryset=None)
    sector = forms.ChoiceField(label=_("Lĩnh vực"), required=False,
                               help_text=_("Lĩnh vực quyết định báo cáo bắt buộc và thời hạn báo cáo."))
    shared_with = UnitMultipleChoiceField(label=_("Chia sẻ với đơn vị (TLP:AMBER)"), queryset=None, required=False)

    def __init__(self, *args, user, types, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_type"].queryset = types
        self.fields["incident_type"].label_from_instance = lambda t: f"{t.klass.display_name} › {t.display_name}"
        sectors = unit_sel.sector_choices(blank="—")
        if incident.sector and incident.sector not in dict(sectors):  # a sector since retired stays until changed
            sectors.append((incident.sector, incident.sector))
        self.fields["sector"].choices = sectors
        owners = people_sel.units_where(user=user, action="change")
        self.fields["owner_unit"].queryset = owners | people_sel.units_where(user=user, action="view").filter(
            pk=incident.owner_unit_id
        )
        self.fields["shared_with"].queryset = people_sel.units_where(user=user, action="view")


class MergeForm(BootstrapMixin, forms.Form):
    into = forms.ModelChoiceField(
        label=_("Gộp vào sự cố"), queryset=None,
        error_messages={"invalid_choice": _("Hãy chọn sự cố để gộp vào.")},
    )
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets
        self.fields["into"].label_from_instance = lambda i: f"{i.reference} — {i.title}"
