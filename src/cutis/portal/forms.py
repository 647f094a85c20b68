from __future__ import annotations

from django import forms

from cutis.portal.models import ITCH_MAX, ITCH_MIN

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class InviteForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(label="E-mail")


class AcceptForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common one.",
    )
    again = forms.CharField(
        label="The same password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("again"):
            self.add_error("again", "The two passwords are not the same.")
        return data


class DoneForm(forms.Form):
    item = forms.IntegerField(min_value=1)
    task = forms.CharField(max_length=20)
    day = forms.DateField()
    slot = forms.IntegerField(min_value=0, max_value=23)


class ItchForm(forms.Form):
    score = forms.IntegerField(
        label="Itch today (0 = none, 10 = worst)",
        min_value=ITCH_MIN,
        max_value=ITCH_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    day = forms.DateField(label="Date", widget=DATE_WIDGET)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    photo = forms.FileField(
        label="Photo of the spots (optional)",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="Where you are and which phone took it are removed.",
    )
