"""The report's verdicts (the fixed cost of a request, the baseline's throughput, the activity
report) and the activity report's answer check."""

from typing import Any

from bench.report import fixed_cost, section, throughput_verdict, verdict
from bench.run import _same_activity_report


def _measurement(group: str, app_ms: float, floor_ms: float | None) -> dict[str, Any]:
    stats = {"median_ms": app_ms, "p95_ms": app_ms, "min_ms": app_ms, "runs": 5}
    floor = (
        {"median_ms": floor_ms, "p95_ms": floor_ms, "min_ms": floor_ms, "runs": 5}
        if floor_ms is not None
        else None
    )
    return {
        "key": f"{group}_x",
        "group": group,
        "label": f"A {group}",
        "target": "list" if group in ("list", "detail") else None,
        "app": stats,
        "floor": floor,
        "baseline": None,
        "floor_shape": None,
        "candidates": {},
        "checks": {},
        "plans": [],
        "note": "",
    }


def test_the_fixed_cost_is_the_time_over_the_floor_of_lists_and_the_detail_only() -> None:
    assert fixed_cost(_measurement("list", 4.5, 2.0)) == 2.5
    assert fixed_cost(_measurement("detail", 3.0, 1.0)) == 2.0
    assert fixed_cost(_measurement("statistics", 30.0, 10.0)) is None
    assert fixed_cost(_measurement("list", 4.5, None)) is None


def test_throughput_is_judged_only_against_a_baseline_of_the_same_run() -> None:
    assert throughput_verdict({"requests_per_second": 300.0}) is None
    assert throughput_verdict(
        {"requests_per_second": 360.0, "baseline": {"requests_per_second": 200.0}}
    )
    assert not throughput_verdict(
        {"requests_per_second": 359.0, "baseline": {"requests_per_second": 200.0}}
    )


def _results(measurements: list[dict[str, Any]], load: dict[str, Any]) -> dict[str, Any]:
    return {
        "db": "postgres",
        "scale": "tiny",
        "started_at": "20261206T000000Z",
        "run_seconds": 1.0,
        "generation_seconds": 1.0,
        "generated_in_this_run": False,
        "machine": {
            "cpu": "x",
            "cores": 2,
            "memory_gib": 1,
            "os": "linux",
            "load_average_at_start": [0.0, 0.0, 0.0],
        },
        "versions": {"python": "3.13"},
        "dataset": {
            "seed": 1,
            "large_account": {
                "leads": 10,
                "users": 2,
                "admins": 1,
                "teams": 1,
                "memberships": 1,
                "manager_memberships": 1,
                "unassigned_share": 0.1,
                "in_team_share": 0.5,
                "open_share": 0.5,
                "created_from": "2024-01-01",
                "created_to": "2026-01-01",
            },
            "small_accounts": [{"leads": 5, "users": 1}],
        },
        "options": {"workers": 1, "threads": 1, "runs": 5, "warmup": 1},
        "measurements": measurements,
        "load": load,
        "peer": {"status": "skipped", "reason": "test"},
    }


def _load(rps: float) -> dict[str, Any]:
    return {
        "clients": 2,
        "offered_requests_per_second": None,
        "seconds": 1.0,
        "requests": int(rps),
        "requests_per_second": rps,
        "errors": 0,
        "error_samples": [],
        "by_kind": {"list": {"runs": 3, "median_ms": 5.0, "p95_ms": 9.0}},
    }


def test_the_targets_table_judges_the_worst_fixed_cost_and_the_baseline() -> None:
    load = {**_load(400.0), "baseline": _load(200.0)}
    text = section(
        _results([_measurement("list", 4.0, 2.0), _measurement("detail", 7.5, 1.0)], load),
        "x.json",
    )
    assert (
        "| app − floor ≤ 3 ms (median) for every lead list and the lead detail | **missed** |"
        in text
    )
    assert "| saturated throughput ≥ 1.8 × the --baseline commit's, in the same run | met |" in text
    assert "app − floor 6.50" in text


def test_the_activity_report_may_take_one_and_a_half_times_its_floor_plus_20_ms() -> None:
    report = _measurement("activities", 50.0, 20.0) | {"target": "activities"}
    assert verdict(report)
    slower = _measurement("activities", 50.1, 20.0) | {"target": "activities"}
    assert not verdict(slower)


def _answer(months: dict[str, tuple[dict[int, int], int, int]]) -> dict[str, Any]:
    groups = [
        {
            "key": month,
            "count": sum(by_type.values()),
            "by_activity": [{"activity_id": t, "count": n} for t, n in sorted(by_type.items())],
            "leads_touched": touched,
            "leads_won": won,
        }
        for month, (by_type, touched, won) in months.items()
    ]
    return {
        "totals": {
            "count": sum(group["count"] for group in groups),
            "leads_touched": 5,
            "leads_won": 1,
        },
        "groups": groups,
    }


def test_the_activity_floor_gives_the_same_answer_only_when_every_figure_matches() -> None:
    answer = _answer({"2026-01-01": ({1: 3, 2: 1}, 3, 1), "2026-02-01": ({2: 2}, 2, 0)})
    rows: list[tuple[Any, ...]] = [
        ("2026-01-01", 1, 3, None, None),
        ("2026-01-01", 2, 1, None, None),
        ("2026-02-01", 2, 2, None, None),
        ("2026-01-01", None, 4, 3, 1),
        ("2026-02-01", None, 2, 2, 0),
        (None, None, 6, 5, 1),
    ]
    assert _same_activity_report(rows, answer)
    assert not _same_activity_report([*rows[:-1], (None, None, 6, 4, 1)], answer)
    assert not _same_activity_report([("2026-01-01", 1, 2, None, None), *rows[1:]], answer)
    assert not _same_activity_report(rows[:-1], answer)
