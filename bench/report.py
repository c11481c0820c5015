"""docs/benchmarks.md from a results JSON: the section of one database and scale, between its
markers, is rewritten; the rest of the document (method, analysis) is left as written.

    python -m bench.report bench/results/postgres-full-<time>.json
"""

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.harness import server_shape

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "benchmarks.md"
DB_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}

TARGETS = {
    "list": "≤ 2 × floor + 10 ms (median); no full-account scan for a non-admin",
    "statistics": "≤ 1.5 × floor + 20 ms (median)",
    "statistics_account": "account-wide statistics over 12 months ≤ 50 ms (median)",
    "activities": "activity report ≤ 1.5 × floor + 20 ms (median)",
    "explanation": "who can see a lead, every user: ≤ 2 × floor + 10 ms (median)",
    "web_list": "the web lead list of a 1,000-user account ≤ 50 ms (median, over HTTP)",
    "bulk": "≤ 2 × floor (median)",
    "privacy": "no slower than the same list in steady state (median ≤ its p95)",
    "fixed_cost": "app − floor ≤ 3 ms (median) for every lead list and the lead detail",
    "load": "0 errors, list p95 < 100 ms (clients without pause)",
    "throughput": "saturated throughput ≥ 1.8 × the --baseline commit's, in the same run",
    "peer": "faster than the peer (median)",
}


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def verdict(measurement: dict[str, Any]) -> bool | None:
    """Whether the measurement meets its target (None: it has none)."""
    target, app, floor = measurement["target"], measurement["app"], measurement["floor"]
    checks = measurement["checks"]
    if target is None or app is None:
        return None
    if target == "list":
        fast = floor is not None and app["median_ms"] <= 2 * floor["median_ms"] + 10
        return fast and not checks.get("full_account_scan", False)
    if target in ("statistics", "activities"):
        return floor is not None and app["median_ms"] <= 1.5 * floor["median_ms"] + 20
    if target in ("statistics_account", "web_list"):
        return bool(app["median_ms"] <= 50)
    if target == "explanation":
        return floor is not None and app["median_ms"] <= 2 * floor["median_ms"] + 10
    if target == "bulk":
        return floor is not None and app["median_ms"] <= 2 * floor["median_ms"]
    if target == "privacy":
        return bool(app["median_ms"] <= checks["steady_p95_ms"])
    return None


# How much time the application may add to the floor of a lead list or the lead detail.
FIXED_COST_MS = 3.0
THROUGHPUT_GAIN = 1.8


def fixed_cost(measurement: dict[str, Any]) -> float | None:
    """The application's own time over the floor, for a lead list or the lead detail."""
    app, floor = measurement["app"], measurement["floor"]
    if measurement["group"] not in ("list", "detail") or app is None or floor is None:
        return None
    return float(app["median_ms"] - floor["median_ms"])


def throughput_verdict(load: dict[str, Any]) -> bool | None:
    """Whether the saturated throughput is THROUGHPUT_GAIN × the baseline's (None: no
    baseline in this run)."""
    baseline = load.get("baseline")
    if not baseline:
        return None
    return bool(load["requests_per_second"] >= THROUGHPUT_GAIN * baseline["requests_per_second"])


def _mark(met: bool | None) -> str:
    return "–" if met is None else ("met" if met else "**missed**")


