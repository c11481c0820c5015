"""/pipelines and /steps: everyone reads, admins write; one default pipeline per account, steps
numbered without gaps, and nothing holding leads is deleted."""

import pytest
from django.utils import timezone

from leadcrew.leads.models import Pipeline, Step
from leadcrew.testing.api_world import World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db

PIPELINE_KEYS = {"id", "name", "is_default", "created_at", "updated_at"}
STEP_KEYS = {"id", "name", "position", "pipeline_id", "pipeline", "created_at", "updated_at"}
DEFAULT_STEPS = ["Incoming", "Qualified", "Proposal", "Negotiation", "Closing"]


@pytest.fixture
def north(db: None) -> World:
    return make_world("North", "admin@north.test")


@pytest.fixture
def south(db: None) -> World:
    return make_world("South", "admin@south.test")


def steps_of(pipeline: Pipeline) -> list[tuple[str, int]]:
    return list(pipeline.steps.order_by("position").values_list("name", "position"))


def default_ids(world: World) -> list[int]:
    return list(
        Pipeline.objects.filter(account=world.account, is_default=True).values_list("id", flat=True)
    )


def new_pipeline(world: World, name: str, steps: tuple[str, ...] = ("One", "Two")) -> Pipeline:
    pipeline = Pipeline.objects.create(account=world.account, name=name, position=1)
    for position, step_name in enumerate(steps):
        Step.objects.create(
            account=world.account, pipeline=pipeline, name=step_name, position=position
        )
    return pipeline


# --- Reading -----------------------------------------------------------------------------------


def test_everyone_reads_the_accounts_pipelines_only(north: World, south: World) -> None:
    sales = north.default_pipeline()
    south_pipeline = new_pipeline(south, "Theirs")
    for api in (north.key, as_user(north.user("ann@north.test"))):
        response = api.get("/pipelines")
        assert response.status_code == 200
        assert response["X-TOTAL-COUNT"] == "1"
        assert response.json() == [api.get(f"/pipelines/{sales.pk}").json()]
        body = response.json()[0]
        assert set(body) == PIPELINE_KEYS
        assert (body["name"], body["is_default"]) == ("Sales", True)
    for path in (f"/pipelines/{south_pipeline.pk}", "/pipelines/999999"):
        response = north.key.get(path)
        assert response.status_code == 404
        assert error_type(response) == "record_not_found"


def test_steps_list_and_filter(north: World, south: World) -> None:
    sales = north.default_pipeline()
    other = new_pipeline(north, "Renewals", ("Due", "Renewed"))
    response = north.key.get("/steps")
    assert response.status_code == 200
    assert response["X-TOTAL-COUNT"] == "7"
    body = response.json()
    assert [step["name"] for step in body] == [*DEFAULT_STEPS, "Due", "Renewed"]
    first = body[0]
    assert set(first) == STEP_KEYS
    assert (first["position"], first["pipeline_id"]) == (0, sales.pk)
    assert first["pipeline"]["name"] == "Sales" and set(first["pipeline"]) == PIPELINE_KEYS
    filtered = north.key.get("/steps", pipeline_id=other.pk).json()
    assert [(s["name"], s["position"]) for s in filtered] == [("Due", 0), ("Renewed", 1)]
    # Another account's pipeline filters to nothing; its steps never show.
    assert north.key.get("/steps", pipeline_id=south.default_pipeline().pk).json() == []
    south_step = south.first_step()
    assert north.key.get(f"/steps/{south_step.pk}").status_code == 404
    one = as_user(north.user("ann@north.test")).get(f"/steps/{body[1]['id']}")
    assert one.json()["name"] == "Qualified"


# --- Pipelines: writes -------------------------------------------------------------------------


def test_create_a_pipeline_with_its_steps(north: World) -> None:
    response = north.key.post("/pipelines", {"name": "Renewals", "steps": ["Due", "Renewed"]})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PIPELINE_KEYS
    assert body["is_default"] is False
    pipeline = Pipeline.objects.get(pk=body["id"])
    assert pipeline.account_id == north.account.pk
    assert steps_of(pipeline) == [("Due", 0), ("Renewed", 1)]


def test_exactly_one_default_pipeline(north: World) -> None:
    sales = north.default_pipeline()
    # A pipeline without steps cannot take new leads, so it cannot be the default.
    response = north.key.post("/pipelines", {"name": "Empty", "is_default": True})
    assert response.status_code == 403
    assert error_type(response) == "forbidden_action"
    assert not Pipeline.objects.filter(name="Empty").exists()

    body = north.key.post(
        "/pipelines", {"name": "Renewals", "is_default": True, "steps": ["Due"]}
    ).json()
    assert body["is_default"] is True
    assert default_ids(north) == [body["id"]]

    response = north.key.put(f"/pipelines/{sales.pk}", {"is_default": True})
    assert response.json()["is_default"] is True
    assert default_ids(north) == [sales.pk]
    # The default is moved, never unset.
    response = north.key.put(f"/pipelines/{sales.pk}", {"is_default": False})
    assert response.status_code == 403
    assert default_ids(north) == [sales.pk]


