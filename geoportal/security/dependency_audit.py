"""Dependency audit for `make test`: known vulnerabilities in the Python packages (pip-audit,
PyPI's vulnerability data) and in the browser packages (`npm audit`, the npm registry's).

    python -m geoportal.security.dependency_audit

The Python side audits the packages installed from requirements.txt, exactly as pip resolved
them (`pip freeze`): requirements.txt pins by minor version, so the installed set is what runs.
A finding fails the run unless scripts/audit-accepted.toml accepts it: its id (or an alias),
the package, a reason and an expiry date; an expired or malformed acceptance fails the run too.

When a vulnerability service cannot be reached, or answers for none of the packages, the audit
says so plainly. DEPENDENCY_AUDIT decides what that means: "warn" (the default) carries on,
"require" fails the run, "off" skips the audit.
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_FILE = ROOT / "scripts" / "audit-accepted.toml"
FRONTEND = ROOT / "frontend"
TIMEOUT = 600  # seconds for each tool


@dataclass(frozen=True)
class Finding:
    ecosystem: str  # "pypi" or "npm"
    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""

    def ids(self) -> set[str]:
        return {self.id, *self.aliases}

    def __str__(self) -> str:
        return f"{self.ecosystem} {self.package} {self.version}: {self.id} {self.summary}".rstrip()


@dataclass(frozen=True)
class Acceptance:
    id: str
    package: str
    reason: str
    expires: datetime.date


class AuditUnavailable(Exception):
    """The vulnerability service could not be asked, or gave no answer worth the name."""


class AcceptedFileError(ValueError):
    """scripts/audit-accepted.toml is malformed; the message names the entry."""


@dataclass
class Verdict:
    failing: list[Finding] = field(default_factory=list)
    accepted: list[tuple[Finding, Acceptance]] = field(default_factory=list)
    expired: list[tuple[Finding, Acceptance]] = field(default_factory=list)


def acceptances_load(text: str) -> list[Acceptance]:
    entries = tomllib.loads(text).get("finding", [])
    accepted = []
    for number, entry in enumerate(entries, 1):
        missing = [key for key in ("id", "package", "reason", "expires") if not entry.get(key)]
        if missing:
            raise AcceptedFileError(f"accepted finding #{number} lacks {', '.join(missing)}")
        if not isinstance(entry["expires"], datetime.date) or isinstance(entry["expires"], datetime.datetime):
            raise AcceptedFileError(f"accepted finding #{number} ({entry['id']}): expires must be a date, "
                                    "as in expires = 2027-06-30")
        accepted.append(Acceptance(id=str(entry["id"]), package=str(entry["package"]).lower(),
                                   reason=str(entry["reason"]), expires=entry["expires"]))
    return accepted


def pip_audit_findings(report: dict) -> tuple[list[Finding], list[str]]:
    """Findings in pip-audit's JSON report, and the packages it could not audit."""
    findings, unaudited = [], []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            unaudited.append(dependency["name"])
            continue
        for vuln in dependency.get("vulns", []):
            findings.append(Finding("pypi", dependency["name"].lower(), dependency.get("version", ""), vuln["id"],
                                    tuple(vuln.get("aliases", ())), (vuln.get("description") or "")[:100]))
    return findings, unaudited


def npm_audit_findings(report: dict) -> list[Finding]:
    """Findings in `npm audit --json` (report version 2): one per advisory of a package."""
    if "vulnerabilities" not in report:
        problem = report.get("message") or report.get("error", {}).get("summary") or "no report"
        raise AuditUnavailable(f"npm audit gave no report: {str(problem)[:200]}")
    findings = []
    for name, entry in report["vulnerabilities"].items():
        for via in entry.get("via", []):
            if isinstance(via, dict):  # a string names another package whose advisory this is
                advisory = str(via.get("url", "")).rstrip("/").rsplit("/", 1)[-1] or str(via.get("source", ""))
                findings.append(Finding("npm", name.lower(), str(via.get("range", "")), advisory,
                                        (str(via.get("source", "")),), str(via.get("title", ""))[:100]))
    return findings


