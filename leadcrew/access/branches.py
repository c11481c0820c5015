"""The visibility filter cut into disjoint branches, for lists (docs/architecture.md
convention 3).

`see_filter` is an OR: "my leads, or these teams' leads, or the pool I may dispatch". Run as one
query, a newest-first page walks the whole account and throws rows away, which is fast for a
user who sees much and a full-account scan for one who sees little; its exact count reads every
row of every branch through the table. Run as one ordered, limited scan per branch, merged, a
page reads at most a page per branch, and a count adds up per-branch counts answered from the
indexes.

The branches are not a second copy of the rules: they are the OR's own terms, taken from the
Q object `see_filter` returns, with an `IN` list of teams split into one term per team (each an
ordered range scan), and each term made disjoint from the ones before it by excluding them.
Their union is the filter by construction; the list's tests also check it against the plain
filter on random accounts.
"""

from typing import Any

from django.db.models import Q

from leadcrew.access.actor import Actor
from leadcrew.access.policy import see_filter

# Past this many branches (a manager of dozens of teams), one query is as good as many.
MAX_BRANCHES = 12


def _terms(condition: Q) -> list[Q]:
    """The OR's terms, each IN list of teams split into one term per team."""
    if condition.connector == Q.OR and not condition.negated:
        children = condition.children
    else:
        children = [condition]
    terms: list[Q] = []
    for child in children:
        if isinstance(child, Q):
            term = child
        elif isinstance(child, tuple):
            term = Q(child)
        else:
            raise TypeError(f"unexpected term in the visibility filter: {child!r}")
        lookup = _single_lookup(term)
        if lookup is not None and lookup[0] == "team_id__in":
            terms += [Q(team_id=team) for team in lookup[1]]
        else:
            terms.append(term)
    return terms


def _single_lookup(condition: Q) -> tuple[str, Any] | None:
    if condition.negated or len(condition.children) != 1:
        return None
    child = condition.children[0]
    return child if isinstance(child, tuple) else None


_UNASSIGNED = ("owner__isnull", True)


def _pool_as_planned(term: Q) -> Q:
    """The unassigned pool's term without the alternatives that every unassigned lead meets
    (`owner IS NULL OR ...`, from the assignment rule): the same leads, in a condition
    PostgreSQL plans on the pool's own index. With them, a prepared page of a manager's list
    counted the pool by a bitmap scan of the whole account (55 ms instead of 10)."""
    if not _only_unassigned(term):
        return term
    return _given_unassigned(term) or term


def _given_unassigned(condition: Q) -> Q | None:
    """`condition` for leads without an owner: parts that hold for each of them left out;
    None when the whole condition does."""
    if condition.negated:
        return condition
    if condition.connector == Q.OR and _UNASSIGNED in condition.children:
        return None
    children: list[Any] = []
    for child in condition.children:
        kept = _given_unassigned(child) if isinstance(child, Q) else child
        if kept is None and condition.connector == Q.OR:
            return None
        if kept is not None:
            children.append(kept)
    if not children:
        return None
    return Q(*children, _connector=condition.connector)


def _only_unassigned(term: Q) -> bool:
    """Whether every lead of the term has no owner (the unassigned pool's branch)."""
    return term.connector == Q.AND and not term.negated and _UNASSIGNED in term.children


def see_branches(actor: Actor, *, assigned_only: bool = False) -> list[Q] | None:
    """Disjoint conditions whose union is exactly the leads the actor may see, or None when one
    query is the better plan (an admin, everything shared: they see most of the account).
    `assigned_only`: the caller keeps only assigned leads, so a branch of unassigned leads only
    is left out."""
    condition = see_filter(actor)
    if not condition:  # Q(): every lead
        return None
    terms = [_pool_as_planned(term) for term in _terms(condition)]
    if assigned_only:
        terms = [term for term in terms if not _only_unassigned(term)]
    if len(terms) > MAX_BRANCHES:
        return None
    branches: list[Q] = []
    for index, term in enumerate(terms):
        branch = term
        for earlier in terms[:index]:
            if not _other_teams(term, earlier):
                branch &= ~earlier
        branches.append(branch)
    return branches


def _other_teams(term: Q, earlier: Q) -> bool:
    """Whether the two terms are two different teams' leads, disjoint as they stand: a lead is
    in one team at most, so excluding one from the other would only lengthen the query."""
    mine, theirs = _single_lookup(term), _single_lookup(earlier)
    return (
        mine is not None
        and theirs is not None
        and mine[0] == theirs[0] == "team_id"
        and mine[1] != theirs[1]
    )
