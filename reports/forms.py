"""Forms for generating reports, schedules and the company's channel settings. Recipients are checked with the
channel clients' own validators, so a schedule that saves is one the clients can send."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from analytics.reading import DIMENSIONS, LABELS

from . import kinds
from .channels import email, slack, whatsapp
from .models import REPORT_RETENTION_MAX_DAYS, ChannelSettings, Format, ReportSettings, Schedule
from .scheduling import PERIOD_CHOICES


class GenerateForm(forms.Form):
    """From the Reports page, or from a dashboard page's Generate button, which sends its page name (the page's
    report kind is chosen here: reports read analytics, never the other way) and its selection as `query`."""

    kind = forms.ChoiceField(choices=kinds.CHOICES, label="Report", required=False)
    page = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    format = forms.ChoiceField(choices=Format.choices, initial=Format.PDF)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DIMENSIONS:
            self.fields[name] = forms.CharField(required=False, max_length=255, label=LABELS[name])

    def filters(self) -> dict:
        return {name: " ".join(self.cleaned_data[name].split()) for name in DIMENSIONS if self.cleaned_data.get(name)}

    def clean(self):
        data = super().clean()
        if not data.get("kind"):
            data["kind"] = kinds.FOR_PAGE.get(data.get("page") or "", "")
            if not data["kind"]:
                self.add_error("kind", "Choose a report.")
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ScheduleForm(forms.ModelForm):
    period = forms.ChoiceField(choices=PERIOD_CHOICES, initial="previous", label="Period covered")
    slack_webhook_url = forms.URLField(
        required=False, max_length=300, assume_scheme="https", label="Slack incoming webhook URL"
    )

    class Meta:
        model = Schedule
        fields = [
            "name",
            "kind",
            "format",
            "frequency",
            "time_of_day",
            "weekday",
            "day_of_month",
            "period",
            "email_to",
            "slack_webhook_url",
            "slack_channel",
            "whatsapp_to",
            "is_active",
        ]
        widgets = {
            "time_of_day": forms.TimeInput(attrs={"type": "time"}),
            "email_to": forms.Textarea(attrs={"rows": 2}),
            "whatsapp_to": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "kind": "Report",
            "email_to": "Email to",
            "slack_webhook_url": "Slack incoming webhook URL",
            "slack_channel": "Slack channel (with the bot token)",
            "whatsapp_to": "WhatsApp to",
            "is_active": "Active",
        }

    def __init__(self, *args, slack_bot_token: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.slack_bot_token = slack_bot_token
        self.fields["day_of_month"].widget.attrs.update({"min": 1, "max": 31})
        for name in DIMENSIONS:
            initial = (self.instance.filters or {}).get(name, "") if self.instance.pk else ""
            self.fields[f"filter_{name}"] = forms.CharField(
                required=False, max_length=255, label=f"Filter: {LABELS[name]}", initial=initial
            )

    def clean_email_to(self):
        text = self.cleaned_data.get("email_to", "").strip()
        if not text:
            return ""
        return ", ".join(email.validate_email_list(text))

    def clean_slack_webhook_url(self):
        url = self.cleaned_data.get("slack_webhook_url", "").strip()
        if url:
            slack.validate_webhook_url(url)
        return url

    def clean_slack_channel(self):
        channel = self.cleaned_data.get("slack_channel", "").strip()
        if channel and not self.slack_bot_token:
            raise ValidationError("Posting to a channel needs the company's Slack bot token: add it in Channels first.")
        return channel

    def clean_whatsapp_to(self):
        text = self.cleaned_data.get("whatsapp_to", "").strip()
        if not text:
            return ""
        numbers, errors = [], []
        for piece in filter(None, (p.strip() for p in text.replace(";", ",").replace("\n", ",").split(","))):
            try:
                numbers.append("+" + whatsapp.normalize_phone(piece))
            except ValidationError as problem:
                errors.append(f"{piece}: {problem.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return ", ".join(dict.fromkeys(numbers))

    def clean_day_of_month(self):
        day = self.cleaned_data.get("day_of_month")
        if day is not None and not 1 <= day <= 31:
            raise ValidationError("Choose a day from 1 to 31.")
        return day

    def clean(self):
        data = super().clean()
        frequency = data.get("frequency")
        if frequency == Schedule.Frequency.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", "Choose the day of the week.")
        if frequency == Schedule.Frequency.MONTHLY and not data.get("day_of_month"):
            self.add_error("day_of_month", "Choose the day of the month.")
        channels = ("email_to", "slack_webhook_url", "slack_channel", "whatsapp_to")
        if not self.errors and not any(data.get(name) for name in channels):
            raise ValidationError("Add at least one recipient: an email address, a Slack channel or a WhatsApp number.")
        if data.get("whatsapp_to") and data.get("format") != Format.PDF:
            self.add_error("format", "WhatsApp delivers PDF reports only.")
        return data

    def filters(self) -> dict:
        return {
            name: " ".join(self.cleaned_data.get(f"filter_{name}", "").split())
            for name in DIMENSIONS
            if self.cleaned_data.get(f"filter_{name}", "").strip()
        }


class ChannelSettingsForm(forms.ModelForm):
    class Meta:
        model = ChannelSettings
        fields = [
            "slack_bot_token",
            "whatsapp_phone_number_id",
            "whatsapp_access_token",
            "whatsapp_template",
            "whatsapp_template_language",
        ]
        widgets = {
            "slack_bot_token": forms.PasswordInput(render_value=False),
            "whatsapp_access_token": forms.PasswordInput(render_value=False),
        }
        labels = {"whatsapp_phone_number_id": "WhatsApp phone number ID"}
        help_texts = {
            "slack_bot_token": "Bot User OAuth Token (xoxb-…). Leave empty to keep the saved one.",
            "whatsapp_access_token": "From Meta Business settings. Leave empty to keep the saved one.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = {name: getattr(self.instance, name) for name in ("slack_bot_token", "whatsapp_access_token")}
        self.fields["clear_slack"] = forms.BooleanField(required=False, label="Remove the saved Slack token")
        self.fields["clear_whatsapp"] = forms.BooleanField(required=False, label="Remove the saved WhatsApp token")

    def clean_slack_bot_token(self):
        token = self.cleaned_data.get("slack_bot_token", "").strip()
        if token:
            slack.validate_bot_token(token)
            return token
        return "" if self.data.get("clear_slack") else self._saved["slack_bot_token"]

    def clean_whatsapp_access_token(self):
        token = self.cleaned_data.get("whatsapp_access_token", "").strip()
        if token:
            return token
        return "" if self.data.get("clear_whatsapp") else self._saved["whatsapp_access_token"]

    def clean_whatsapp_phone_number_id(self):
        value = self.cleaned_data.get("whatsapp_phone_number_id", "").strip()
        if value and not value.isdigit():
            raise ValidationError("The phone number ID is the long number Meta shows under API setup, digits only.")
        return value


class ReportRetentionForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = ["file_retention_days"]
        labels = {"file_retention_days": "Keep report files for (days)"}
        error_messages = {
            "file_retention_days": {
                "invalid": "Give a whole number of days, such as 90.",
                "min_value": "Keep report files for at least 1 day.",
                "max_value": f"Keep report files for at most {REPORT_RETENTION_MAX_DAYS} days (ten years).",
                "required": "Say how many days to keep report files, such as 90.",
            }
        }
