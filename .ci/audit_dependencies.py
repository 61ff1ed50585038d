"""pip-audit over the installed dependencies: fail on any known vulnerability, never pass unasked.

pip-audit looks each installed version up in PyPI's vulnerability data (its default service).
Where that lookup cannot be made for any dependency (no network, or a registry mirror that
serves only the project pages), plain pip-audit would still say "No known vulnerabilities
found"; this says instead that nothing was audited, and fails when PIP_AUDIT_REQUIRED=1
(a release checklist on a networked machine). Some lookups failing while others answer is
a failure: a dependency we cannot audit is not one we may call clean. The editable project
itself is not on PyPI and is skipped. Extra arguments (``--ignore-vuln ID``) go to pip-audit.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404  # runs pip-audit from this venv, fixed arguments
import sys


def main(extra: list[str]) -> int:
    command = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable",
               "--progress-spinner", "off", "--format", "json", *extra]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # pip-audit, no shell
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr)
        print("pip-audit did not produce a report", file=sys.stderr)
        return 1
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"pip-audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        return 1
    if skipped and len(skipped) == len(dependencies):
        print(f"pip-audit: NOT AUDITED — the vulnerability service answered for none of the "
              f"{len(dependencies)} dependencies ({skipped[0]['skip_reason']})")
        return 1 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0
    if skipped:
        for dep in skipped:
            print(f"pip-audit: could not audit {dep['name']}: {dep['skip_reason']}")
        return 1
    print(f"pip-audit: {len(dependencies)} dependencies, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
