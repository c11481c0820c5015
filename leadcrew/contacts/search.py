"""Finding leads by what people remember of them: words of the title, the description, the
contact fields (e-mail, phone, company…), the client folder's name and the comments, whatever
the case and the accents.

Each word must be found, in any of those places. On PostgreSQL each place is a full-text
match (`to_tsvector('simple', leadcrew_fold(…)) @@ 'word':*`, a prefix match) that a GIN index
of the same expression answers (migration contacts/0003); on SQLite, where the data is small,
a LIKE on the same folded text. `leadcrew_fold` lowers and strips accents in both databases
(an SQL function on PostgreSQL, the Python `fold` registered on each SQLite connection), and
`leadcrew_digits` keeps a phone number's digits, so that `0123456789` finds `01 23 45 67 89`.

The lead ids these matches give are only ever used to narrow leads the caller already reads
through the access policy: a search never reveals a lead the caller may not see."""

import re
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.sql.compiler import SQLCompiler

from leadcrew.contacts.models import ClientFolder, LeadFieldValue
from leadcrew.contacts.values import fold

MAX_WORDS = 8
# A word found in at most this many leads narrows the list by their ids, read first; past it,
# by the subquery of its matches.
MATCHES_READ_FIRST = 5_000
MAX_WORD_LENGTH = 100
# What a word keeps: letters, digits and the characters of e-mails, web addresses and phones.
WORD = re.compile(r"[\w@.+\-]+")


def digits(text: str | None) -> str | None:
    return (
        None
        if text is None
        else "".join(char for char in text if char.isascii() and char.isdigit())
    )


def fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


def search_words(q: str | None) -> list[str]:
    """The words of a search, folded, each at most 100 characters; at most eight."""
    words = [word.strip(".-+") for word in WORD.findall(fold(q or ""))]
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in words if word))[:MAX_WORDS]


class Matches(Expression):
    """True when the folded text of `source` (one expression, or several joined by spaces)
    holds `word`: as a prefix of one of its words on PostgreSQL (through the full-text
    index), anywhere on SQLite."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, word: str, *sources: Any, with_digits: bool = False) -> None:
        # with_digits: `sources` is one column, whose digits are added to its text.
        super().__init__(output_field=BooleanField())
        self.word = word
        self.sources = [F(source) if isinstance(source, str) else source for source in sources]
        self.with_digits = with_digits

    def get_source_expressions(self) -> list[Any]:
        return self.sources

    def set_source_expressions(self, exprs: Any) -> None:
        self.sources = list(exprs)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> "Matches":
        clone: Matches = super().resolve_expression(*args, **kwargs)
        clone.sources = [source.resolve_expression(*args, **kwargs) for source in self.sources]
        return clone

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for source in self.sources:
            sql, source_params = compiler.compile(source)  # type: ignore[arg-type]
            parts.append(sql)
            params.extend(source_params)
        text = " || ' ' || ".join(parts)
        if self.with_digits and connection.vendor == "postgresql":
            # A phone's digits as one more word (`0123456789` finds `01 23 45 67 89`), and the
            # value's parts as words (`novak` finds `sara@novak.test`, which the full-text
            # parser keeps whole). The same expression as the index of contacts migration 0004.
            value = parts[0]
            text = f"{value} || ' ' || leadcrew_words({value}) || ' ' || leadcrew_digits({value})"
            params = params * 3
        elif self.with_digits:
            text = f"{parts[0]} || ' ' || leadcrew_digits({parts[0]})"
            params = params * 2
        if connection.vendor == "postgresql":
            quoted = "'" + self.word.replace("\\", "").replace("'", "''") + "':*"
            sql = (
                f"to_tsvector('simple'::regconfig, leadcrew_fold({text})) "
                "@@ to_tsquery('simple'::regconfig, %s)"
            )
            return sql, [*params, quoted]
        pattern = (
            "%" + self.word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        return f"leadcrew_fold({text}) LIKE %s ESCAPE '\\'", [*params, pattern]


def _comments(account_id: int) -> QuerySet[Any]:
    from leadcrew.leads.models import Comment  # leads imports this module's callers

    return Comment.objects.filter(account_id=account_id)


def word_matches(live: QuerySet[Any], account_id: int, word: str) -> Q:
    """The leads of `live` (the account's live leads) where `word` is found: the ids of each
    place's matches, in one UNION. The caller narrows its visible leads by them; the matches
    themselves are found without the access rule, so that PostgreSQL reads the full-text
    indexes first whatever the caller's branches (asked together, it sometimes ORed the
    branches' hundred thousand leads and tested the words on each)."""
    own = live.filter(Matches(word, "title", "description")).values("id")
    folders = ClientFolder.objects.filter(account_id=account_id).filter(Matches(word, "name"))
    in_folders = live.filter(client_folder_id__in=folders.values("id")).values("id")
    values = LeadFieldValue.objects.filter(account_id=account_id).filter(
        Matches(word, "value", with_digits=True)
    )
    comments = _comments(account_id).filter(Matches(word, "content"))
    # No member may keep its model's ordering: SQLite refuses ORDER BY inside a UNION.
    ids = own.order_by().union(
        in_folders.order_by(),
        values.values("lead_id").order_by(),
        comments.values("lead_id").order_by(),
    )
    # The matches are read first when they are few, as a searched word usually is: given a
    # subquery, PostgreSQL guesses a full-text match finds thousands of leads and walks the
    # account in the list's order testing each (seconds at a million leads for one e-mail),
    # where with the ids it reads those leads and sorts them.
    found = [row["id"] for row in ids[: MATCHES_READ_FIRST + 1]]
    if len(found) <= MATCHES_READ_FIRST:
        return Q(pk__in=found)
    return Q(pk__in=ids)


def search_filter(live: QuerySet[Any], account_id: int, q: str | None) -> Q | None:
    """The condition a lead of `live` (the account's live leads) meets when every word of `q`
    is found in it; None when `q` has no word (the search is then no filter)."""
    words = search_words(q)
    if not words:
        return None
    condition = Q()
    for word in words:
        condition &= word_matches(live, account_id, word)
    return condition


def ranked(leads: QuerySet[Any], q: str | None) -> QuerySet[Any]:
    """The leads with `search_rank`: how many words of `q` their title holds, so that a search
    lists first the leads named after what was typed."""
    words = search_words(q)
    rank: Any = Value(0)
    for word in words:
        rank = rank + Case(
            When(Matches(word, "title"), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    annotated: QuerySet[Any] = leads.annotate(search_rank=rank)
    return annotated
