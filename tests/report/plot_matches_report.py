"""scripts/plot re-implements the critical-path shares of docs/report.md in Python; this
checks it agrees with `wxfer report --json` on every run group of the given files.
usage: plot_matches_report.py SCRIPTS_PLOT WXFER FILE.h5..."""
import importlib.machinery
import importlib.util
import json
import subprocess
import sys

plot_path, wxfer, files = sys.argv[1], sys.argv[2], sys.argv[3:]
loader = importlib.machinery.SourceFileLoader("plot", plot_path)
plot = importlib.util.module_from_spec(importlib.util.spec_from_loader("plot", loader))
loader.exec_module(plot)
for path in files:
    report = json.loads(subprocess.check_output([wxfer, "report", path, "--json"]))["runs"]
    runs, _ = plot.load_runs(path)
    assert [r["label"] for r in runs] == [r["label"] for r in report], "run order differs"
    for run, expected in zip(runs, report):
        shares = plot.critical_shares(*plot.step_window(run, plot.median_step(run)))
        wanted = {s["stage"]: s["critical_seconds"] for s in expected["median_step"]["stages"]}
        wanted["idle"] = expected["median_step"]["idle_seconds"]
        for stage, seconds in wanted.items():
            if abs(shares.get(stage, 0.0) - seconds) > 1e-9:
                sys.exit(f"{path}:{run['label']}: {stage} plot {shares.get(stage, 0.0)} report {seconds}")
print("plot agrees with wxfer report")
