"""Forms of the unit pages: create, edit, move a unit; declare constituency; who owns."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import BootstrapMixin

from ..models import ConstituencyEntry


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown indented by depth, so a flat list reads as the tree."""

    def label_from_instance(self, obj):
        return f"{'— ' * obj.depth}{obj.display_name} ({obj.code})"


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ScopedForm(forms.Form):
    """A form whose choices depend on the user: the view passes them as `querysets`
    (from selectors). They are set before anything validates, then the widgets get
    Bootstrap's classes (as core's BootstrapMixin does, which validates too early for this)."""

    def __init__(self, *args, querysets: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, qs in (querysets or {}).items():
            self.fields[name].queryset = qs
        for name, field in self.fields.items():
            widget = field.widget
            if getattr(widget, "input_type", "") == "checkbox":
                base = "form-check-input"
            elif isinstance(widget, forms.Select):
                base = "form-select"
            else:
                base = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {base}".strip()
            if self.is_bound and name in self.errors:
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"


class UnitFieldsMixin(ScopedForm):
    name = forms.CharField(label=_("Tên"), max_length=255)
    name_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=255, required=False)
    short_name = forms.CharField(label=_("Tên viết tắt"), max_length=64, required=False)
    kind = KindChoiceField(label=_("Loại đơn vị"), queryset=None, to_field_name="code")
    admin_code = forms.CharField(
        label=_("Mã đơn vị hành chính"), max_length=16, required=False,
        help_text=_("Mã tỉnh/thành theo danh mục của Tổng cục Thống kê (nếu có)."),
    )
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=40, required=False)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ("name", "name_en", "short_name", "kind", "admin_code", "email", "phone", "address", "description")


class UnitCreateForm(UnitFieldsMixin):
    parent = UnitChoiceField(
        label=_("Đơn vị cấp trên"), queryset=None, required=False,
        help_text=_("Để trống để tạo đơn vị gốc (chỉ quản trị hệ thống)."),
    )
    code = forms.SlugField(
        label=_("Mã"), max_length=64,
        help_text=_("Chữ thường không dấu, số và gạch nối, ví dụ: ha-noi-so-tc. Không đổi được sau khi tạo."),
    )

    field_order = ["parent", "code", *UnitFieldsMixin.FIELDS]


class UnitEditForm(UnitFieldsMixin):
    is_active = forms.BooleanField(label=_("Đang hoạt động"), required=False)


class UnitMoveForm(ScopedForm):
    new_parent = UnitChoiceField(label=_("Đơn vị cấp trên mới"), queryset=None)


class ConstituencyForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), required=False,
        choices=[("", _("Tự nhận biết"))] + list(ConstituencyEntry.Kind.choices),
    )
    values = forms.CharField(
        label=_("Giá trị"), max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "placeholder": "203.0.113.0/24\n2001:db8::/32\nAS64500\nexample.gov.vn"}),
        help_text=_("Mỗi dòng một giá trị: địa chỉ IP hoặc dải CIDR (IPv4, IPv6), số hiệu mạng (AS64500) hoặc tên miền (gồm cả tên miền con)."),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class WhoOwnsForm(BootstrapMixin, forms.Form):
    value = forms.CharField(
        label=_("Địa chỉ IP, dải CIDR, tên miền, URL hoặc ASN"), max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "203.0.113.7 · www.example.gov.vn · AS64500", "autofocus": True}),
    )
