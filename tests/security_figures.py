"""The figures of docs/security.md: how many hostile inputs and leak probes the suites try, and how
many the platform refuses. Each test case of these files sends one hostile input (or one probe
for data the caller may not see) and asserts that it is refused: a passing case is a refusal.

    make security-figures        (or: python -m tests.security_figures)

Prints a Markdown table; it runs the files with pytest, so it needs what the tests need. A file
that also holds other tests is named with the fragments of its hostile tests' names
(path::fragment,fragment)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "hostile input": [
        ("CQL2 filters (OGC API)", "tests/test_ogcapi_cql2.py::hostile,error_positions"),
        ("search queries", "tests/search/test_hostile.py"),
        ("WMS requests", "tests/maps/test_wms.py::errors,invalid,unknown,bad_token,escaped"),
        ("vector imports", "tests/test_import_hostile.py"),
        ("raster uploads", "tests/rasters/test_hostile.py"),
        ("request sizes and stored files",
         "tests/test_upload_limits.py::refused,malformed,413,not_served,bad_request,unsafe,inside"),
        ("CSP reports", "tests/test_csp_report.py"),
    ],
    "leak": [
        ("layer permissions (REST, OGC, tiles, export)", "tests/test_permissions.py"),
        ("search results", "tests/search/test_permissions.py"),
        ("WMS maps and feature info", "tests/maps/test_wms_permissions.py"),
        ("reporters' personal information", "tests/test_annotations_privacy.py"),
    ],
}


def _outcomes(report: Path) -> list[tuple[str, str, str]]:
    """(file, test name, outcome) of every case in a JUnit XML report."""
    cases = []
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        path = "/".join(part for part in module if not part[:1].isupper()) + ".py"
        kinds = {child.tag for child in case}
        outcome = "skipped" if "skipped" in kinds else "failed" if kinds & {"failure", "error"} else "refused"
        cases.append((path, case.get("name", ""), outcome))
    return cases


def _count(cases: list[tuple[str, str, str]], entry: str) -> Counter:
    path, _, fragments = entry.partition("::")
    wanted = [f for f in fragments.split(",") if f]
    return Counter(outcome for file, name, outcome in cases
                   if file == path and (not wanted or any(f in name for f in wanted)))


def main() -> int:
    files = sorted({entry.partition("::")[0] for suite in SUITES.values() for _, entry in suite})
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--junitxml={report}", *files], cwd=ROOT, capture_output=True, text=True)
        if not report.exists():
            print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
            return 1
        cases = _outcomes(report)
    print("| suite | what | file | tried | refused | not refused |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    totals: dict[str, Counter] = {}
    for suite, entries in SUITES.items():
        for what, path in entries:
            counts = _count(cases, path)
            tried = counts["refused"] + counts["failed"]
            totals.setdefault(suite, Counter()).update(counts)
            file = path.partition("::")[0]
            print(f"| {suite} | {what} | {file} | {tried} | {counts['refused']} | {counts['failed']} |")
    for suite, counts in totals.items():
        print(f"| **{suite}, all** | | | **{counts['refused'] + counts['failed']}** | **{counts['refused']}** "
              f"| **{counts['failed']}** |")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
