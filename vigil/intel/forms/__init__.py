"""Forms of the intelligence pages. Choice lists come from selectors for the user filling
the form (units where they may add, sources they may import into); the services check
everything again, so these forms stay light: text in, the service decides."""

from __future__ import annotations

import json

from django import forms
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from vigil.core import safejson
from vigil.core.access import visible_to
from vigil.core.forms import BootstrapMixin
from vigil.core.forms.fields import UnitChoiceField, UnitMultipleChoiceField
from vigil.core.models import TLP
from vigil.org.selectors.people import units_where

from .. import selectors as sel
from .. import types
from ..formats import IMPORTERS
from ..models import Feed, Source

STATUS_CHOICES = [
    ("active", _("Đang hiệu lực")), ("expired", _("Đã hết hạn")), ("warninglisted", _("Trong danh sách cảnh báo")),
    ("revoked", _("Đã thu hồi")), ("all", _("Tất cả")),
]
OPTIONAL_TLP = [("", _("Mặc định của nguồn"))] + list(TLP.choices)
TYPE_CHOICES = types.choices()


def import_format_choices() -> list[tuple[str, str]]:
    """Registered import formats with their labels (the registry is the only list)."""
    out = []
    for code, dotted in IMPORTERS.items():
        try:
            label = import_string(dotted).label or code
        except ImportError:  # a format registered before its module landed
            continue
        out.append((code, label))
    return out


def _json_options(value: str) -> dict:
    text = (value or "").strip()
    if not text:
        return {}
    try:
        data = safejson.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(_("Tuỳ chọn phải là đối tượng JSON hợp lệ (lỗi ở vị trí %(pos)s).")
                                    % {"pos": exc.pos}) from None
    if not isinstance(data, dict):
        raise forms.ValidationError(_("Tuỳ chọn phải là đối tượng JSON, ví dụ {\"type\": \"domain\"}."))
    return data


class SourceChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {
            "invalid_choice": _("Nguồn không tồn tại hoặc bạn không được ghi vào nguồn này.")})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.owner_unit.display_name}"


def addable_units(user):
    """Active units where `user` may add (indicators, sightings, sources)."""
    return units_where(user=user, action="add")


# --------------------------------------------------------------------------- indicators


class IndicatorFilterForm(BootstrapMixin, forms.Form):
    """Shows the list's filters; the values are parsed by `selectors.IndicatorFilters`."""

    q = forms.CharField(label=_("Tìm giá trị"), required=False, max_length=2048)
    type = forms.MultipleChoiceField(label=_("Loại"), required=False, choices=TYPE_CHOICES,
                                     widget=forms.SelectMultiple(attrs={"size": 4}))
    status = forms.ChoiceField(label=_("Trạng thái"), required=False, choices=STATUS_CHOICES)
    source = forms.ChoiceField(label=_("Nguồn"), required=False)
    tag = forms.CharField(label=_("Thẻ"), required=False, max_length=255)
    min_confidence = forms.CharField(label=_("Độ tin cậy tối thiểu"), required=False, max_length=3)
    max_tlp = forms.ChoiceField(label=_("TLP tối đa"), required=False, choices=[("", _("Tất cả"))] + list(TLP.choices))
    max_age_days = forms.CharField(label=_("Thấy trong (ngày)"), required=False, max_length=5)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("Tất cả"))] + [(str(s.pk), s.name) for s in sel.sources(user)]


class IndicatorForm(BootstrapMixin, forms.Form):
    type = forms.ChoiceField(label=_("Loại chỉ báo"), choices=TYPE_CHOICES)
    value = forms.CharField(label=_("Giá trị"), max_length=2048,
                            help_text=_("Có thể dán giá trị đã vô hiệu hoá, ví dụ hxxp://lua-dao[.]vn."))
    unit = UnitChoiceField(label=_("Đơn vị ghi nhận"), queryset=None)
    tlp = forms.ChoiceField(label=_("TLP"), choices=TLP.choices, initial=TLP.AMBER)
    confidence = forms.IntegerField(label=_("Độ tin cậy (0–100)"), required=False, min_value=0, max_value=100)
    tags = forms.CharField(label=_("Thẻ"), required=False, max_length=2000,
                           help_text=_("Phân cách bằng dấu phẩy, ví dụ tlp:amber, lừa đảo."))
    attack_ids = forms.CharField(label=_("Kỹ thuật ATT&CK"), required=False, max_length=500,
                                 help_text=_("Phân cách bằng dấu phẩy, ví dụ T1566, T1071.001."))
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = addable_units(user)

    @staticmethod
    def _split(text: str) -> list[str]:
        return [part.strip() for part in (text or "").split(",") if part.strip()]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "unit": d["unit"], "type": d["type"], "value": d["value"], "tlp": d["tlp"],
            "confidence": d.get("confidence"), "tags": self._split(d.get("tags")),
            "attack_ids": self._split(d.get("attack_ids")), "description": d.get("description") or "",
        }


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Ví dụ: nhận diện nhầm, tên miền đã được chủ sở hữu hợp pháp thu hồi."))


class AllowForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do kích hoạt"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ví dụ: trang lừa đảo đặt trên nền tảng lưu trữ phổ biến; tên miền con không thuộc chủ "
                    "sở hữu tên miền chính."),
    )


class SightingForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị phát hiện"), queryset=None)
    seen_at = forms.DateTimeField(
        label=_("Thời điểm thấy"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": _("Thời điểm không hợp lệ.")}, help_text=_("Để trống: bây giờ."),
    )
    count = forms.IntegerField(label=_("Số lần"), min_value=1, initial=1)
    tlp = forms.ChoiceField(label=_("TLP"), choices=TLP.choices, initial=TLP.AMBER)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=5000)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class PromoteForm(BootstrapMixin, forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị ghi nhận"), queryset=None)
    tlp = forms.ChoiceField(label=_("TLP"), required=False,
                            choices=[("", _("Theo nhãn của sự cố"))] + list(TLP.choices))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


# --------------------------------------------------------------------------- sources


class SourceForm(BootstrapMixin, forms.Form):
    owner_unit = UnitChoiceField(label=_("Đơn vị sở hữu"), queryset=None)
    name = forms.CharField(label=_("Tên nguồn"), max_length=200)
    kind = forms.ChoiceField(label=_("Loại nguồn"), choices=Source.Kind.choices, initial=Source.Kind.PARTNER)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reliability = forms.ChoiceField(label=_("Độ tin cậy của nguồn"), choices=Source.Reliability.choices,
                                    initial=Source.Reliability.F)
    default_confidence = forms.IntegerField(label=_("Độ tin cậy mặc định (0–100)"), min_value=0, max_value=100,
                                            initial=50)
    lifetime_days = forms.IntegerField(label=_("Thời gian sống (ngày)"), required=False, min_value=1,
                                       help_text=_("Để trống để dùng mô hình suy giảm theo loại chỉ báo."))
    tlp = forms.ChoiceField(label=_("TLP"), choices=TLP.choices, initial=TLP.AMBER,
                            help_text=_("Nhãn mặc định của các chỉ báo từ nguồn này."))
    shared_with = UnitMultipleChoiceField(
        label=_("Chia sẻ với đơn vị (TLP:AMBER)"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Ngoài đơn vị sở hữu, các đơn vị này thấy chỉ báo TLP:AMBER của nguồn."),
    )
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args, user, source=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = addable_units(user)
        if source is not None:
            units = units | units_where(user=user, action="view").filter(pk=source.owner_unit_id)
            self.fields["owner_unit"].disabled = True
        self.fields["owner_unit"].queryset = units.distinct().order_by("path")
        self.fields["shared_with"].queryset = units_where(user=user, action="view")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["shared_with"] = list(data.get("shared_with") or [])
        return data


# --------------------------------------------------------------------------- imports and feeds


def importable_sources(user):
    """Active sources the user may add claims to (their unit's, or below)."""
    return visible_to(user, sel.sources(user, include_inactive=False), "add")


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Tệp"), help_text=_("Tệp .txt, .csv hoặc .json (STIX 2.1, sự kiện MISP)."))
    source = SourceChoiceField(label=_("Nguồn"), queryset=None)
    format = forms.ChoiceField(label=_("Định dạng"), choices=())
    type = forms.ChoiceField(label=_("Loại chỉ báo"), required=False,
                             choices=[("", _("Tự nhận diện"))] + TYPE_CHOICES,
                             help_text=_("Với danh sách và CSV: loại của mọi dòng (để trống để tự nhận diện)."))
    tlp = forms.ChoiceField(label=_("TLP"), required=False, choices=OPTIONAL_TLP)
    confidence = forms.IntegerField(label=_("Độ tin cậy (0–100)"), required=False, min_value=0, max_value=100,
                                    help_text=_("Để trống: độ tin cậy mặc định của nguồn."))
    options = forms.CharField(label=_("Tuỳ chọn định dạng (JSON)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Với CSV: ánh xạ cột, ví dụ {\"mapping\": {\"value\": \"ioc\"}}."))
    skip_invalid = forms.BooleanField(
        label=_("Bỏ qua các dòng lỗi (nhập các dòng hợp lệ)"), required=False,
        help_text=_("Nếu không chọn, một dòng lỗi làm cả lô không được nhập."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = importable_sources(user)
        self.fields["format"].choices = import_format_choices()

    def clean_options(self):
        return _json_options(self.cleaned_data.get("options"))


class FeedForm(BootstrapMixin, forms.Form):
    source = SourceChoiceField(label=_("Nguồn"), queryset=None)
    name = forms.CharField(label=_("Tên nguồn cấp"), max_length=200)
    url = forms.CharField(label=_("Địa chỉ URL"), required=False, max_length=1000,
                          help_text=_("HTTP hoặc HTTPS. Nhập URL hoặc đường dẫn tệp, không cả hai."))
    path = forms.CharField(label=_("Đường dẫn tệp"), required=False, max_length=1000)
    format = forms.ChoiceField(label=_("Định dạng"), choices=Feed.Format.choices, initial=Feed.Format.LIST)
    indicator_type = forms.ChoiceField(label=_("Loại chỉ báo"), required=False,
                                       choices=[("", _("Tự nhận diện"))] + TYPE_CHOICES)
    options = forms.CharField(label=_("Tuỳ chọn định dạng (JSON)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    confidence = forms.IntegerField(label=_("Độ tin cậy (0–100)"), required=False, min_value=0, max_value=100)
    tlp = forms.ChoiceField(label=_("TLP"), required=False, choices=OPTIONAL_TLP)
    interval_minutes = forms.IntegerField(label=_("Chu kỳ (phút)"), min_value=1, initial=60)
    enabled = forms.BooleanField(label=_("Đang bật"), required=False, initial=True)

    def __init__(self, *args, user, feed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = importable_sources(user)
        if feed is not None:
            del self.fields["source"]

    def clean_options(self):
        return _json_options(self.cleaned_data.get("options"))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["url"] = (data.get("url") or "").strip()
        data["path"] = (data.get("path") or "").strip()
        return data

