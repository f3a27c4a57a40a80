"""One table for one `make bench` run: every figure of every script, with its ratio.

Usage (tools/bench.sh calls it at the end): ``python bench/report.py RUN_ID script=status ...``
where each ``script=status`` is a bench script and its exit status. Reads the JSON the scripts
wrote into bench/results/ for that run, prints the combined table and writes it as
bench/results/combined.json.
"""

import datetime
import json
import math
import os
import subprocess
import sys

from common import REPO_ROOT, RESULTS_DIR, machine

COMBINED = RESULTS_DIR / "combined.json"


def _git_commit():
    try:
        return subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _number(value):
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return "%.3f" % value


def collect(run_id, statuses):
    """The per-script results of ``run_id`` (and a stub for scripts that wrote none)."""
    results = []
    for script, status in statuses:
        name = os.path.splitext(os.path.basename(script))[0]
        name = name[len("bench_") :] if name.startswith("bench_") else name
        path = RESULTS_DIR / ("%s.json" % name)
        data = None
        if path.exists():
            data = json.loads(path.read_text())
            if run_id and data.get("run_id") != run_id:
                data = None  # an older run's file: this run wrote nothing
        if data is None:
            data = {"bench": name, "figures": [], "ok": False, "problems": ["no results"]}
        data["script"] = script
        data["exit_status"] = status
        data["ok"] = bool(data.get("ok", True)) and status == 0
        results.append(data)
    return results


def print_table(results, header):
    print()
    print("=" * 118)
    print(header)
    print("=" * 118)
    print(
        "%-13s %-58s %12s %-8s %8s %12s  %s"
        % ("area", "figure", "value", "unit", "ratio", "baseline", "note")
    )
    print("-" * 118)
    for result in results:
        for row in result["figures"]:
            ratio = row.get("ratio")
            print(
                "%-13s %-58s %12s %-8s %8s %12s  %s"
                % (
                    result["bench"][:13],
                    row["figure"][:58],
                    _number(row["value"]),
                    row["unit"],
                    "x%.2f" % ratio if ratio is not None else "",
                    _number(row.get("baseline")),
                    row.get("note") or "",
                )
            )
        status = "ok" if result["ok"] else "FAILED (exit %s)" % result["exit_status"]
        extra = "; ".join(result.get("problems") or [])
        print(
            "%-13s %-58s %s%s"
            % (
                result["bench"][:13],
                "-> %s (%.0f s)" % (status, result.get("seconds") or 0),
                "",
                ("  " + extra[:300]) if extra else "",
            )
        )
        print("-" * 118)


def main(argv):
    run_id = argv[1] if len(argv) > 1 else os.environ.get("BENCH_RUN_ID")
    statuses = []
    for argument in argv[2:]:
        script, _sep, status = argument.rpartition("=")
        statuses.append((script, int(status)))
    results = collect(run_id, statuses)
    at_end = machine()
    starts = [r["machine_at_start"] for r in results if r.get("machine_at_start")]
    header = (
        "make bench %s, commit %s: %s cores; load average %s at the start, %s at the end. "
        "Ratios: value / baseline measured in the same run."
        % (
            datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            _git_commit() or "?",
            at_end["cores"],
            " ".join("%.2f" % x for x in starts[0]["load"]) if starts else "?",
            " ".join("%.2f" % x for x in at_end["load"]),
        )
    )
    print_table(results, header)
    failed = [r["bench"] for r in results if not r["ok"]]
    print(
        "All %s scripts ok: nothing lost or duplicated in the reliability runs." % len(results)
        if not failed
        else "FAILED: %s" % ", ".join(failed)
    )
    COMBINED.parent.mkdir(parents=True, exist_ok=True)
    COMBINED.write_text(
        json.dumps(
            {
                "run_id": run_id,
                "commit": _git_commit(),
                "machine_at_end": at_end,
                "header": header,
                "ok": not failed,
                "results": results,
            },
            indent=2,
        )
    )
    print("Combined figures: %s" % COMBINED.relative_to(REPO_ROOT))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
