"""The rules of docs/architecture.md that can be read off the source, checked on every module.

Every check reads the source as a syntax tree (no database, no import of the code checked), so
it knows names, not types: each rule below says what it looks for. Migrations and tests (any
`migrations/`, `tests/` or `testing/` folder, and `conftest.py`) are aside from every rule.

1. One door to leads (convention 1). Only `leadcrew/access/` reads Lead rows; everyone else
   starts from `leads_for` / `lead_for` (or another function of `leadcrew/access/policy.py`).
   Outside `leadcrew/access/` none of these may appear:
   a. a Lead manager: `Lead.objects`, `Lead._base_manager`, `Lead._default_manager`;
   b. SQL naming the lead table (`leads_lead` as a whole word; `leads_leadtag` is another table);
   c. a reverse relation into leads, the `leads` of `team.leads` / `user.leads` / `step.leads`:
      flagged when what holds it is named like a model that has it (`team`, `owner`,
      `request.user`, `new_team`, ...) or when a queryset method follows it
      (`anything.leads.all()`, `.filter(`, `.exists()`, ...), and in `getattr(x, "leads")`;
   d. a lookup that walks into leads from another model: a keyword such as `leads__owner=` or
      `steps__leads__status=`, a string such as `"leads__amount"` or `"-leads__created_at"`
      anywhere, and a bare `"leads"` given to a field-naming call (`Count("leads")`,
      `prefetch_related("leads")`, `values("leads")`, ...) or `leads=` given to a lookup call
      (`filter(leads=...)`, `Q(leads=...)`). An alias the module itself defines
      (`annotate(leads=Count("id")).order_by("-leads")`) is not a relation and is not flagged.
   The names of (c) and (d) come from the Lead model at test time: the reverse accessor and
   query name of each relation of Lead (`owner`, `team`, `step`, ...; today all are `leads`),
   and the name of each model's many-to-many field to Lead. Creating leads (`.create(`,
   `.bulk_create(` on a Lead manager or a reverse manager) is no read and is allowed.
   A plain `.leads` attribute that is neither (`page.leads` of a LeadPage, `scope.leads` of a
   statistics Scope) is not flagged; a variable called `leads` never is.
2. Unfiltered leads only where they are meant (convention 1). The functions of the access
   policy that return leads before the visibility rule (`account_leads`, `system_leads`,
   `system_binned_leads`, `all_account_leads`, `live_leads_of`) may be called, imported or
   passed around only where `UNFILTERED_CALLERS` below lists it, each entry with its reason: a
   module, or `module::function` where only that function of the module may. Every public
   function of policy.py that returns leads must be named either there or in
   `FILTERED_BY_POLICY`, so that a new one is classified when it is written. A listed caller
   that hands the unfiltered leads on (`lead_row_after_write` in leads/selectors.py) is a key
   of `UNFILTERED_CALLERS` too, so that its own callers are held to the same purpose. The check
   goes by name: calling, importing or naming the function (`policy.system_leads`) all count.
3. Views and routers never build queries: they call selectors and services. In the interface
   modules that answer requests (`api.py`, `*_api.py`, `views.py`, `leadcrew/web/views/`) there
   is no manager access on any model (`X.objects`, `get_object_or_404(`), no queryset method
   call (`.filter(`, `.exclude(`, `.annotate(`, `.aggregate(`, `.values(...)`,
   `.values_list(`, `.order_by(`, `.select_related(`, `.prefetch_related(`, `.distinct(`,
   `.only(`, `.defer(`, `.select_for_update(`, `.raw(`, `.extra(`, `connection.cursor(`) and no
   query expression built (`Q(`, `F(`, `Count(`, or anything else imported from
   `django.db.models`, such as `Sum(` or `models.Exists(`). A `.values()` without arguments is a
   dict's and is not flagged.
4. Domain code never imports the interface layer (convention 7): in the domain apps, only the
   interface modules (`api.py`, `*_api.py`, `schemas.py`, `*_schemas.py`, `views.py`,
   `views/`, and `backends.py`, Django's login hook) may import `ninja` or `django.http`.

Each checker has a test of its own that plants every kind of violation in a few lines of source,
and the look-alikes that must pass, so a rule cannot silently stop finding anything.
"""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from leadcrew.leads.models import Lead

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("leadcrew", "config")
ACCESS = "leadcrew/access/"
POLICY = "leadcrew/access/policy.py"


