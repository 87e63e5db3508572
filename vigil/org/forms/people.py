"""Forms of the people pages: people, memberships, decisions, completeness.

Choice lists come from selectors for the user filling the form, so nobody is offered a
unit, person or role they could not use; the services check again on submit.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.models import TLP

from ..models import DecisionItem, MembershipDecision
from ..selectors import memberships as membership_sel
from ..selectors import people as people_sel


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'— ' * max(obj.depth, 0)}{obj.display_name}"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} — {obj.home_unit.display_name}"


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


# --------------------------------------------------------------------------- filters


class PersonFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    unit = UnitChoiceField(label=_("Đơn vị (kể cả cấp dưới)"), queryset=None, required=False)
    role = forms.CharField(label=_("Vai trò"), required=False, widget=forms.Select)
    active = forms.ChoiceField(
        label=_("Trạng thái"), required=False,
        choices=[("1", _("Đang công tác")), ("0", _("Đã thôi công tác")), ("", _("Tất cả"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="view")
        roles = [("", _("Tất cả"))] + [(r.code, r.display_name) for r in membership_sel.role_list(user=user)]
        self.fields["role"].widget.choices = roles
        self.fields["role"].widget.attrs["class"] = "form-select"


class DecisionFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    unit = UnitChoiceField(label=_("Đơn vị (kể cả cấp dưới)"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False,
        choices=[("", _("Tất cả"))] + list(MembershipDecision.Status.choices),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="view")


class CompletenessFilterForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label=_("Tính đến ngày"), required=False, widget=DateInput)
    unit = UnitChoiceField(label=_("Đơn vị (kể cả cấp dưới)"), queryset=None, required=False)
    incomplete = forms.BooleanField(label=_("Chỉ đơn vị chưa kiện toàn"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="view")


# --------------------------------------------------------------------------- people


class PersonForm(BootstrapMixin, forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    position = forms.CharField(label=_("Chức vụ"), max_length=200, required=False)
    home_unit = UnitChoiceField(label=_("Đơn vị công tác"), queryset=None)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=40, required=False)
    is_active = forms.BooleanField(label=_("Đang công tác"), required=False, initial=True)

    def __init__(self, *args, user, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = people_sel.units_where(user=user, action="add")
        if person is not None:
            units = units | people_sel.units_where(user=user, action="view").filter(pk=person.home_unit_id)
        self.fields["home_unit"].queryset = units.distinct()
        if person is None:
            del self.fields["is_active"]


class MembershipForm(BootstrapMixin, forms.Form):
    person = PersonChoiceField(label=_("Cán bộ"), queryset=None)
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None)
    role = RoleChoiceField(label=_("Vai trò"), queryset=None)
    since = forms.DateField(label=_("Từ ngày"), widget=DateInput)
    until = forms.DateField(
        label=_("Đến ngày"), required=False, widget=DateInput,
        help_text=_("Ngày đầu tiên không còn giữ vai trò; để trống nếu chưa xác định."),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, user, unit=None, person=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("since", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_sel.person_list(user=user, active=True).select_related("home_unit")
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="manage_members")
        self.fields["role"].queryset = membership_sel.role_list(user=user)
        if unit is not None:
            self.fields["unit"].queryset = self.fields["unit"].queryset.filter(pk=unit.pk)
            self.fields["unit"].initial = unit.pk
            self.fields["unit"].widget = forms.HiddenInput()
        if person is not None:
            self.fields["person"].queryset = self.fields["person"].queryset.filter(pk=person.pk)
            self.fields["person"].initial = person.pk
            self.fields["person"].widget = forms.HiddenInput()


class MembershipEndForm(BootstrapMixin, forms.Form):
    until = forms.DateField(
        label=_("Ngày kết thúc"), widget=DateInput,
        help_text=_("Từ ngày này cán bộ không còn giữ vai trò."),
    )
    note = forms.CharField(label=_("Lý do / ghi chú"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("until", timezone.localdate())
        super().__init__(*args, **kwargs)


# --------------------------------------------------------------------------- decisions


class DecisionForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(
        label=_("Đơn vị được kiện toàn"), queryset=None,
        help_text=_("Đơn vị có ban/tổ mà quyết định này kiện toàn."),
    )
    number = forms.CharField(label=_("Số quyết định"), max_length=64)
    date = forms.DateField(label=_("Ngày ký"), widget=DateInput)
    effective_date = forms.DateField(
        label=_("Ngày hiệu lực"), widget=DateInput, required=False,
        help_text=_("Để trống nếu có hiệu lực từ ngày ký."),
    )
    issuer = forms.CharField(label=_("Cơ quan/người ban hành"), max_length=255)
    title = forms.CharField(label=_("Trích yếu"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    tlp = forms.ChoiceField(label=_("Mức chia sẻ (TLP)"), choices=TLP.choices, initial=TLP.AMBER)
    shared_with = UnitMultipleChoiceField(
        label=_("Chia sẻ thêm với đơn vị (TLP:AMBER)"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    recipients = forms.CharField(
        label=_("Người nhận (TLP:RED)"), required=False, max_length=1000,
        help_text=_("Tên đăng nhập, cách nhau bởi dấu phẩy. Chỉ những người này (và người tạo) được xem."),
    )
    signed_file = forms.FileField(
        label=_("Tệp quyết định đã ký (PDF)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, user, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = people_sel.units_where(user=user, action="manage_members")
        self.fields["shared_with"].queryset = people_sel.units_where(user=user, action="view")
        if decision is not None:
            del self.fields["unit"]
            del self.fields["signed_file"]

    def clean_recipients(self):
        raw = self.cleaned_data.get("recipients") or ""
        return [name.strip() for name in raw.replace(";", ",").split(",") if name.strip()]


class DecisionItemForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(label=_("Nội dung"), choices=DecisionItem.Action.choices)
    person = PersonChoiceField(label=_("Cán bộ"), queryset=None)
    role = RoleChoiceField(label=_("Vai trò"), queryset=None)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_sel.person_list(user=user).select_related("home_unit")
        self.fields["role"].queryset = membership_sel.role_list(user=user)


class DecisionFileForm(BootstrapMixin, forms.Form):
    signed_file = forms.FileField(
        label=_("Tệp quyết định đã ký (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class TargetForm(BootstrapMixin, forms.Form):
    target_date = forms.DateField(label=_("Hạn kiện toàn"), widget=DateInput)
    note = forms.CharField(label=_("Căn cứ / ghi chú"), max_length=300, required=False)
    # The id of the target the user saw (0: none yet): a target set meanwhile refuses the change.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
