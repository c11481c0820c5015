"""The lead's answer, piece by piece, against what it must equal."""

from django.template.defaultfilters import linebreaksbr
from hypothesis import given
from hypothesis import strategies as st

from leadcrew.leads.schemas import html_description

LINE_BREAKS_AND_MARKUP = st.text(alphabet=st.sampled_from("ab <>&\"'\r\n\té"), max_size=40)


@given(LINE_BREAKS_AND_MARKUP | st.text(max_size=40))
def test_html_description_is_the_text_escaped_with_br_for_each_line_break(text: str) -> None:
    # The reference's html_description, as Django's own linebreaksbr filter writes it.
    assert html_description(text) == str(linebreaksbr(text, autoescape=True))


def test_html_description_of_a_description_with_every_kind_of_line_break() -> None:
    assert html_description("a\r\nb\rc\n<d>") == "a<br>b<br>c<br>&lt;d&gt;"