def modules(*roots: str) -> list[Path]:
    return sorted(path for root in roots for path in (ROOT / root).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_aside(path: Path) -> bool:
    """Migrations and tests may read anything."""
    parts = path.relative_to(ROOT).parts
    return bool({"migrations", "tests", "testing"} & set(parts[:-1])) or parts[-1] == "conftest.py"


@cache  # several rules read the same modules; a tree is never changed once parsed
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def checked_modules() -> list[Path]:
    return [path for path in modules(*SCANNED) if not is_aside(path)]


def parents_of(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def name_of(node: ast.AST) -> str | None:
    """The last name of an expression: `team` of `team`, `user` of `request.user`, `Count` of
    `models.Count`, `get_team` of `get_team(x)`; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return name_of(node.func)
    return None


def short(node: ast.AST, limit: int = 90) -> str:
    code = ast.unparse(node)
    return code if len(code) <= limit else code[: limit - 1] + "…"


def listing(found: dict[str, list[str]]) -> str:
    """One `path:line: code` a line, so that a failure reads as a to-do list."""
    return "".join(f"\n  {path}:{entry}" for path, entries in found.items() for entry in entries)


# --- 1. One door to leads ------------------------------------------------------------------

LEAD_MANAGERS = {"objects", "_base_manager", "_default_manager"}
LEAD_WRITES = {"create", "bulk_create"}


def _reverse_relations() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """How other models reach Lead rows, read off the Lead model: the attribute names of their
    reverse managers (`team.leads`), the names their lookups use (`leads__owner`), and the names
    a holder of such a manager goes by (the relation's own name, `owner`, and the model's,
    `user`). Relations hidden with `related_name="+"` (`account`, `created_by`) have none."""
    accessors, query_names, holders = set(), set(), set()
    for field in Lead._meta.get_fields():
        if field.concrete and field.is_relation and not field.remote_field.hidden:
            accessors.add(field.remote_field.get_accessor_name())
            query_names.add(field.related_query_name())
            holders |= {field.name, field.related_model._meta.model_name}
        elif field.many_to_many and not field.concrete:  # another model's ManyToManyField(Lead)
            accessors.add(field.field.name)
            query_names.add(field.field.name)
            holders.add(field.related_model._meta.model_name)
    return frozenset(accessors), frozenset(query_names), frozenset(holders)


LEAD_ACCESSORS, LEAD_QUERY_NAMES, LEAD_HOLDERS = _reverse_relations()

# Methods of a manager or queryset that no list, set or dict has: after `x.leads` they can only
# mean a reverse manager (or a queryset kept under that name, which should be called otherwise).
# `count`, `get`, `values`, `update`, `add`, `remove`, `clear` are left out: lists, sets and
# dicts have them too; they are caught when the holder's name gives the relation away.
QUERYSET_ONLY_METHODS = {
    "aggregate",
    "alias",
    "all",
    "annotate",
    "dates",
    "datetimes",
    "defer",
    "distinct",
    "earliest",
    "exclude",
    "exists",
    "explain",
    "filter",
    "first",
    "get_or_create",
    "in_bulk",
    "iterator",
    "last",
    "latest",
    "none",
    "only",
    "order_by",
    "prefetch_related",
    "select_for_update",
    "select_related",
    "set",
    "update_or_create",
    "using",
    "values_list",
}
# Calls whose keyword arguments are lookups (`filter(leads__owner=u)`).
LOOKUP_CALLS = {
    "Q",
    "exclude",
    "filter",
    "get",
    "get_list_or_404",
    "get_object_or_404",
    "get_or_create",
    "update_or_create",
}
# Calls whose positional strings name fields or relations (`Count("leads")`).
FIELD_NAME_CALLS = {
    "ArrayAgg",
    "Avg",
    "Coalesce",
    "Count",
    "F",
    "FilteredRelation",
    "Max",
    "Min",
    "OuterRef",
    "Prefetch",
    "StringAgg",
    "Sum",
    "dates",
    "datetimes",
    "defer",
    "distinct",
    "earliest",
    "latest",
    "only",
    "order_by",
    "prefetch_related",
    "select_related",
    "values",
    "values_list",
}
# Calls whose keyword arguments name new columns: `annotate(leads=Count("id"))` makes `leads`
# an alias of the module's own, which later `order_by("-leads")` may name.
ALIAS_CALLS = {"aggregate", "alias", "annotate", "values"}
LOOKUP = re.compile(r"-?\w+(?:__\w*)+")  # field__field…, as in lookups and orderings


def door_breaches(tree: ast.Module) -> list[str]:
    """`line: code` of every read of Lead rows that does not go through the access policy."""
    lead_names = {"Lead"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == "Lead" and alias.asname
    }
    parents = parents_of(tree)
    aliases = {
        keyword.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and name_of(node.func) in ALIAS_CALLS
        for keyword in node.keywords
        if keyword.arg
    }

    def is_lead(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in lead_names
        return isinstance(node, ast.Attribute) and node.attr == "Lead"  # models.Lead

    def method_after(node: ast.expr) -> str | None:
        """`filter` of `node.filter(...)`: the method called on the node, if any."""
        method = parents.get(node)
        call = parents.get(method) if method is not None else None
        if isinstance(method, ast.Attribute) and isinstance(call, ast.Call) and call.func is method:
            return method.attr
        return None

    def names_a_holder(node: ast.expr) -> bool:
        """Whether `node` is named like a model with a reverse relation to Lead: `team`,
        `request.user`, `lead.owner`, `new_team`."""
        name = (name_of(node) or "").lower()
        return any(name == holder or name.endswith("_" + holder) for holder in LEAD_HOLDERS)

    def traverses(lookup: str) -> bool:
        """Whether a lookup passes through a relation into leads, beyond an alias of its own."""
        path = lookup.lstrip("-").split("__")
        if path[0] in aliases:
            path = path[1:]
        return any(step in LEAD_QUERY_NAMES for step in path)

    breaches = []
    table = re.compile(rf"\b{Lead._meta.db_table}\b")  # not leads_leadtag, leads_leadhistory
    for node in ast.walk(tree):
        # (a) a Lead manager
        if isinstance(node, ast.Attribute) and node.attr in LEAD_MANAGERS and is_lead(node.value):
            if method_after(node) not in LEAD_WRITES:
                breaches.append(f"{node.lineno}: {short(parents.get(node, node))}")
        # (c) a reverse manager: team.leads, x.leads.filter(...)
        elif isinstance(node, ast.Attribute) and node.attr in LEAD_ACCESSORS:
            method = method_after(node)
            if method not in LEAD_WRITES and (
                method in QUERYSET_ONLY_METHODS or names_a_holder(node.value)
            ):
                shown = parents.get(node, node) if method else node
                breaches.append(f"{node.lineno}: {short(shown)}")
        elif isinstance(node, ast.Call):
            callee = name_of(node.func)
            # (c) getattr(team, "leads")
            if (
                callee == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in LEAD_ACCESSORS
            ):
                breaches.append(f"{node.lineno}: {short(node)}")
            # (d) leads__owner=… anywhere; leads=… in a lookup call
            for keyword in node.keywords:
                if keyword.arg is None:
                    continue
                if ("__" in keyword.arg and traverses(keyword.arg)) or (
                    keyword.arg in LEAD_QUERY_NAMES
                    and keyword.arg not in aliases
                    and callee in LOOKUP_CALLS
                ):
                    breaches.append(f"{keyword.lineno}: {keyword.arg}= in {short(node.func)}(")
            # (d) Count("leads"), prefetch_related("leads"), order_by("-leads")
            if callee in FIELD_NAME_CALLS:
                for arg in node.args:
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and arg.value.lstrip("-") in LEAD_QUERY_NAMES
                        and arg.value.lstrip("-") not in aliases
                    ):
                        breaches.append(f"{arg.lineno}: {short(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # (b) SQL naming the lead table
            if table.search(node.value):
                breaches.append(f"{node.lineno}: SQL naming {Lead._meta.db_table}")
            # (d) "leads__amount", "-steps__leads__created_at", f"leads__{field}"
            elif LOOKUP.fullmatch(node.value) and traverses(node.value):
                breaches.append(f"{node.lineno}: lookup {node.value!r}")
    return breaches


def test_the_reverse_relations_are_read_off_the_lead_model() -> None:
    # If this changes, the model changed: the rule follows by itself, this only says so.
    assert {"leads"} <= LEAD_ACCESSORS and {"leads"} <= LEAD_QUERY_NAMES
    assert {"owner", "team", "step", "user"} <= LEAD_HOLDERS
    assert not {"account", "created_by", "+"} & (LEAD_ACCESSORS | LEAD_QUERY_NAMES)


def test_only_the_access_policy_reads_lead_rows() -> None:
    found = {
        relative(path): breaches
        for path in checked_modules()
        if not relative(path).startswith(ACCESS)
        if (breaches := door_breaches(parse(path)))
    }
    assert not found, (
        "Lead rows read outside leadcrew/access: start from leads_for / lead_for instead, or "
        "ask a selector that does (docs/architecture.md, convention 1):" + listing(found)
    )


@pytest.mark.parametrize(
    ("source", "breaches"),
    [
        # (a) managers
        ("Lead.objects.filter(owner=u)", 1),
        ("Lead._base_manager.all()", 1),
        ("Lead._default_manager.count()", 1),
        ("models.Lead.objects.get(pk=1)", 1),
        ("from leadcrew.leads.models import Lead as L\nL.objects.all()", 1),
        ("manager = Lead.objects", 1),
        ("Lead.objects.get_or_create(title='x')", 1),
        ("Lead.objects.create(title='x')", 0),
        ("Lead.objects.bulk_create(rows)", 0),
        ("LeadTag.objects.filter(name='x')", 0),
        ("Team.objects.filter(account_id=1)", 0),
        # (b) SQL
        ("cursor.execute('SELECT id FROM leads_lead')", 1),
        ("cursor.execute('SELECT id FROM \"leads_lead\" WHERE 1')", 1),
        ("cursor.execute('INSERT INTO \"leads_leadhistory\" (id) SELECT 1')", 0),
        # (c) reverse managers
        ("team.leads.all()", 1),
        ("user.leads.filter(status='won')", 1),
        ("request.user.leads.count()", 1),
        ("lead.owner.leads.exists()", 1),
        ("self.step.leads.values('id')", 1),
        ("new_team.leads", 1),
        ("for lead in team.leads.all():\n    pass", 1),
        ("scope_of(x).leads.order_by('-id')", 1),
        ("me.leads.select_related('team')", 1),
        ("getattr(team, 'leads')", 1),
        ("team.leads.create(title='x')", 0),
        ("page.leads", 0),
        ("for lead in page.leads:\n    pass", 0),
        ("leads = scope.leads\nleads.filter(step_id=1)", 0),
        ("page.leads.count(row)", 0),
        ("leads = [1, 2]\nleads.count(1)", 0),
        ("Scope(kind=kind, leads=leads)", 0),
        ("team.members.all()", 0),
        ("getattr(page, 'total')", 0),
        # (d) lookups into leads from another model
        ("Team.objects.filter(leads__owner=u)", 1),
        ("User.objects.exclude(leads__isnull=True)", 1),
        ("Pipeline.objects.filter(steps__leads__status='won')", 1),
        ("Q(leads__amount__gt=0)", 1),
        ("Team.objects.filter(leads=lead)", 1),
        ("Q(leads=lead)", 1),
        ("teams.annotate(n=Count('leads'))", 1),
        ("teams.annotate(n=models.Count('leads', filter=Q(x=1)))", 1),
        ("teams.annotate(total=Sum('leads__amount'))", 1),
        ("users.prefetch_related('leads')", 1),
        ("steps.values('leads')", 1),
        ("teams.order_by('-leads__created_at')", 1),
        ("Prefetch('leads', queryset=qs)", 1),
        ("F('leads__amount')", 1),
        ("teams.filter(**{'leads__owner': u})", 1),
        ("teams.values(f'leads__{column}')", 1),
        ("rows.values('team_id').annotate(leads=Count('id')).order_by('-leads')", 0),
        ("rows.annotate(leads=Count('id')).filter(leads__gt=1)", 0),
        ("leads_for(actor).filter(owner=u)", 0),
        ("leads_for(actor).values('owner_id').annotate(n=Count('pk'))", 0),
        ("LeadTag.objects.filter(lead__owner=u)", 0),
        ("comments.select_related('lead')", 0),
        ("{'leads': 3}", 0),
        ("row['leads']", 0),
        ("path('leads/<int:lead_id>', view, name='leads')", 0),
        ("ForeignKey(Team, related_name='leads')", 0),
        ("log(details={'what': 'leads'})", 0),
    ],
)
def test_the_door_check_tells_reads_from_everything_else(source: str, breaches: int) -> None:
    assert len(door_breaches(ast.parse(source))) == breaches, door_breaches(ast.parse(source))


# --- 2. Unfiltered leads only where they are meant -----------------------------------------

# Who may have the leads of the access policy that no visibility rule has narrowed, and why.
# An entry is a module, or `module::function` when only that function of the module may (the
# module also does other things, which must go through the rule). Keep every reason to what the
# function's docstring in policy.py allows it for.
UNFILTERED_CALLERS: dict[str, dict[str, str]] = {
    "account_leads": {
        "leadcrew/access/preview.py": (
            "the settings preview counts the account's leads per (owner, team) to weigh the "
            "policy's verdicts; it shows no lead"
        ),
        "leadcrew/leads/pipeline_services.py": (
            "an admin may delete a pipeline or step only when no live lead sits in it, seen or not"
        ),
        "leadcrew/teams/services.py": (
            "deleting a team (admin only) takes every one of its leads out of it, seen or not"
        ),
        "leadcrew/contacts/client_folder_services.py::client_folder_delete": (
            "deleting a client folder takes every one of its leads out of it, seen or not"
        ),
        "leadcrew/leads/selectors.py::list_leads_by_id": (
            "a page's leads read by the ids that find_page found through see_branches"
        ),
        "leadcrew/leads/selectors.py::filtered_leads": (
            "a search finds its words among the account's leads, whose ids then narrow the "
            "leads the caller sees (read through leads_for): it shows no lead of its own"
        ),
        "leadcrew/leads/selectors.py::_page_by_branches": (
            "the base of the per-branch list: narrowed by see_branches (the visibility rule's own "
            "terms), then the page's ids found through them read again"
        ),
    },
    "system_leads": {
        "leadcrew/leads/services.py::standby_wake_due": (
            "the reminder job wakes due standby leads of every account, for no user"
        ),
        "leadcrew/events/periodic.py::notify_due_reminders": (
            "the reminder job tells each lead's own owner that its reminder fell due, in every "
            "account; what the notification says is read again through the policy"
        ),
        "leadcrew/events/recording.py::record_leads_created": (
            "records the creation events of leads an import has just created, by their ids"
        ),
        "leadcrew/events/delivery.py::event_data": (
            "a webhook (an admin's, made with the account key) receives the lead its event is "
            "about, in that lead's account only"
        ),
    },
    "system_binned_leads": {
        "leadcrew/leads/services.py::bin_purge_expired": (
            "the purge job deletes the expired leads of every account's bin, for no user"
        ),
        "leadcrew/events/delivery.py::event_data": (
            "`lead.deleted` sends the lead just put in the bin to the account's webhook"
        ),
    },
    # Not `_apply` of bulk_apply, though it writes to leads the policy selected: the docstring
    # gives all_account_leads to undoing only, so applying needs a door of its own or a new word.
    "all_account_leads": {
        "leadcrew/bulk/services.py::_apply": (
            "writes the leads the bulk action just selected through the rules (and recorded), "
            "the bin's included for a restore"
        ),
        "leadcrew/bulk/services.py::bulk_undo": (
            "undoing a bulk action finds the leads it changed that nobody modified since"
        ),
        "leadcrew/bulk/services.py::_restore_previous_values": (
            "undoing a bulk action puts back what its author was allowed to change at the time"
        ),
    },
    "live_leads_of": {
        "leadcrew/leads/selectors.py::_rows_by_id": (
            "the statement that reads rows by their ids, compiled once for every account: it "
            "hands them on, listed below"
        ),
        "leadcrew/leads/selectors.py::_compiled_page": (
            "the per-branch page statement of a shape, compiled once for every account: each "
            "part is the account's leads narrowed by a branch of see_branches (the visibility "
            "rule's own terms), run by _page_by_shape with the caller's ids"
        ),
        "leadcrew/leads/selectors.py::_whole_account_page": (
            "the page of an unfiltered list of every lead of an account, compiled once for every "
            "account: run by find_page only when _lists_whole_account found that the caller "
            "sees every lead of the account (sees_every_lead)"
        ),
        "leadcrew/leads/selectors.py::_page_objects": (
            "the object of each lead of a page statement, compiled once for every account: the "
            "page's rows are leads _whole_account_page or _compiled_page chose already"
        ),
        "leadcrew/leads/selectors.py::_objects_by_id": (
            "the statement that reads leads' objects by their ids, compiled once for every "
            "account: it hands them on, listed below"
        ),
        "leadcrew/contacts/selectors.py::_sharing": (
            "the ids of the account's leads with a folded title, read from its index; only "
            "those of them that leads_for(actor) holds are returned"
        ),
    },
    # Not a policy function: the compiled statement, run by lead_objects_by_id only.
    "_objects_by_id": {
        "leadcrew/leads/selectors.py::lead_objects_by_id": "hands the objects on, listed below",
    },
    # Not a policy function: reads the objects of leads whose ids the rules chose already.
    "lead_objects_by_id": {
        "leadcrew/leads/selectors.py::lead_page": (
            "the page's ids were found through the visibility rule (see_branches or leads_for), "
            "or are the account's for a caller who sees every lead of it"
        ),
    },
    # Not a policy function: the compiled statement, run by lead_rows_by_id only.
    "_rows_by_id": {
        "leadcrew/leads/selectors.py::lead_rows_by_id": "hands the rows on, listed below",
    },
    # Not a policy function: reads the rows of leads whose ids the rules chose already.
    "lead_rows_by_id": {
        "leadcrew/leads/selectors.py::lead_detail_row": (
            "the rules are asked of the lead's owner and team (can, which the policy's property "
            "test holds equal to leads_for), a 404 otherwise"
        ),
        "leadcrew/leads/selectors.py::lead_row_after_write": (
            "hands the written lead on as a row: listed below, so its own callers are checked"
        ),
    },
    # Not a policy function: a selector that hands the written lead on unfiltered.
    "lead_row_after_write": {
        "leadcrew/leads/api.py::lead_detail_after_write": (
            "the answer of a create, update, restore, assign, duplicate or add_to_client: the "
            "outcome of the write"
        ),
    },
}
# The other public functions of policy.py that return leads, and the rule that narrows them.
FILTERED_BY_POLICY = {
    "leads_for": "see_filter, and the action's own filter",
    "lead_for": "leads_for",
    "binned_leads_for": "see_filter and edit_filter over the bin",
    "visible_in_teams": "leads_for narrowed to the teams, or the teams' leads when all are seen",
    "assignable_to": "leads_for and assign_filter",
    "placeable_in": "leads_for and place_filter",
}
UNFILTERED = set(UNFILTERED_CALLERS)


def unfiltered_uses(tree: ast.Module) -> list[tuple[str, int, str]]:
    """(function, line, where) of every import, call or mention of a key of UNFILTERED_CALLERS:
    `where` is the enclosing function (`Class.method` inside a class), "" for the module's own
    level, where imports are."""
    parents = parents_of(tree)

    def where(node: ast.AST) -> str:
        names = []
        while (node := parents.get(node)) is not None:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(node.name)
        return ".".join(reversed(names))

    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            uses += [(a.name, node.lineno, where(node)) for a in node.names if a.name in UNFILTERED]
        elif isinstance(node, ast.Name) and node.id in UNFILTERED:  # account_leads(actor)
            uses.append((node.id, node.lineno, where(node)))
        elif isinstance(node, ast.Attribute) and node.attr in UNFILTERED:  # policy.system_leads()
            uses.append((node.attr, node.lineno, where(node)))
    return sorted(uses, key=lambda use: use[1])


def may_use(module: str, function: str, where: str) -> bool:
    """Whether UNFILTERED_CALLERS lets `where` in `module` have `function`; an import is
    allowed to a module that has any entry for it."""
    for entry in UNFILTERED_CALLERS[function]:
        path, _, allowed = entry.partition("::")
        if path != module:
            continue
        if not allowed or where == allowed or where.startswith(allowed + "."):
            return True
        if not where:  # the import of a function one of the module's functions may call
            return True
    return False


def policy_lead_functions() -> dict[str, ast.FunctionDef]:
    """The public functions of policy.py annotated to return leads (a QuerySet[Lead] or a Lead)."""
    return {
        node.name: node
        for node in parse(ROOT / POLICY).body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and node.returns is not None
        and ast.unparse(node.returns) in {"QuerySet[Lead]", "Lead"}
    }


def test_every_policy_function_returning_leads_is_classified() -> None:
    functions = set(policy_lead_functions())
    unclassified = functions - UNFILTERED - set(FILTERED_BY_POLICY)
    assert not unclassified, (
        f"policy.py functions returning leads are in neither UNFILTERED_CALLERS nor "
        f"FILTERED_BY_POLICY: {sorted(unclassified)}; say whether the visibility rule narrows them"
    )
    gone = set(FILTERED_BY_POLICY) - functions
    assert not gone, f"no longer functions of policy.py returning leads: {sorted(gone)}"
    # A key that is no policy function must be a listed caller that hands the leads on.
    handing_on = {
        entry.partition("::")[2].rpartition(".")[2]
        for entries in UNFILTERED_CALLERS.values()
        for entry in entries
    }
    unknown = UNFILTERED - functions - handing_on
    assert not unknown, f"UNFILTERED_CALLERS keys that nothing hands unfiltered leads to: {unknown}"


def test_unfiltered_leads_are_used_only_where_listed() -> None:
    found: dict[str, list[str]] = {}
    for path in checked_modules():
        module = relative(path)
        if module == POLICY:
            continue
        for function, line, where in unfiltered_uses(parse(path)):
            if not may_use(module, function, where):
                found.setdefault(module, []).append(f"{line}: {function} in {where or 'module'}")
    assert not found, (
        "Leads before the visibility rule used where UNFILTERED_CALLERS does not list it: use "
        "leads_for / lead_for, or add the caller with a reason that fits the function's "
        "docstring in policy.py (docs/architecture.md, convention 1):" + listing(found)
    )


def test_every_listed_unfiltered_caller_still_uses_it() -> None:
    # A stale entry would let the next caller of that name in by mistake.
    used = {
        (relative(path), function, where)
        for path in checked_modules()
        for function, _, where in unfiltered_uses(parse(path))
    }
    stale = [
        f"{function}: {entry}"
        for function, entries in UNFILTERED_CALLERS.items()
        for entry in entries
        if not any(
            module == entry.partition("::")[0]
            and name == function
            and (not entry.partition("::")[2] or where == entry.partition("::")[2])
            for module, name, where in used
        )
    ]
    assert not stale, f"UNFILTERED_CALLERS entries that no longer use the function: {stale}"


def test_the_unfiltered_check_finds_every_spelling() -> None:
    source = (
        "from leadcrew.access.policy import account_leads, leads_for\n"
        "from leadcrew.access import policy\n"
        "def job():\n"
        "    return policy.system_leads().filter(x=1)\n"
        "class Counts:\n"
        "    def of(self, actor):\n"
        "        return account_leads(actor)\n"
        "def later(actor):\n"
        "    read = all_account_leads\n"
        "    return leads_for(actor)\n"
    )
    assert unfiltered_uses(ast.parse(source)) == [
        ("account_leads", 1, ""),
        ("system_leads", 4, "job"),
        ("account_leads", 7, "Counts.of"),
        ("all_account_leads", 9, "later"),
    ]


@pytest.mark.parametrize(
    ("module", "function", "where", "allowed"),
    [
        ("leadcrew/leads/services.py", "system_leads", "standby_wake_due", True),
        ("leadcrew/leads/services.py", "system_leads", "", True),  # its import
        ("leadcrew/leads/services.py", "system_leads", "lead_update", False),
        ("leadcrew/bulk/services.py", "all_account_leads", "bulk_undo", True),
        ("leadcrew/bulk/services.py", "all_account_leads", "bulk_apply", False),
        ("leadcrew/teams/services.py", "account_leads", "team_delete", True),
        ("leadcrew/teams/services.py", "system_leads", "team_delete", False),
        ("leadcrew/access/preview.py", "account_leads", "LeadCounts.of", True),
        ("leadcrew/leads/selectors.py", "lead_rows_by_id", "lead_row_after_write", True),
        ("leadcrew/leads/selectors.py", "live_leads_of", "lead_detail_row", False),
        ("leadcrew/leads/api.py", "lead_row_after_write", "lead_detail_after_write", True),
        ("leadcrew/leads/api.py", "lead_row_after_write", "get_lead", False),
        ("leadcrew/web/views/lead.py", "lead_row_after_write", "", False),
    ],
)
def test_the_allow_list_reads_modules_and_functions(
    module: str, function: str, where: str, allowed: bool
) -> None:
    assert may_use(module, function, where) is allowed


# --- 3. Views and routers never build queries ----------------------------------------------

QUERY_METHODS = {
    "aggregate",
    "annotate",
    "cursor",  # connection.cursor(): raw SQL
    "defer",
    "distinct",
    "exclude",
    "extra",
    "filter",
    "only",
    "order_by",
    "prefetch_related",
    "raw",
    "select_for_update",
    "select_related",
    "values",  # only with arguments: dict.values() takes none
    "values_list",
}
QUERY_SHORTCUTS = {"get_object_or_404", "get_list_or_404"}  # a query on the model passed in
EXPRESSIONS = {"Q", "F", "Count"}  # however they came into the module


def is_router_or_view(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return path.stem in {"api", "views"} or path.stem.endswith("_api") or "views" in parts[:-1]


def query_building(tree: ast.Module) -> list[str]:
    """`line: code` of every query a view or router builds itself."""
    model_modules = {  # from django.db import models; import django.db.models as m
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.db"
        for alias in node.names
        if alias.name == "models"
    } | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "django.db.models" and alias.asname
    }
    # Names imported from django.db.models (Sum, Exists) or its functions (Lower) build queries.
    expressions = EXPRESSIONS | {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and (node.module == "django.db.models" or node.module.startswith("django.db.models."))
        for alias in node.names
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in LEAD_MANAGERS:
            found.append((node.lineno, short(node)))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in QUERY_METHODS:
                if func.attr != "values" or node.args or node.keywords:
                    # The line of `.filter` itself, not of the start of a chain of calls.
                    found.append((func.end_lineno or node.lineno, f".{func.attr}("))
            elif isinstance(func, ast.Name) and func.id in expressions | QUERY_SHORTCUTS:
                found.append((node.lineno, short(node, 50)))
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in model_modules
                and func.attr[:1].isupper()
            ):
                found.append((node.lineno, short(node, 50)))  # models.Count(...)
    return [f"{line}: {code}" for line, code in sorted(found)]


def routers_and_views() -> list[Path]:
    return [path for path in checked_modules() if is_router_or_view(path)]


def test_the_routers_and_views_are_checked() -> None:
    checked = {relative(path) for path in routers_and_views()}
    for module in (
        "config/api.py",
        "leadcrew/leads/api.py",
        "leadcrew/leads/pipelines_api.py",
        "leadcrew/accounts/api_keys_api.py",
        "leadcrew/web/views/leads.py",
        "leadcrew/web/views/base.py",
    ):
        assert module in checked
    assert "leadcrew/leads/selectors.py" not in checked


def by_line(path: Path, entries: list[str]) -> list[str]:
    """`line: source  [what was found]`, one a line of source, for a readable failure."""
    source = path.read_text().splitlines()
    found: dict[int, list[str]] = {}
    for entry in entries:
        line, _, code = entry.partition(": ")
        found.setdefault(int(line), []).append(code)
    return [f"{n}: {source[n - 1].strip()}  [{', '.join(codes)}]" for n, codes in found.items()]


def test_views_and_routers_never_build_queries() -> None:
    found = {
        relative(path): by_line(path, building)
        for path in routers_and_views()
        if (building := query_building(parse(path)))
    }
    count = sum(len(lines) for lines in found.values())
    assert not found, (
        f"{count} lines of views and routers build queries: move each query into a selector "
        "(reads) or a service (writes) and call that instead:" + listing(found)
    )


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("Team.objects.all()", 1),
        ("Lead.objects.create(title='x')", 1),  # creating is a service's job too
        ("User._default_manager.get(pk=1)", 1),
        ("get_object_or_404(Team, pk=1)", 1),
        ("leads_for(actor).filter(owner=u)", 1),
        ("rows.exclude(pk=1)", 1),
        ("rows.annotate(n=x)", 1),
        ("rows.aggregate(total=x)", 1),
        ("rows.values('id')", 1),
        ("rows.values_list('id', flat=True)", 1),
        ("rows.order_by('-id')", 1),
        ("rows.select_related('owner')", 1),
        ("rows.prefetch_related('tags')", 1),
        ("rows.distinct()", 1),
        ("connection.cursor()", 1),
        ("Q(owner=u)", 1),
        ("F('amount')", 1),
        ("Count('pk')", 1),
        ("from django.db.models import Sum\nSum('amount')", 1),
        ("from django.db.models import Exists as E\nE(rows)", 1),
        ("from django.db.models.functions import Lower\nLower('name')", 1),
        ("from django.db import models\nmodels.Exists(rows)", 1),
        ("Team.objects.filter(pk=1)", 2),  # the manager and the filter
        ("sum(counts.values())", 0),
        ("filter(None, names)", 0),
        ("selectors.lead_page(actor, filters, order='id')", 0),
        ("services.lead_update(actor=actor, lead_id=1, data=data)", 0),
        ("payload.model_dump(exclude_unset=True)", 0),
        ("from django.db import models\nmodels.something_lower()", 0),
        ("Sum(rows)", 0),  # not imported from django.db.models: someone else's Sum
    ],
)
def test_the_query_check_finds_every_spelling(source: str, found: int) -> None:
    assert len(query_building(ast.parse(source))) == found, query_building(ast.parse(source))


# --- 4. Domain code never imports the interface layer --------------------------------------

DOMAIN_APPS = ("accounts", "teams", "access", "leads", "bulk", "stats", "audit", "webhooks")
INTERFACE_MODULES = {"api", "schemas", "views", "backends"}
INTERFACE_PACKAGES = {"views"}
INTERFACE_IMPORTS = ("ninja", "django.http")


def is_interface(path: Path) -> bool:
    stem = path.stem
    return (
        stem in INTERFACE_MODULES
        or stem.endswith(("_api", "_schemas"))
        or bool(INTERFACE_PACKAGES & set(path.relative_to(ROOT).parts[:-1]))
    )


def domain_modules() -> list[Path]:
    return [
        path
        for app in DOMAIN_APPS
        if (ROOT / "leadcrew" / app).is_dir()
        for path in modules(f"leadcrew/{app}")
        if not is_aside(path) and not is_interface(path)
    ]


def interface_imports(tree: ast.Module) -> list[str]:
    def is_interface_name(name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in INTERFACE_IMPORTS)

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_interface_name(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if is_interface_name(node.module):
                found.append(node.module)
            else:  # from django import http
                found += [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if is_interface_name(f"{node.module}.{alias.name}")
                ]
    return found


def test_the_domain_apps_are_checked() -> None:
    checked = {relative(path) for path in domain_modules()}
    for module in ("access/policy", "access/actor", "leads/models", "accounts/services"):
        assert f"leadcrew/{module}.py" in checked


def test_domain_code_never_imports_the_interface_layer() -> None:
    found = {
        relative(path): imports
        for path in domain_modules()
        if (imports := interface_imports(parse(path)))
    }
    assert not found, (
        "Domain modules import the interface layer (docs/architecture.md, convention 7); move the "
        f"code to api.py, schemas.py or views.py, or pass plain values in: {found}"
    )


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from ninja import Schema", ["ninja"]),
        ("import ninja.errors", ["ninja.errors"]),
        ("from django.http import HttpRequest", ["django.http"]),
        ("from django import http", ["django.http"]),
        ("import django.http.response", ["django.http.response"]),
        ("from django.db import models", []),
        ("from leadcrew.ninja_tools import x", []),
    ],
)
def test_the_import_check_finds_every_spelling(source: str, found: list[str]) -> None:
    assert interface_imports(ast.parse(source)) == found
