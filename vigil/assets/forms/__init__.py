"""Forms of the registry's pages. Choice lists come from selectors for the user filling
the form (units where they may register systems); the services check everything again
and coerce the values (so these forms stay light: text in, service decides)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import UnitChoiceField, date_field

from .. import selectors as sel
from ..models import InformationSystem, SystemAddress

LEVEL_CHOICES = [("", _("Chưa xác định"))] + [(str(i), _("Cấp độ %(n)s") % {"n": i}) for i in range(1, 6)]


class SystemFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=200)
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None, required=False)
    only_unit = forms.BooleanField(label=_("Chỉ riêng đơn vị này"), required=False)
    level = forms.TypedChoiceField(
        label=_("Cấp độ"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Tất cả"))] + LEVEL_CHOICES[1:],
    )
    important = forms.ChoiceField(
        label=_("Quan trọng về an ninh quốc gia"), required=False,
        choices=[("", _("Tất cả")), ("yes", _("Có")), ("no", _("Không"))],
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Tất cả"))] + list(InformationSystem.Status.choices)
    )
    due = forms.ChoiceField(
        label=_("Hạn rà soát / phê duyệt lại"), required=False,
        choices=[("", _("Tất cả")), ("soon", _("Đến hạn trong 30 ngày")), ("overdue", _("Đã quá hạn"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = sel.units_for_systems(user, "view")

    def filters(self) -> dict:
        """The selector's keyword arguments (empty when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        f = self.cleaned_data
        important = {"yes": True, "no": False}.get(f.get("important") or "")
        return {
            "unit": f.get("unit"), "subtree": not f.get("only_unit"),
            "level": f.get("level"), "important": important, "status": f.get("status") or "",
            "q": f.get("q") or "", "due": f.get("due") or "",
        }


class SystemForm(BootstrapMixin, forms.Form):
    owner_unit = UnitChoiceField(label=_("Đơn vị chủ quản"), queryset=None)
    code = forms.CharField(
        label=_("Mã hệ thống"), max_length=64,
        help_text=_("Mã ngắn, duy nhất trong đơn vị: chữ không dấu, số, “.”, “-”, “_”."),
    )
    name = forms.CharField(label=_("Tên hệ thống"), max_length=300)
    purpose = forms.CharField(label=_("Mục đích, chức năng"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    operator = forms.CharField(label=_("Đơn vị vận hành"), required=False, max_length=300)
    hosting = forms.ChoiceField(label=_("Hình thức triển khai"), choices=InformationSystem.Hosting.choices)
    hosting_detail = forms.CharField(label=_("Nơi đặt hệ thống"), required=False, max_length=300)
    sector = forms.CharField(label=_("Lĩnh vực"), required=False, max_length=64)
    status = forms.ChoiceField(label=_("Tình trạng"), choices=InformationSystem.Status.choices)
    level = forms.ChoiceField(
        label=_("Cấp độ an toàn"), required=False, choices=LEVEL_CHOICES,
        help_text=_("Cấp độ 1–5 theo Nghị định 85/2016/NĐ-CP; để trống nếu chưa xác định."),
    )
    level_decision_number = forms.CharField(label=_("Số quyết định phê duyệt cấp độ"), required=False, max_length=64)
    level_decision_date = date_field(_("Ngày phê duyệt cấp độ"), required=False)
    national_security_important = forms.BooleanField(label=_("Quan trọng về an ninh quốc gia"), required=False)
    review_due = date_field(_("Hạn rà soát"), required=False)
    reapproval_due = date_field(_("Hạn phê duyệt lại hồ sơ cấp độ"), required=False)
    contact_name = forms.CharField(label=_("Người phụ trách"), required=False, max_length=200)
    contact_email = forms.CharField(label=_("Thư điện tử liên hệ"), required=False, max_length=254)
    contact_phone = forms.CharField(label=_("Điện thoại liên hệ"), required=False, max_length=32)
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    addresses = forms.CharField(
        label=_("Địa chỉ"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một địa chỉ IP, dải CIDR, tên miền hoặc URL."),
    )
    software = forms.CharField(
        label=_("Phần mềm (CPE 2.3)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một tên CPE 2.3, ví dụ cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"),
    )

    def __init__(self, *args, user, system=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = sel.units_for_systems(user, "add")
        if system is not None:
            units = units | sel.units_for_systems(user, "view").filter(pk=system.owner_unit_id)
            del self.fields["addresses"]
            del self.fields["software"]
        self.fields["owner_unit"].queryset = units.distinct().order_by("path")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("addresses", "software"):
            if key in data:
                data[key] = [line.strip() for line in (data[key] or "").splitlines() if line.strip()]
        return data


class AddressForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), required=False, choices=[("", _("Tự nhận biết"))] + list(SystemAddress.Kind.choices)
    )
    value = forms.CharField(label=_("Địa chỉ"), max_length=500,
                            help_text=_("Địa chỉ IP, dải CIDR, tên miền hoặc URL."))


class SoftwareForm(BootstrapMixin, forms.Form):
    cpe = forms.CharField(label=_("Tên CPE 2.3"), max_length=500,
                          help_text=_("Ví dụ cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"))
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Tệp CSV hoặc XLSX"))
    skip_bad_lines = forms.BooleanField(
        label=_("Bỏ qua các dòng có lỗi (nhập các dòng hợp lệ)"), required=False,
        help_text=_("Nếu không chọn, chỉ một dòng có lỗi là không dòng nào được nhập."),
    )
