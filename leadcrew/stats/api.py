"""/api/v2/statistics: a thin route over the statistics selectors."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router

from leadcrew.core.api_types import ApiRequest
from leadcrew.stats import selectors, services
from leadcrew.stats.export import statistics_csv
from leadcrew.stats.schemas import StatisticsOut, StatisticsQuery, statistics_out

router = Router(tags=["Statistics"])

RESPONSES = {
    "responses": {
        200: {
            "description": "The statistics; with `format=csv`, the groups and totals as CSV",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StatisticsOut"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
}


@router.get(
    "/statistics",
    response=StatisticsOut,
    by_alias=True,
    summary="Leads created, won, lost and cancelled per period, member or team; open pipeline",
    description=(
        "Figures over the leads of one scope: `account` (admins), `team` (admins and its "
        "managers), `teams_managed` (every team the caller manages), `user` (admins, the "
        "member themself, or a manager of one of the member's teams: then only the member's "
        "leads in the teams the caller manages). Days, weeks (from Monday) and months follow "
        "the account's time zone, and every period of the range is listed. Binned leads never "
        "count. `format=csv` answers the groups and a totals row as CSV; it is an export."
    ),
    openapi_extra=RESPONSES,
)
def statistics(request: ApiRequest, query: Query[StatisticsQuery]) -> Any:
    actor = request.auth
    wanted = query.to_request()
    if query.format == "csv":
        exported = services.statistics_export(actor=actor, request=wanted)
        response = HttpResponse(statistics_csv(exported), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="statistics.csv"'
        return response
    return statistics_out(selectors.statistics_get(actor=actor, request=wanted))
