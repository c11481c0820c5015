"""The people menus are built in Python for speed: they must be the very HTML Django's own
Select would render, escaping and groups included."""

import pytest
from django import forms
from django.test.html import parse_html

from leadcrew.web.forms import LongSelect, WebForm

CHOICES = [
    ("", "Anyone"),
    ("me", "Me"),
    ("7", "Zoë <script>alert(1)</script> & Co"),
    ("Sales", [("1", "New"), ("2", 'Won "big"')]),
    ("8", "Ada"),
]


def both(value: object, attrs: dict[str, object]) -> tuple[str, str]:
    fast = LongSelect(choices=CHOICES).render("owner", value, attrs)
    django = forms.Select(choices=CHOICES).render("owner", value, attrs)
    return fast, django


@pytest.mark.parametrize("value", [None, "", "me", "7", 2, "8", "unknown"])
def test_it_renders_what_django_renders(value: object) -> None:
    fast, django = both(value, {"id": "id_owner", "required": True, "aria-invalid": "true"})
    assert parse_html(fast) == parse_html(django)


def test_labels_are_escaped() -> None:
    fast, _ = both("7", {"id": "id_owner"})
    assert "<script>" not in fast
    assert "Zoë &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in fast
    assert '<option value="7" selected>' in fast


def test_a_form_field_uses_it_with_its_bound_attributes() -> None:
    class Fast(forms.Form):
        owner = forms.ChoiceField(choices=CHOICES, widget=LongSelect)

    class Plain(forms.Form):
        owner = forms.ChoiceField(choices=CHOICES)

    fast, plain = Fast({"owner": "8"})["owner"], Plain({"owner": "8"})["owner"]
    assert parse_html(str(fast)) == parse_html(str(plain))
    assert " required" in str(fast) and 'id="id_owner"' in str(fast)


def test_every_menu_of_the_pages_forms_is_written_by_it() -> None:
    class Page(WebForm):
        owner = forms.ChoiceField(choices=CHOICES, required=False)

    class Plain(forms.Form):
        owner = forms.ChoiceField(choices=CHOICES, required=False, label_suffix="")

    form = Page({"owner": "8"})
    assert isinstance(form.fields["owner"].widget, LongSelect)
    assert parse_html(str(form["owner"])) == parse_html(str(Plain({"owner": "8"})["owner"]))
