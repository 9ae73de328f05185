from __future__ import annotations

from django import forms
from django.conf import settings

from elettro.kernel.india import GST_STATES
from elettro.kernel.money import CURRENCY_CHOICES, currency_problem, normalize_currency

from .models import Company
from .roles import Role

_STATE_CHOICES = sorted(((code, name) for code, name in GST_STATES.items() if code not in ("25", "28", "97")),
                        key=lambda item: item[1])  # fmt: skip

CURRENCY_HELP = (
    "The currency your sales are in; figures are shown in it. Rupees are grouped in lakh and crore "
    "(₹1.23 Cr), other currencies in thousands and millions ($1.23M)."
)

SUBDOMAIN_HELP = "Your address will be <subdomain>.{base}. Lower-case letters, digits and hyphens."


def _clean_currency(value: str) -> str:
    """A known ISO code, upper-case; blank is INR, as for every company that never said."""
    code = normalize_currency(value)
    if problem := currency_problem(code):
        raise forms.ValidationError(problem)
    return code


class SignupForm(forms.Form):
    company_name = forms.CharField(max_length=200, label="Company name")
    subdomain = forms.CharField(max_length=63)
    home_state = forms.ChoiceField(choices=_STATE_CHOICES, initial="27", label="Home state (for GST)")
    # Not required: a form posted without it (an older page, a script) signs up in rupees, the default.
    currency = forms.CharField(
        widget=forms.Select(choices=CURRENCY_CHOICES), initial="INR", required=False, help_text=CURRENCY_HELP
    )
    full_name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(label="Work email")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), strip=False)

    def __init__(self, *args, existing_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per form, not at import, so the address shown follows the BASE_DOMAIN setting in force.
        self.fields["subdomain"].help_text = SUBDOMAIN_HELP.format(base=settings.BASE_DOMAIN)
        if existing_user is not None:
            for name in ("full_name", "email", "password"):
                del self.fields[name]

    def clean_currency(self) -> str:
        return _clean_currency(self.cleaned_data.get("currency", ""))


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class _AnyValues(forms.MultipleChoiceField):
    """Values checked against the company's sales by tenants.scopes.checked, which names the unknown one."""

    def valid_value(self, value) -> bool:
        return True


class ScopeForm(forms.Form):
    """Which salespeople, branches and states a member sees; none chosen: all of the company's sales."""

    salesperson = _AnyValues(required=False, label="Salespeople")
    branch = _AnyValues(required=False, label="Branches")
    state = _AnyValues(required=False, label="States")

    def __init__(self, *args, choices: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, values in (choices or {}).items():
            self.fields[name].choices = [(value, value) for value in values]

    def scope(self) -> dict[str, list[str]]:
        return {name: self.cleaned_data.get(name) or [] for name in ("salesperson", "branch", "state")}


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)


LOGO_MAX_BYTES = 1024 * 1024


class CompanySettingsForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "gstin", "home_state", "fiscal_year_start_month", "timezone", "currency", "logo",
                  "require_two_factor"]  # fmt: skip
        help_texts = {"currency": CURRENCY_HELP + " Changing it relabels the figures; it does not convert them."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A currency the first upload set that is not in the list stays choosable, so saving other settings
        # never fails on it.
        current = normalize_currency(self.instance.currency)
        choices = list(CURRENCY_CHOICES)
        if current not in dict(choices):
            choices.append((current, current))
        self.fields["currency"].widget = forms.Select(choices=choices)

    def clean_currency(self) -> str:
        code = normalize_currency(self.cleaned_data.get("currency"))
        if code == normalize_currency(self.instance.currency):
            return code
        return _clean_currency(code)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo is larger than 1 MB; save it smaller and upload it again.")
        if logo and hasattr(logo, "content_type") and logo.content_type not in ("image/png", "image/jpeg"):
            raise forms.ValidationError("Upload the logo as a PNG or JPEG image.")
        return logo
