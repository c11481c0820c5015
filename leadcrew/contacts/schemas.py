"""The API's shapes of fields (and, below, client folders and the tag vocabulary)."""

from typing import Any, Literal

from ninja import Schema
from pydantic import Field as PydanticField

from leadcrew.contacts.models import (
    Category,
    ClientFolder,
    Field,
    FieldType,
    ParentType,
    PredefinedTag,
)
from leadcrew.core.api_types import (
    Direction,
    Id,
    LongText,
    Name,
    Out,
    Paging,
    ShortText,
    Timestamp,
    format_datetime,
)

Choices = list[Name]


class FieldOut(Out):
    id: int
    name: str
    key: str = PydanticField(description="How `fields` of a lead name it")
    type: FieldType
    parent_type: ParentType
    is_key: bool = PydanticField(description="Compared to find duplicate leads")
    position: int
    choices: list[str]
    created_at: Timestamp
    updated_at: Timestamp


def field_out(field: Field) -> dict[str, Any]:
    return {
        "id": field.pk,
        "name": field.name,
        "key": field.key,
        "type": field.type,
        "parent_type": field.parent_type,
        "is_key": field.is_key,
        "position": field.position,
        "choices": list(field.choices or []),
        "created_at": format_datetime(field.created_at),
        "updated_at": format_datetime(field.updated_at),
    }


class FieldQuery(Schema):
    parent_type: ParentType | None = None


class FieldIn(Schema):
    name: Name
    type: FieldType = FieldType.TEXT
    parent_type: ParentType = ParentType.LEAD
    is_key: bool | None = None
    is_duplicate: bool | None = PydanticField(None, description="The reference's name of is_key")
    choices: Choices | None = PydanticField(None, description="For choice fields")

    def key_flag(self) -> bool | None:
        return self.is_key if self.is_key is not None else self.is_duplicate


class FieldUpdateIn(Schema):
    name: Name | None = None
    is_key: bool | None = None
    is_duplicate: bool | None = None
    choices: Choices | None = None
    position: int | None = PydanticField(None, ge=0, le=10_000)

    def key_flag(self) -> bool | None:
        return self.is_key if self.is_key is not None else self.is_duplicate


class FieldsReorderIn(Schema):
    parent_type: ParentType = ParentType.LEAD
    ids: list[Id] = PydanticField(max_length=1000, description="Field ids in their new order")


class DeletedOut(Schema):
    id: int


# --- Client folders -------------------------------------------------------------------------


class ClientOut(Out):
    id: int
    name: str
    description: str
    is_active: bool
    user_id: int | None = PydanticField(description="Who created it")
    created_at: Timestamp
    updated_at: Timestamp


def client_out(folder: ClientFolder) -> dict[str, Any]:
    return {
        "id": folder.pk,
        "name": folder.name,
        "description": folder.description,
        "is_active": folder.is_active,
        "user_id": folder.user_id,
        "created_at": format_datetime(folder.created_at),
        "updated_at": format_datetime(folder.updated_at),
    }


class ClientQuery(Paging):
    order: Literal["name", "id"] = "name"
    direction: Direction = "asc"
    q: ShortText | None = PydanticField(None, description="Part of the name (leadcrew's)")


class ClientIn(Schema):
    name: ShortText
    description: LongText = ""


class ClientUpdateIn(Schema):
    name: ShortText | None = None
    description: LongText | None = None
    is_active: bool | None = None


class AddToClientIn(Schema):
    client_id: Id | None = PydanticField(description="The folder; null takes the lead out")


# --- Categories and predefined tags ---------------------------------------------------------


class PredefinedTagOut(Out):
    id: int
    name: str
    category: str | None
    category_id: int | None
    position: int
    created_at: Timestamp


def predefined_tag_out(tag: PredefinedTag) -> dict[str, Any]:
    return {
        "id": tag.pk,
        "name": tag.name,
        "category": tag.category.name if tag.category else None,
        "category_id": tag.category_id,
        "position": tag.position,
        "created_at": format_datetime(tag.created_at),
    }


class CategoryOut(Out):
    id: int
    name: str
    is_required: bool
    supertags: list[PredefinedTagOut] = PydanticField(
        description="Its predefined tags, with include_tags=true (else empty)"
    )
    created_at: Timestamp
    updated_at: Timestamp


def category_out(category: Category, tags: list[PredefinedTag]) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "is_required": category.is_required,
        "supertags": [predefined_tag_out(tag) for tag in tags if tag.category_id == category.pk],
        "created_at": format_datetime(category.created_at),
        "updated_at": format_datetime(category.updated_at),
    }


class CategoryQuery(Schema):
    include_tags: bool = False


class CategoryIn(Schema):
    name: Name
    is_required: bool = False


class PredefinedTagIn(Schema):
    name: Name
    category_id: Id | None = None
    category: Name | None = PydanticField(None, description="A category by name")
    position: int | None = PydanticField(None, ge=0, le=100_000)
