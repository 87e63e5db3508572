"""Forms of the meeting and work programme pages: meetings, attendees, connected sites,
documents, the conclusion notice and its items, tasks from a conclusion or a programme.

Choice lists come from selectors for the user filling the form, so nobody is offered a
unit or person they could not use; the services check everything again on submit.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import (
    DateInput,
    PersonChoiceField,
    TimeInput,
    UnitChoiceField,
    UnitMultipleChoiceField,
)
from vigil.core.refs import is_pk
from vigil.org.selectors import people as people_sel

from ..models import Meeting, MeetingAttendee, MeetingDocument, Task, WorkProgramme
from ..selectors import meetings as meeting_sel
from ..selectors import programmes as programme_sel

# The services' names for what these forms call otherwise (for vigil.core.web.map_errors).
SERVICE_ALIASES = {"body_unit_id": "body_unit", "unit_id": "unit", "person_id": "person", "upload": "file"}


def _year_choices(years, blank=True):
    choices = [(str(y), str(y)) for y in years]
    return ([("", _("Tất cả"))] if blank else []) + choices


# --------------------------------------------------------------------------- meetings


class MeetingFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    body_unit = UnitChoiceField(label=_("Cơ quan họp"), queryset=None, required=False)
    year = forms.IntegerField(label=_("Năm"), required=False, min_value=1900, max_value=2100, widget=forms.Select)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả"))] + list(Meeting.Status.choices)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body_unit"].queryset = meeting_sel.units_visible(user=user)
        self.fields["year"].widget.choices = _year_choices(meeting_sel.meeting_years(user=user))


class MeetingForm(BootstrapMixin, forms.Form):
    body_unit = UnitChoiceField(
        label=_("Cơ quan họp"), queryset=None,
        help_text=_("Đơn vị có ban/tổ họp: Ban Chỉ đạo, tiểu ban, tổ công tác."),
    )
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    kind = forms.ChoiceField(label=_("Loại phiên họp"), choices=Meeting.Kind.choices, initial=Meeting.Kind.REGULAR)
    held_on = forms.DateField(label=_("Ngày họp"), widget=DateInput)
    start_time = forms.TimeField(label=_("Giờ bắt đầu"), required=False, widget=TimeInput)
    location = forms.CharField(label=_("Địa điểm"), max_length=300, required=False)
    is_online = forms.BooleanField(label=_("Họp trực tuyến nhiều điểm cầu"), required=False)
    chair = PersonChoiceField(label=_("Chủ trì"), queryset=None, required=False)
    agenda = forms.CharField(label=_("Chương trình họp"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    minutes = forms.CharField(label=_("Biên bản"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, user, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The chair is one of the body's members (not anyone of the 52 people one may see),
        # pre-filled with the body's head.
        if meeting is None:
            bodies = meeting_sel.body_units_for_create(user=user)
            self.fields["body_unit"].queryset = bodies
            chosen = _chosen_unit(self.data.get(self.add_prefix("body_unit")) or self.initial.get("body_unit"), bodies)
            self.fields["chair"].queryset = meeting_sel.chair_candidates(
                user=user, body_units=[chosen] if chosen else bodies)
            if chosen and not self.initial.get("chair"):
                self.initial["chair"] = getattr(meeting_sel.body_head(unit=chosen), "pk", None)
        else:
            del self.fields["body_unit"]
            self.fields["chair"].queryset = meeting_sel.chair_candidates(
                user=user, body_units=[meeting.body_unit_id], on=meeting.held_on, keep=meeting.chair_id)
            if not self.initial.get("chair"):
                self.initial["chair"] = getattr(meeting_sel.body_head(unit=meeting.body_unit, on=meeting.held_on),
                                                "pk", None)


def _chosen_unit(value, bodies):
    """The body unit a form names (an id from the page, or a unit), among `bodies`."""
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    if is_pk(pk):
        return bodies.filter(pk=int(pk)).first()
    return bodies.filter(code=str(pk)[:64]).first()


class NoticeForm(BootstrapMixin, forms.Form):
    notice_number = forms.CharField(label=_("Số thông báo kết luận"), max_length=64, required=False)
    notice_date = forms.DateField(label=_("Ngày thông báo kết luận"), required=False, widget=DateInput)


class MeetingStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Meeting.Status.choices)


class AttendeeForm(BootstrapMixin, forms.Form):
    person = PersonChoiceField(
        label=_("Thành viên"), queryset=None,
        help_text=_("Thành viên của ban vào ngày họp, chưa có trong danh sách."),
    )
    presence = forms.ChoiceField(label=_("Tham dự"), choices=MeetingAttendee.Presence.choices)
    delegate_name = forms.CharField(label=_("Người dự thay"), max_length=200, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, user, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [m.person_id for m in meeting_sel.body_members(user=user, meeting=meeting, not_listed=True)]
        self.fields["person"].queryset = people_sel.person_list(user=user).filter(pk__in=ids)


class AttendeeEditForm(BootstrapMixin, forms.Form):
    presence = forms.ChoiceField(label=_("Tham dự"), choices=MeetingAttendee.Presence.choices)
    delegate_name = forms.CharField(label=_("Người dự thay"), max_length=200, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class SiteForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Điểm cầu"), queryset=None)
    attended = forms.BooleanField(label=_("Đã kết nối"), required=False, initial=True)
    participants = forms.IntegerField(label=_("Số người dự"), required=False, min_value=0)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = meeting_sel.units_visible(user=user)


class SiteEditForm(BootstrapMixin, forms.Form):
    attended = forms.BooleanField(label=_("Đã kết nối"), required=False)
    participants = forms.IntegerField(label=_("Số người dự"), required=False, min_value=0)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class DocumentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Tệp"))
    title = forms.CharField(
        label=_("Tên tài liệu"), max_length=300, required=False, help_text=_("Để trống: dùng tên tệp.")
    )
    kind = forms.ChoiceField(
        label=_("Loại tài liệu"), choices=MeetingDocument.Kind.choices, initial=MeetingDocument.Kind.MATERIAL
    )


class ConclusionForm(BootstrapMixin, forms.Form):
    number = forms.IntegerField(
        label=_("Mục số"), required=False, min_value=1, max_value=32767,
        help_text=_("Để trống: số tiếp theo."),
    )
    text = forms.CharField(label=_("Nội dung kết luận"), widget=forms.Textarea(attrs={"rows": 3}))


# --------------------------------------------------------------------------- tasks


class _TaskFields(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Tên nhiệm vụ"), max_length=300)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lead_units = UnitMultipleChoiceField(
        label=_("Đơn vị chủ trì"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    supporting_units = UnitMultipleChoiceField(
        label=_("Đơn vị phối hợp"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    start_date = forms.DateField(label=_("Ngày bắt đầu"), required=False, widget=DateInput,
                                 help_text=_("Để trống: hôm nay."))
    due_date = forms.DateField(label=_("Hạn hoàn thành"), widget=DateInput)
    product = forms.ChoiceField(label=_("Sản phẩm"), choices=Task.Product.choices, initial=Task.Product.DOCUMENT)
    product_description = forms.CharField(label=_("Mô tả sản phẩm"), max_length=500, required=False)
    target_value = forms.IntegerField(label=_("Chỉ tiêu"), required=False, min_value=0)
    priority = forms.TypedChoiceField(
        label=_("Mức ưu tiên"), choices=Task.Priority.choices, coerce=int, initial=Task.Priority.NORMAL
    )
    recurrence = forms.ChoiceField(label=_("Định kỳ báo cáo"), choices=Task.Recurrence.choices,
                                   initial=Task.Recurrence.NONE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = people_sel.units_where(user=user, action="add")
        self.fields["lead_units"].queryset = units
        self.fields["supporting_units"].queryset = meeting_sel.units_visible(user=user)


class ConclusionTaskForm(_TaskFields):
    all_of_kind = forms.ChoiceField(
        label=_("Hoặc giao cho mọi đơn vị thuộc loại"), required=False,
        help_text=_("Ví dụ: tất cả tỉnh, thành phố — mỗi đơn vị nhận một nhiệm vụ con."),
    )
    field_order = ["title", "description", "lead_units", "all_of_kind"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        kinds = [(k.code, k.display_name) for k in meeting_sel.unit_kinds(user=user)]
        self.fields["all_of_kind"].choices = [("", "—")] + kinds
        self.fields["lead_units"].help_text = _("Chọn một hay nhiều đơn vị; nhiều đơn vị: mỗi đơn vị một nhiệm vụ con.")

    def clean(self):
        data = super().clean()
        if not data.get("lead_units") and not data.get("all_of_kind"):
            self.add_error("lead_units", _("Hãy chọn đơn vị chủ trì, hoặc một loại đơn vị."))
        return data


class ProgrammeTaskForm(_TaskFields):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["lead_units"].help_text = _("Để trống: chính đơn vị có chương trình chủ trì.")


# --------------------------------------------------------------------------- programmes


class ProgrammeFilterForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None, required=False)
    year = forms.IntegerField(label=_("Năm"), required=False, min_value=1900, max_value=2100, widget=forms.Select)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả"))] + list(WorkProgramme.Status.choices)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = meeting_sel.units_visible(user=user)
        self.fields["year"].widget.choices = _year_choices(programme_sel.programme_years(user=user))


class ProgrammeForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None)
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Tên chương trình"), max_length=300)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is None:
            self.fields["unit"].queryset = programme_sel.units_for_programme(user=user)
        else:
            del self.fields["unit"]
            del self.fields["year"]
