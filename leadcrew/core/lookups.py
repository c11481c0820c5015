"""The one way to find what a request names: a user, team, pipeline or step of the actor's
account, by id or by e-mail / name, as the reference API accepts them everywhere.

The API, the web pages, bulk actions and statistics all resolve their parameters here, so that
a reference means the same thing on every path. A reference that names nothing in the actor's
account is an invalid parameter named after the field it came in: an unknown id and another
account's id get the same answer, so nothing leaks across accounts.
"""

from django.db.models import CharField, Model, Q, QuerySet, Value
from django.db.models.functions import Concat, Trim

from leadcrew.access.actor import Actor
from leadcrew.access.policy import Assignee, Destination
from leadcrew.accounts.models import ApiKey, User
from leadcrew.activities.models import ActivityType
from leadcrew.core.errors import Code, Forbidden, InvalidParameter, NotFound
from leadcrew.events.models import Delivery, Webhook
from leadcrew.leads.models import Pipeline, Step
from leadcrew.teams.models import Membership, Team

MAX_ID = 2**63 - 1  # the largest id a bigint column holds
MAX_REFERENCE_LENGTH = 254  # the longest e-mail address; names are shorter

# A record named by id, or by its e-mail or name.
Ref = int | str


def _parse(ref: Ref) -> int | str | None:
    """The id or the text a reference carries, or None when it can name nothing.

    `True` is an int to Python and `1` to a JSON parser in lax mode: it names no record. Digits
    count as an id only when they are plain ASCII digits (`"²".isdigit()` is true too).
    """
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return ref if 1 <= ref <= MAX_ID else None
    text = str(ref).strip()
    if not text or len(text) > MAX_REFERENCE_LENGTH or "\x00" in text:
        return None
    if text.isascii() and text.isdigit():
        number = int(text)
        return number if 1 <= number <= MAX_ID else None
    return text


def _one[M: Model](records: QuerySet[M], ref: Ref, *, by: str, order: tuple[str, ...]) -> M | None:
    """The record of `records` the reference names: by id, or by the text lookup `by` (the
    first in `order` when several match)."""
    parsed = _parse(ref)
    if isinstance(parsed, int):
        return records.filter(pk=parsed).first()
    if isinstance(parsed, str):
        return records.filter(**{by: parsed}).order_by(*order).first()
    return None


def user_lookup(actor: Actor, ref: Ref, *, field: str = "user_id") -> User:
    """A user of the actor's account, the disabled included, by id or e-mail."""
    users = User.objects.filter(account_id=actor.account_id)
    user = _one(users, ref, by="email__iexact", order=("id",))
    if user is None:
        raise InvalidParameter(field, Code.UNKNOWN_USER)
    return user


def user_lookup_by_name(actor: Actor, ref: Ref, *, field: str = "user_id") -> User:
    """A user by id, e-mail, or full name ("Ada Lovelace", in any case), as a spreadsheet
    names an owner. A name two users share names neither."""
    try:
        return user_lookup(actor, ref, field=field)
    except InvalidParameter:
        if not isinstance(_parse(ref), str):
            raise
    name = " ".join(str(ref).split())
    named = (
        User.objects.filter(account_id=actor.account_id)
        .annotate(
            _full=Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
        )
        .filter(_full__iexact=name)
    )
    users = list(named.order_by("id")[:2])
    if len(users) != 1:
        raise InvalidParameter(field, Code.UNKNOWN_USER)
    return users[0]


def team_lookup(actor: Actor, ref: Ref, *, field: str = "team_id") -> Team:
    """A team of the actor's account, by id or name; teams exist only while the layer is on."""
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    teams = Team.objects.filter(account_id=actor.account_id)
    team = _one(teams, ref, by="name__iexact", order=("id",))
    if team is None:
        raise InvalidParameter(field, Code.UNKNOWN_TEAM)
    return team


