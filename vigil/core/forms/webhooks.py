"""Forms of the webhook pages: register an endpoint (unit, name, URL, kinds to send,
whether the unit's subtree is included) and change one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..notify import webhooks
from .fields import UnitChoiceField


class WebhookForm(forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("Tên"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    url = forms.CharField(label=_("Địa chỉ nhận (URL)"), max_length=500,
                          widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://"}))
    kinds = forms.MultipleChoiceField(
        label=_("Loại thông báo gửi đi"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn loại nào: gửi mọi loại thông báo."),
    )
    include_descendants = forms.BooleanField(label=_("Gồm cả thông báo về đơn vị cấp dưới"), required=False)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args, user, endpoint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = webhooks.kind_choices()
        if endpoint is None:
            self.fields["unit"].queryset = webhooks.units_for_webhooks(user=user)
        else:
            del self.fields["unit"]
