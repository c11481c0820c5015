"""Values a client may send to break a request rather than to use it: the shared table of the
hostile-input tests (API, web pages, fuzzing). Whatever they are sent as, the answer is a 4xx
or a form error, never a 500, and a refused request changes nothing."""

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

MAX_TEXT = 100_000  # the longest text leadcrew keeps (a lead's description, a comment)
TEN_THOUSAND_TAGS = [f"tag{number}" for number in range(10_000)]


@dataclass(frozen=True)
class Hostile:
    name: str
    value: object
    # Whether a field of free text may take it: a title may be "²", never a NUL byte.
    fit_for_text: bool = False

    def __repr__(self) -> str:  # pytest ids
        return self.name


HOSTILE = [
    # Digits a str.isdigit() takes, that int() refuses ("²") or reads as 12 ("١٢", "１２").
    Hostile("superscript two", "²", fit_for_text=True),
    Hostile("arabic-indic twelve", "١٢", fit_for_text=True),
    Hostile("fullwidth twelve", "１２", fit_for_text=True),
    # No character: a database driver cannot encode it. json.dumps sends it as "\ud800".
    Hostile("lone surrogate", "\ud800"),
    # PostgreSQL refuses NUL in text.
    Hostile("NUL byte", "a\x00b"),
    Hostile("over-long text", "x" * (MAX_TEXT + 1)),
    Hostile("ten thousand tags", TEN_THOUSAND_TAGS),
    Hostile("ten thousand tags in one text", ",".join(TEN_THOUSAND_TAGS)),
    Hostile("digits beyond a bigint", "9" * 30, fit_for_text=True),
    Hostile("huge number", 10**30),
    Hostile("just past a bigint", 2**63),
    Hostile("huge negative number", -(10**30)),
    Hostile("largest float", 1e308),
]

# Strings only, for the query strings and forms of the web pages (where everything is text).
HOSTILE_TEXT = [
    *(hostile for hostile in HOSTILE if isinstance(hostile.value, str)),
    Hostile("right-to-left override", "\u202e"),
    Hostile("negative id", "-1"),
    Hostile("zero", "0"),
    Hostile("exponent past a float", "1e400"),
    Hostile("not a number", "NaN"),
    Hostile("impossible date", "2026-02-30"),
    Hostile("five-digit year", "99999-12-31"),
    Hostile("year one", "0001-01-01"),
    Hostile("impossible time", "25:99"),
    Hostile("markup", "<script>alert(1)</script>"),
    Hostile("formula", "=1+1"),
]


# --- For the fuzzer -------------------------------------------------------------------------------

# One leaf in this many is replaced: enough for every example to carry one now and then, few
# enough that most requests get past their first parameter.
ONE_IN = 4


def _hostile(values: list[Hostile]) -> st.SearchStrategy[object]:
    return st.sampled_from([hostile.value for hostile in values])


def tainted(value: object, hostile: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """A strategy for `value` with some of its leaves (strings and numbers, at any depth)
    replaced by hostile values."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({key: tainted(item, hostile) for key, item in value.items()})
    if isinstance(value, list):
        return st.tuples(*(tainted(item, hostile) for item in value)).map(list)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return st.integers(1, ONE_IN).flatmap(lambda n: hostile if n == 1 else st.just(value))
    return st.just(value)


def add_fuzz_hooks(schema: Any) -> None:
    """Makes schemathesis mix hostile values into what it generates from the OpenAPI document:
    any value in a JSON body (lone surrogates included, which JSON escapes), and the text ones
    in path and query parameters (a URL has no lone surrogate: the API's tests send its
    bytes; see tests/test_hostile_api.py)."""
    in_body = _hostile(HOSTILE)
    in_url = _hostile([hostile for hostile in HOSTILE_TEXT if _encodable(str(hostile.value))])

    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[object]:
        # A multipart form (a file upload) is text encoded as UTF-8, not JSON: a lone
        # surrogate cannot be sent in it, so its fields take what a URL can carry.
        return tainted(body, in_url if _multipart(context) else in_body)

    def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[object]:
        return tainted(query, in_url) if query else st.just(query)

    def flatmap_path_parameters(context: Any, parameters: Any) -> st.SearchStrategy[object]:
        return tainted(parameters, in_url) if parameters else st.just(parameters)

    for hook in (flatmap_body, flatmap_query, flatmap_path_parameters):
        schema.hook(hook)


def _multipart(context: Any) -> bool:
    bodies = getattr(getattr(context, "operation", None), "body", None) or []
    return any(getattr(body, "media_type", "") == "multipart/form-data" for body in bodies)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
