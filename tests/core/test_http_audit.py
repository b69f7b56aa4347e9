"""The GraphQL-over-HTTP spec's official audit (graphql-http's ``auditServer``) finds
nothing to warn about on /graphql/, served on a real port."""

import json
import shutil
import subprocess
from pathlib import Path

AUDIT_DIR = Path(__file__).resolve().parent.parent / "http_audit"


def run_audit(url: str) -> list[dict]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the GraphQL-over-HTTP audit"
    assert (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(), (
        f"graphql-http is not installed in {AUDIT_DIR}: run `scripts/services.sh up` "
        "(its node_tools step runs `npm ci` there)"
    )
    completed = subprocess.run(
        [node, str(AUDIT_DIR / "audit.mjs"), url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_graphql_over_http_audit_has_no_warning_and_no_error(live_server, settings):
    # The browser IDE plays no part in the audit: its requests never ask for HTML.
    settings.GRAPHIQL = True

    results = run_audit(f"{live_server.url}/graphql/")

    failing = [result for result in results if result["status"] in ("warn", "error")]
    assert not failing, "GraphQL-over-HTTP audit:\n" + json.dumps(failing, indent=2)
    # The audit really ran (graphql-http 1.23.1 has 61 checks), and even its MAY
    # checks, which report "notice", passed.
    assert len(results) >= 61
    assert {result["status"] for result in results} == {"ok"}, json.dumps(
        [result for result in results if result["status"] != "ok"], indent=2
    )