def _row(measurement: dict[str, Any]) -> str:
    app, floor = measurement["app"], measurement["floor"]
    checks = measurement["checks"]
    app_text = f"{_ms(app['median_ms'])} ({_ms(app['p95_ms'])})" if app else "–"
    floor_text = f"{_ms(floor['median_ms'])} ({_ms(floor['p95_ms'])})" if floor else "–"
    ratio = (
        f"{app['median_ms'] / floor['median_ms']:.1f}×"
        if app and floor and floor["median_ms"] > 0
        else "–"
    )
    notes = []
    if measurement["floor_shape"]:
        notes.append(f"floor: {measurement['floor_shape']}")
    same = [value for key, value in checks.items() if key.startswith("same_answer")]
    if same:
        notes.append("same answer" if all(same) else "**answers differ**")
    if checks.get("lead_rows_read") is not None:
        notes.append(f"{checks['lead_rows_read']:,} lead rows read")
    if checks.get("bytes") is not None:
        notes.append(f"{checks['bytes'] / 1024:,.0f} KiB")
    if checks.get("visible_leads") is not None:
        notes.append(f"{checks['visible_leads']:,} visible")
    if (own := fixed_cost(measurement)) is not None:
        notes.append(f"app − floor {_ms(own)}")
    if measurement.get("baseline"):
        notes.append(f"baseline {_ms(measurement['baseline']['median_ms'])}")
    if "steady_median_ms" in checks:
        notes.append(
            f"steady state {_ms(checks['steady_median_ms'])} ({_ms(checks['steady_p95_ms'])})"
        )
    if measurement["note"]:
        notes.append(measurement["note"])
    return (
        f"| {measurement['label']} | {app_text} | {floor_text} | {ratio} | "
        f"{_mark(verdict(measurement))} | {'; '.join(notes)} |"
    )


