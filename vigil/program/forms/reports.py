"""The form of the pre-meeting report page: the meeting being prepared, or a unit and a
period; whether to take in the unit's whole subtree; the report's language.

Choices come from selectors for the user filling the form; the report's own lookups
(`reports.exports.report_params`) check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import BAD_DATE, DATE_FORMATS, DateInput, UnitChoiceField
from vigil.core.refs import is_pk
from vigil.org.selectors import people as people_sel

from ..documents import premeeting as premeeting_sel


class MeetingField(forms.ChoiceField):
    """The latest meetings are offered; any other meeting id (a link, an older meeting)
    is accepted here and looked up through the access layer by the report."""

    def valid_value(self, value):
        return is_pk(value) or super().valid_value(value)


class PreMeetingReportForm(BootstrapMixin, forms.Form):
    meeting = MeetingField(
        label=_("Phiên họp cần chuẩn bị"), required=False,
        help_text=_("Kỳ báo cáo tính từ phiên họp trước của cùng cơ quan đến phiên họp này."),
    )
    unit = UnitChoiceField(
        label=_("Hoặc đơn vị (cơ quan họp)"), queryset=None, required=False,
        error_messages={"invalid_choice": _("Đơn vị không tồn tại hoặc bạn không được chọn đơn vị này.")},
    )
    since = forms.DateField(
        label=_("Từ ngày"), required=False, widget=DateInput, input_formats=DATE_FORMATS,
        help_text=_("Để trống: từ phiên họp gần nhất của đơn vị."), error_messages={"invalid": BAD_DATE},
    )
    until = forms.DateField(
        label=_("Đến ngày"), required=False, widget=DateInput, input_formats=DATE_FORMATS,
        help_text=_("Để trống: hôm nay."), error_messages={"invalid": BAD_DATE},
    )
    subtree = forms.BooleanField(label=_("Gồm cả nhiệm vụ của các đơn vị cấp dưới"), required=False)
    lang = forms.ChoiceField(
        label=_("Ngôn ngữ báo cáo"), required=False, choices=[("vi", "Tiếng Việt"), ("en", "English")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        meetings = premeeting_sel.meeting_choices(user=user)
        self.fields["meeting"].choices = [("", "—")] + [
            (str(m.pk), f"{m.held_on:%d/%m/%Y} · {m.body_unit.display_name} · {m.title}") for m in meetings
        ]
        self.fields["meeting"].error_messages["invalid_choice"] = _(
            "Phiên họp không tồn tại hoặc bạn không được xem phiên họp này."
        )
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="view")
        self.fields["lang"].initial = (get_language() or "vi")[:2]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("meeting") and not data.get("unit"):
            self.add_error("unit", _("Hãy chọn phiên họp hoặc đơn vị cần báo cáo."))
        return data