def teams_matching(actor: Actor, refs: list[Ref]) -> list[int]:
    """The ids of the actor's account's teams that any of `refs` names, by id or name: a
    filter's teams (GET /users?teams=). A reference that names no team matches nothing, as an
    id of another account does."""
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    named = Q(pk__in=[])
    for parsed in (_parse(ref) for ref in refs):
        if isinstance(parsed, int):
            named |= Q(pk=parsed)
        elif isinstance(parsed, str):
            named |= Q(name__iexact=parsed)
    teams = Team.objects.filter(account_id=actor.account_id).filter(named)
    return sorted(teams.values_list("pk", flat=True))


def pipeline_lookup(actor: Actor, ref: Ref, *, field: str = "pipeline_id") -> Pipeline:
    """A pipeline of the actor's account, by id or name."""
    pipelines = Pipeline.objects.filter(account_id=actor.account_id)
    pipeline = _one(pipelines, ref, by="name__iexact", order=("position", "id"))
    if pipeline is None:
        raise InvalidParameter(field, Code.UNKNOWN_PIPELINE)
    return pipeline


def activity_type_lookup(
    actor: Actor, ref: Ref, *, field: str = "activity_id", loggable: bool = True
) -> ActivityType:
    """An activity type of the actor's account, by id or name. `loggable`: refuse a disabled
    type, which stays on past activities but takes no new one."""
    types = ActivityType.objects.filter(account_id=actor.account_id)
    found = _one(types, ref, by="name__iexact", order=("position", "id"))
    if found is None:
        raise InvalidParameter(field, Code.UNKNOWN_ACTIVITY)
    if loggable and found.is_disabled:
        raise InvalidParameter(field, Code.ACTIVITY_DISABLED)
    return found


def step_lookup(
    actor: Actor, ref: Ref, *, field: str = "step", pipeline: Pipeline | None = None
) -> Step:
    """A step of the actor's account (or of `pipeline`), by id or name; a name several
    pipelines use means the default pipeline's step, then the first pipeline's."""
    steps = Step.objects.filter(account_id=actor.account_id).select_related("pipeline")
    if pipeline is not None:
        steps = steps.filter(pipeline=pipeline)
    order = ("-pipeline__is_default", "pipeline__position", "position", "id")
    step = _one(steps, ref, by="name__iexact", order=order)
    if step is None:
        raise InvalidParameter(field, Code.UNKNOWN_STEP)
    return step


def first_step_of_default_pipeline(actor: Actor) -> Step:
    """Where a new lead goes when it names no step."""
    pipeline = Pipeline.objects.filter(account_id=actor.account_id, is_default=True).first()
    step = pipeline.steps.order_by("position", "id").first() if pipeline else None
    if step is None:
        raise Forbidden(Code.DEFAULT_PIPELINE_EMPTY)
    return step


# --- Records named in a URL --------------------------------------------------------------

# The records a page's URL may name by id, keyed by the URL's parameter.
PATH_RECORDS: dict[str, tuple[type[Model], str]] = {
    "user_id": (User, "User"),
    "team_id": (Team, "Team"),
    "pipeline_id": (Pipeline, "Pipeline"),
    "step_id": (Step, "Step"),
    "key_id": (ApiKey, "API key"),
    "webhook_id": (Webhook, "Webhook"),
    "delivery_id": (Delivery, "Webhook event"),
}


def ensure_in_account(actor: Actor, **ids: int) -> None:
    """Raises NotFound (404) unless every id, named by its URL parameter (`team_id=3`), is a
    record of the actor's account: an id of another account answers exactly like an id that
    does not exist, before any rule or form is looked at."""
    for name, record_id in ids.items():
        model, what = PATH_RECORDS[name]
        if not model._default_manager.filter(account_id=actor.account_id, pk=record_id).exists():
            raise NotFound(what)


# --- What the access rules need to know of a user or a team -------------------------------


def assignee_of(user: User) -> Assignee:
    team_ids = Membership.objects.filter(user=user).values_list("team_id", flat=True)
    return Assignee(user_id=user.pk, is_active=not user.is_disabled, team_ids=frozenset(team_ids))


def destination_of(team: Team | None) -> Destination:
    if team is None:
        return Destination(team_id=None)
    members = Membership.objects.filter(team=team).values_list("user_id", flat=True)
    return Destination(team_id=team.pk, member_ids=frozenset(members))
