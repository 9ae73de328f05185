from django import forms

from .models import ImportJob, Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.csv,.tsv,.txt,.xml"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item] or super().clean(None)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.SALES, label="What the files hold")
    mode = forms.ChoiceField(choices=ImportJob.Mode.choices, initial=ImportJob.Mode.APPEND, label="How to load")
    files = MultipleFileField(label="Files")