def test_pipeline_names(north: World, south: World) -> None:
    sales = north.default_pipeline()
    response = north.key.post("/pipelines", {"name": "sales"})
    assert response.status_code == 409
    assert error_type(response) == "already_exist"
    assert response.json()["id"] == sales.pk
    assert south.key.post("/pipelines", {"name": "Renewals"}).status_code == 201
    renewals = new_pipeline(north, "Renewals")
    assert north.key.put(f"/pipelines/{renewals.pk}", {"name": "SALES"}).status_code == 409
    response = north.key.put(f"/pipelines/{renewals.pk}", {"name": "Upsell"})
    assert response.json()["name"] == "Upsell"
    assert error_type(north.key.post("/pipelines", {})) == "missing_parameter"
    response = north.key.post("/pipelines", {"name": "X", "steps": ["A", "a"]})
    assert error_type(response) == "invalid_parameter"
    assert response.json()["field"] == "steps"


def test_delete_a_pipeline(north: World, south: World) -> None:
    sales = north.default_pipeline()
    renewals = new_pipeline(north, "Renewals")
    response = north.key.delete(f"/pipelines/{sales.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "default_pipeline_undeletable"

    lead = north.lead("Deal", step=renewals.steps.first())
    response = north.key.delete(f"/pipelines/{renewals.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "still_has_leads"
    assert "(1)" in response.json()["message"]
    assert Pipeline.objects.filter(pk=renewals.pk).exists()

    lead.step = north.first_step()
    lead.save()
    response = north.key.delete(f"/pipelines/{renewals.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"id": renewals.pk}
    assert not Step.objects.filter(pipeline_id=renewals.pk).exists()

    theirs = new_pipeline(south, "Theirs")
    assert north.key.delete(f"/pipelines/{theirs.pk}").status_code == 404
    assert Pipeline.objects.filter(pk=theirs.pk).exists()


def test_a_pipeline_with_leads_in_the_bin_is_kept(north: World) -> None:
    renewals = new_pipeline(north, "Renewals")
    north.lead("Deleted deal", step=renewals.steps.first(), deleted_at=timezone.now())
    response = north.key.delete(f"/pipelines/{renewals.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "still_has_binned_leads"
    assert Pipeline.objects.filter(pk=renewals.pk).exists()


def test_plain_users_cannot_write_pipelines(north: World) -> None:
    sales = north.default_pipeline()
    renewals = new_pipeline(north, "Renewals")
    api = as_user(north.user("ann@north.test"))
    for response in (
        api.post("/pipelines", {"name": "Mine", "steps": ["A"]}),
        api.put(f"/pipelines/{renewals.pk}", {"name": "Mine", "is_default": True}),
        api.delete(f"/pipelines/{renewals.pk}"),
    ):
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    assert list(Pipeline.objects.filter(account=north.account).values_list("name", flat=True)) == [
        "Sales",
        "Renewals",
    ]
    assert default_ids(north) == [sales.pk]


# --- Steps: writes -----------------------------------------------------------------------------


def test_create_steps_at_the_end_or_at_a_position(north: World) -> None:
    sales = north.default_pipeline()
    response = north.key.post("/steps", {"name": "Won back", "pipeline_id": sales.pk})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == STEP_KEYS
    assert (body["position"], body["pipeline_id"]) == (5, sales.pk)
    body = north.key.post("/steps", {"name": "Lead in", "pipeline_id": sales.pk, "position": 0})
    assert body.json()["position"] == 0
    north.key.post("/steps", {"name": "Far", "pipeline_id": sales.pk, "position": 99})
    assert steps_of(sales) == [
        (name, position)
        for position, name in enumerate(["Lead in", *DEFAULT_STEPS, "Won back", "Far"])
    ]


def test_create_step_validation(north: World, south: World) -> None:
    sales = north.default_pipeline()
    for pipeline_id in (south.default_pipeline().pk, 999_999):
        response = north.key.post("/steps", {"name": "X", "pipeline_id": pipeline_id})
        assert response.status_code == 422
        assert error_type(response) == "invalid_parameter"
        assert response.json()["field"] == "pipeline_id"
    response = north.key.post("/steps", {"name": "qualified", "pipeline_id": sales.pk})
    assert response.status_code == 409
    assert response.json()["id"] == sales.steps.get(name="Qualified").pk
    response = north.key.post("/steps", {"name": "X", "pipeline_id": sales.pk, "position": -1})
    assert response.status_code == 422
    assert error_type(north.key.post("/steps", {"name": "X"})) == "missing_parameter"
    assert steps_of(sales) == [(name, n) for n, name in enumerate(DEFAULT_STEPS)]
    assert not Step.objects.filter(account=south.account, name="X").exists()


def test_reorder_and_rename_keep_positions_contiguous(north: World) -> None:
    sales = north.default_pipeline()
    closing = sales.steps.get(name="Closing")
    response = north.key.put(f"/steps/{closing.pk}", {"position": 1, "name": "Signature"})
    assert response.status_code == 200
    assert (response.json()["position"], response.json()["name"]) == (1, "Signature")
    assert [name for name, _ in steps_of(sales)] == [
        "Incoming",
        "Signature",
        "Qualified",
        "Proposal",
        "Negotiation",
    ]
    incoming = sales.steps.get(name="Incoming")
    north.key.put(f"/steps/{incoming.pk}", {"position": 50})
    assert steps_of(sales) == [
        (name, n)
        for n, name in enumerate(["Signature", "Qualified", "Proposal", "Negotiation", "Incoming"])
    ]
    response = north.key.put(f"/steps/{incoming.pk}", {"name": "proposal"})
    assert response.status_code == 409


def test_move_a_step_to_another_pipeline(north: World, south: World) -> None:
    sales = north.default_pipeline()
    renewals = new_pipeline(north, "Renewals", ("Due",))
    proposal = sales.steps.get(name="Proposal")
    lead = north.lead("Deal", step=proposal)
    response = north.key.put(f"/steps/{proposal.pk}", {"pipeline_id": renewals.pk, "position": 0})
    assert response.status_code == 200
    assert response.json()["pipeline"]["name"] == "Renewals"
    assert steps_of(renewals) == [("Proposal", 0), ("Due", 1)]
    assert steps_of(sales) == [
        (name, n) for n, name in enumerate(["Incoming", "Qualified", "Negotiation", "Closing"])
    ]
    lead.refresh_from_db()
    assert lead.step_id == proposal.pk  # the lead moved with its step
    response = north.key.put(f"/steps/{proposal.pk}", {"pipeline_id": south.default_pipeline().pk})
    assert response.status_code == 422
    assert response.json()["field"] == "pipeline_id"


def test_the_default_pipeline_keeps_a_step(north: World) -> None:
    sales = north.default_pipeline()
    renewals = new_pipeline(north, "Renewals", ("Due",))
    steps = list(sales.steps.order_by("position"))
    for step in steps[:-1]:
        assert north.key.delete(f"/steps/{step.pk}").status_code == 200
    last = steps[-1]
    response = north.key.delete(f"/steps/{last.pk}")
    assert response.status_code == 403
    response = north.key.put(f"/steps/{last.pk}", {"pipeline_id": renewals.pk})
    assert response.status_code == 403
    assert steps_of(sales) == [("Closing", 0)]
    # A pipeline that is not the default may lose its last step.
    assert north.key.delete(f"/steps/{renewals.steps.get().pk}").status_code == 200


def test_delete_steps(north: World, south: World) -> None:
    sales = north.default_pipeline()
    qualified = sales.steps.get(name="Qualified")
    lead = north.lead("Deal", step=qualified)
    response = north.key.delete(f"/steps/{qualified.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "still_has_leads"
    assert "(1)" in response.json()["message"]
    lead.step = sales.steps.get(name="Incoming")
    lead.save()
    north.lead("Binned", step=qualified, deleted_at=timezone.now())
    assert north.key.delete(f"/steps/{qualified.pk}").json()["code"] == "still_has_binned_leads"
    proposal = sales.steps.get(name="Proposal")
    response = north.key.delete(f"/steps/{proposal.pk}")
    assert response.status_code == 200
    assert response.json() == {"id": proposal.pk}
    assert steps_of(sales) == [
        (name, n) for n, name in enumerate(["Incoming", "Qualified", "Negotiation", "Closing"])
    ]
    theirs = south.first_step()
    assert north.key.delete(f"/steps/{theirs.pk}").status_code == 404
    assert north.key.put(f"/steps/{theirs.pk}", {"name": "Mine"}).status_code == 404
    assert Step.objects.get(pk=theirs.pk).name == "Incoming"


def test_plain_users_cannot_write_steps(north: World) -> None:
    sales = north.default_pipeline()
    before = steps_of(sales)
    api = as_user(north.user("ann@north.test"))
    incoming = sales.steps.get(name="Incoming")
    for response in (
        api.post("/steps", {"name": "Mine", "pipeline_id": sales.pk, "position": 0}),
        api.put(f"/steps/{incoming.pk}", {"name": "Mine", "position": 3}),
        api.delete(f"/steps/{incoming.pk}"),
    ):
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    assert steps_of(sales) == before