def verdict_decide(*, findings: list[Finding], accepted: list[Acceptance], today: datetime.date) -> Verdict:
    verdict = Verdict()
    for finding in findings:
        match = next((a for a in accepted if a.package == finding.package and a.id in finding.ids()), None)
        if match is None:
            verdict.failing.append(finding)
        elif match.expires < today:
            verdict.expired.append((finding, match))
        else:
            verdict.accepted.append((finding, match))
    return verdict


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise AuditUnavailable(f"{command[0]} took more than {TIMEOUT} s") from exc
    except FileNotFoundError as exc:
        raise AuditUnavailable(f"{command[0]} is not installed") from exc


def pip_audit_run() -> list[Finding]:
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"])
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "installed.txt"
        requirements.write_text(frozen.stdout)
        report_path = Path(folder) / "report.json"
        done = _run([sys.executable, "-m", "pip_audit", "--requirement", str(requirements), "--no-deps",
                     "--disable-pip", "--progress-spinner", "off", "--timeout", "20", "--format", "json",
                     "--output", str(report_path)])
        if not report_path.exists() or not report_path.read_text().strip():
            raise AuditUnavailable("pip-audit could not ask PyPI: " + (done.stderr.strip().splitlines() or ["?"])[-1])
        report = json.loads(report_path.read_text())
    findings, unaudited = pip_audit_findings(report)
    total = len(report.get("dependencies", []))
    if total and len(unaudited) == total:
        raise AuditUnavailable(f"PyPI's vulnerability data answered for none of the {total} installed packages")
    if unaudited:
        print(f"audit: {len(unaudited)} of {total} Python packages could not be audited: {', '.join(unaudited)}")
    return findings


def npm_audit_run() -> list[Finding]:
    done = _run(["npm", "audit", "--json", "--package-lock-only"], cwd=FRONTEND)
    try:
        report = json.loads(done.stdout or "{}")
    except ValueError as exc:
        raise AuditUnavailable("npm audit's answer is not JSON: " + done.stderr.strip()[:200]) from exc
    return npm_audit_findings(report)


def main() -> int:
    mode = os.environ.get("DEPENDENCY_AUDIT", "warn")
    if mode == "off":
        print("audit: skipped (DEPENDENCY_AUDIT=off)")
        return 0
    try:
        accepted = acceptances_load(ACCEPTED_FILE.read_text())
    except (AcceptedFileError, tomllib.TOMLDecodeError) as exc:
        print(f"audit: {ACCEPTED_FILE.name}: {exc}", file=sys.stderr)
        return 1
    findings, unavailable = [], []
    for name, run in (("Python packages (pip-audit)", pip_audit_run), ("browser packages (npm audit)", npm_audit_run)):
        try:
            found = run()
        except AuditUnavailable as exc:
            unavailable.append(f"{name}: {exc}")
            continue
        print(f"audit: {name}: {len(found)} known vulnerabilities")
        findings += found
    verdict = verdict_decide(findings=findings, accepted=accepted, today=datetime.date.today())
    for finding, acceptance in verdict.accepted:
        print(f"audit: accepted until {acceptance.expires}: {finding} ({acceptance.reason})")
    for finding, acceptance in verdict.expired:
        print(f"audit: FAILED, acceptance expired on {acceptance.expires}: {finding}", file=sys.stderr)
    for finding in verdict.failing:
        print(f"audit: FAILED, not accepted in {ACCEPTED_FILE.name}: {finding}", file=sys.stderr)
    for problem in unavailable:
        print(f"audit: NOT AUDITED, {problem}", file=sys.stderr)
    if unavailable and mode == "require":
        print("audit: DEPENDENCY_AUDIT=require and a vulnerability service could not be reached: failing.",
              file=sys.stderr)
        return 1
    return 1 if verdict.failing or verdict.expired else 0


if __name__ == "__main__":
    sys.exit(main())
