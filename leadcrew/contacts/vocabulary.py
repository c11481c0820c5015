"""The account's tag vocabulary: categories and predefined tags (admins manage them), and the
rule a required category sets on won leads. A lead's own tags stay free strings."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.contacts.models import Category, PredefinedTag
from leadcrew.core.errors import AlreadyExists, Code, InvalidParameter, NotFound

MAX_NAME_LENGTH = 100


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_NAME_LENGTH)
    return name


def category_list(actor: Actor) -> QuerySet[Category]:
    """Every user may read the categories (the web offers their tags)."""
    return Category.objects.filter(account_id=actor.account_id).order_by("name", "id")


def predefined_tag_list(actor: Actor) -> QuerySet[PredefinedTag]:
    """The vocabulary, in its order: what the web suggests, never tags read off leads."""
    tags = PredefinedTag.objects.filter(account_id=actor.account_id)
    return tags.select_related("category").order_by("position", "name", "id")


def predefined_tag_list_for_admin(actor: Actor) -> QuerySet[PredefinedTag]:
    """GET /predefined_tags: admins only, as in the reference API."""
    ensure_admin(actor)
    return predefined_tag_list(actor)


def _category_lookup(actor: Actor, ref: int | str) -> Category:
    categories = Category.objects.filter(account_id=actor.account_id)
    if isinstance(ref, int):
        found = categories.filter(pk=ref).first() if 0 < ref < 2**63 else None
    else:
        found = categories.filter(name__iexact=ref.strip()).first()
    if found is None:
        raise InvalidParameter("category_id", Code.UNKNOWN_CATEGORY)
    return found


@transaction.atomic
def category_create(*, actor: Actor, name: str, is_required: bool = False) -> Category:
    """A new category (admins). `is_required`: a won lead must carry one of its tags."""
    ensure_admin(actor)
    name = _clean_name(name)
    same = Category.objects.filter(account_id=actor.account_id, name__iexact=name).first()
    if same is not None:
        raise AlreadyExists(Code.CATEGORY_NAME_TAKEN, existing_id=same.pk, field="name")
    return Category.objects.create(account_id=actor.account_id, name=name, is_required=is_required)


@transaction.atomic
def predefined_tag_create(
    *, actor: Actor, name: str, category: int | str | None = None, position: int | None = None
) -> PredefinedTag:
    """A new tag of the vocabulary (admins), last unless a position is given."""
    ensure_admin(actor)
    name = _clean_name(name)
    same = PredefinedTag.objects.filter(account_id=actor.account_id, name__iexact=name).first()
    if same is not None:
        raise AlreadyExists(Code.TAG_NAME_TAKEN, existing_id=same.pk, field="name")
    found = _category_lookup(actor, category) if category is not None else None
    if position is None:
        last = (
            PredefinedTag.objects.filter(account_id=actor.account_id)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        position = 0 if last is None else last + 1
    return PredefinedTag.objects.create(
        account_id=actor.account_id, name=name, category=found, position=position
    )


def check_required_categories(actor: Actor, tags: Sequence[str]) -> None:
    """A won lead carries a tag of every required category (compared without case)."""
    required = Category.objects.filter(account_id=actor.account_id, is_required=True)
    if not required.exists():
        return
    carried = {tag.casefold() for tag in tags}
    rows = PredefinedTag.objects.filter(category__in=required).values_list("category_id", "name")
    met = {category_id for category_id, name in rows if name.casefold() in carried}
    missing = [category.name for category in required.order_by("name") if category.pk not in met]
    if missing:
        raise InvalidParameter("tags", Code.CATEGORY_REQUIRED, category=missing[0])


def _category_get(actor: Actor, category_id: int) -> Category:
    found = Category.objects.filter(account_id=actor.account_id, pk=category_id).first()
    if found is None:
        raise NotFound("Category")
    return found


@transaction.atomic
def category_update(
    *, actor: Actor, category_id: int, name: str | None = None, is_required: bool | None = None
) -> Category:
    """Renames a category, or makes its tags required on won leads (admins)."""
    ensure_admin(actor)
    category = _category_get(actor, category_id)
    if name is not None:
        name = _clean_name(name)
        same = (
            Category.objects.filter(account_id=actor.account_id, name__iexact=name)
            .exclude(pk=category.pk)
            .first()
        )
        if same is not None:
            raise AlreadyExists(Code.CATEGORY_NAME_TAKEN, existing_id=same.pk, field="name")
        category.name = name
    if is_required is not None:
        category.is_required = is_required
    category.save()
    return category


@transaction.atomic
def category_delete(*, actor: Actor, category_id: int) -> None:
    """Deletes a category (admins); its tags stay in the vocabulary, without a category. The
    tags already on leads are the leads' own and do not change."""
    ensure_admin(actor)
    _category_get(actor, category_id).delete()


@transaction.atomic
def predefined_tag_delete(*, actor: Actor, tag_id: int) -> None:
    """Takes a tag out of the vocabulary (admins): it is no longer suggested, and leads keep
    it."""
    ensure_admin(actor)
    tag = PredefinedTag.objects.filter(account_id=actor.account_id, pk=tag_id).first()
    if tag is None:
        raise NotFound("Predefined tag")
    tag.delete()