def section(results: dict[str, Any], source: str) -> str:
    db, scale = results["db"], results["scale"]
    machine, versions, data = results["machine"], results["versions"], results["dataset"]
    large, options = data["large_account"], results["options"]
    lines = [
        f"## {DB_NAMES.get(db, db)}, {scale} scale",
        "",
        f"Generated by `make bench` from `{source}` (run of {results['started_at']}, "
        f"{results['run_seconds']:,.0f} s in all; data generated in "
        f"{results['generation_seconds']} s"
        + (" during this run" if results["generated_in_this_run"] else " before this run")
        + ").",
        "",
        f"- Machine: {machine['cpu'] or 'unknown CPU'}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, {machine['os']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in machine['load_average_at_start'])} (shared machine).",
        "- Versions: " + ", ".join(f"{name} {value}" for name, value in versions.items()) + ".",
        f"- Dataset (seed {data['seed']}): {large['leads']:,} leads, {large['users']:,} users "
        f"({large['admins']} admins), {large['teams']} teams, {large['memberships']:,} "
        f"memberships of which {large['manager_memberships']} as manager; "
        f"{large['unassigned_share']:.1%} unassigned, {large['in_team_share']:.1%} in a team, "
        f"{large['open_share']:.1%} open, created {large['created_from']} to "
        f"{large['created_to']}"
        + (f", {large['activities']:,} activities" if large.get("activities") else "")
        + f"; plus {len(data['small_accounts'])} accounts of "
        f"{data['small_accounts'][0]['leads']:,} leads.",
        "- Server: `leadcrew serve --no-scheduler`, "
        f"{server_shape(options['workers'], options.get('threads', 4))}; client: one keep-alive "
        "connection per credential; app and floor runs interleaved; "
        f"{results['options']['runs']} timed runs after {results['options']['warmup']} "
        "warm-up runs unless said otherwise.",
        "",
        "Times in ms: median (p95). The floor is the fastest hand-written SQL candidate for the "
        "same answer, run through psycopg/sqlite3 on the same database in the same run; every "
        "candidate's answer is compared with the application's.",
        "",
        "| measurement | leadcrew | floor | ratio | target | notes |",
        "|---|---|---|---|---|---|",
    ]
    measurements = results["measurements"]
    lines += [_row(measurement) for measurement in measurements]
    load = results["load"]
    load_met = load["errors"] == 0 and load["by_kind"].get("list", {}).get("p95_ms", 1e9) < 100
    peer = results["peer"]
    lines += ["", "### Concurrent load", ""]
    lines += _load_lines(load, "Without pause (the server saturated)")
    if "paced" in load:
        lines += ["", *_load_lines(load["paced"], "Paced at half that throughput")]
    if "baseline" in load:
        baseline = results.get("baseline", {})
        title = f"The baseline `{baseline.get('ref')}` ({str(baseline.get('commit'))[:12]})"
        lines += ["", *_load_lines(load["baseline"], f"{title}, without pause")]
    lines += ["", "### Peer: BottleCRM (`django-crm` on PyPI)", ""]
    peer_met: bool | None = None
    if peer.get("status") == "ok":
        ours, theirs = peer["leadcrew"], peer["peer"]
        peer_met = ours["median_ms"] < theirs["median_ms"]
        lines += [
            f"{peer['description']}",
            "",
            "| request | median | p95 |",
            "|---|---|---|",
            f"| leadcrew: {peer['leadcrew_request']} | {_ms(ours['median_ms'])} | "
            f"{_ms(ours['p95_ms'])} |",
            f"| BottleCRM {peer['version']}: {peer['peer_request']} | {_ms(theirs['median_ms'])} | "
            f"{_ms(theirs['p95_ms'])} |",
        ]
        notes = [
            *peer.get("notes", []),
            "The two are timed in turn on the same two cores: each of the peer's requests keeps "
            "them busy for seconds, which also slows leadcrew's requests in between (compare "
            "with the member's list in the table above).",
        ]
        lines += ["", *[f"- {note}" for note in notes]]
    else:
        lines.append(
            f"Not measured in this run: {peer.get('reason', 'unknown')}"
            + (f" — `{peer['error']}`" if peer.get("error") else "")
        )
    lines += ["", "### Targets", "", "| target | verdict |", "|---|---|"]
    by_target: dict[str, list[bool]] = {}
    for measurement in measurements:
        met = verdict(measurement)
        if met is not None:
            by_target.setdefault(measurement["target"], []).append(met)
    for target, text in TARGETS.items():
        if target == "load":
            met = load_met
        elif target == "fixed_cost":
            costs = [cost for m in measurements if (cost := fixed_cost(m)) is not None]
            met = None if not costs else max(costs) <= FIXED_COST_MS
        elif target == "throughput":
            met = throughput_verdict(load)
        elif target == "peer":
            met = peer_met
        else:
            found = by_target.get(target)
            met = None if not found else all(found)
        lines.append(f"| {text} | {_mark(met)} |")
    missed = [m for m in measurements if verdict(m) is False]
    if missed:
        lines += ["", "### Plans of the missed targets", ""]
        for measurement in missed:
            lines += [f"#### {measurement['label']}", ""]
            for plan in measurement["plans"] or ["(no plan captured)"]:
                lines += ["```", plan.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _load_lines(load: dict[str, Any], title: str) -> list[str]:
    offered = load.get("offered_requests_per_second")
    pace = (
        f"each at regular intervals, together offering {offered} requests/s"
        if offered
        else "each sending its next request as soon as it has the answer"
    )
    lines = [
        f"{title}: {load['clients']} clients, {pace}, for {load['seconds']} s on loopback: "
        f"{load['requests']:,} requests, **{load['requests_per_second']} requests/s**, "
        f"{load['errors']} errors.",
        "",
        "| request | count | median | p95 |",
        "|---|---|---|---|",
    ]
    for kind, stats in load["by_kind"].items():
        lines.append(
            f"| {kind} | {stats['runs']:,} | {_ms(stats['median_ms'])} | {_ms(stats['p95_ms'])} |"
        )
    if load["error_samples"]:
        lines += ["", "Errors (first ones):", ""]
        lines += [f"- `{error}`" for error in load["error_samples"]]
    return lines


def update_document(results: dict[str, Any], source: str | None = None) -> None:
    key = f"{results['db']}-{results['scale']}"
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    source = source or f"bench/results/{key}-{results['started_at']}.json"
    body = f"{start}\n{section(results, source)}{end}"
    text = DOCUMENT.read_text() if DOCUMENT.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + body + after
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(argv if argv is not None else sys.argv[1:])
    if not paths:
        print("usage: python -m bench.report bench/results/<file>.json", file=sys.stderr)
        return 2
    for name in paths:
        path = Path(name)
        update_document(json.loads(path.read_text()), path.resolve().relative_to(ROOT).as_posix())
    return 0


if __name__ == "__main__":
    sys.exit(main())
