"""Schemathesis over the whole OpenAPI schema, shared by ``make fuzz`` (``benchmarks.fuzz``)
and the short bounded test in the suite (``tests/api/test_fuzz.py``).

Every operation of ``/api/v1/schema/`` gets generated requests (valid and invalid ones), each
sent once per persona (e.g. a resident and an operator, with real app tokens) to the real
WSGI application in this process. Counted: requests, server errors (any 5xx, which must be 0)
and responses whose body or content type violates the schema.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Operations that would end the fuzzing session itself (its tokens, its personas).
SKIPPED_OPERATIONS = {
    ("POST", "/api/v1/auth/logout/"),
    ("POST", "/api/v1/auth/logout-all/"),
    ("POST", "/api/v1/me/erasure/"),
    ("POST", "/api/v1/users/{id}/erasure/"),
}


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def record(self, kind: str, persona: str, case, response, detail: str = "") -> None:
        """Keep the first example of each distinct problem (operation, status, message)."""
        lines = [line.strip() for line in detail.splitlines() if line.strip()]
        signature = (kind, case.operation.method, case.operation.path, response.status_code, tuple(lines[1:4]))
        if signature not in self._seen and len(self.examples) < 200:
            self._seen.add(signature)
            self.examples.append(
                {
                    "kind": kind,
                    "persona": persona,
                    "operation": f"{case.operation.method.upper()} {case.operation.path}",
                    "status": response.status_code,
                    "path": case.formatted_path,
                    "query": case.query,
                    "body": repr(case.body)[:200],
                    "detail": detail[:400],
                }
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "requests": self.requests,
            "server_errors": self.server_errors,
            "schema_violations": self.schema_violations,
        }


def fuzz(
    app,
    personas: dict[str, dict[str, str]],
    *,
    max_examples: int = 10,
    seed: int | None = None,
    budget_s: float | None = None,
    only: set[str] | None = None,
) -> FuzzReport:
    """Run every operation with ``max_examples`` generated cases for each persona's headers."""
    from django.core import signals
    from django.db import close_old_connections

    # As Django's test client does: requests made in this thread must not close its database
    # connection (inside a test's transaction that would end the test's session).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return _fuzz(app, personas, max_examples=max_examples, seed=seed, budget_s=budget_s, only=only)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(app, personas, *, max_examples, seed, budget_s, only) -> FuzzReport:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    report = FuzzReport()
    started = time.monotonic()
    checks = [response_schema_conformance, content_type_conformance]
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        if (method, operation.path) in SKIPPED_OPERATIONS:
            continue
        if only is not None and operation.path not in only:
            continue
        if budget_s is not None and time.monotonic() - started > budget_s:
            break
        report.operations += 1

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=seed is not None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            for persona, headers in personas.items():
                response = case.call(headers=headers)
                report.requests += 1
                if response.status_code >= 500:
                    report.server_errors += 1
                    report.record("server_error", persona, case, response, response.text[:400])
                    continue
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except (Failure, FailureGroup) as exc:
                    report.schema_violations += 1
                    report.record("schema_violation", persona, case, response, str(exc))

        try:
            run()
        except Exception as exc:  # a generation error must not hide the other operations
            report.examples.append(
                {"kind": "generation_error", "operation": f"{method} {operation.path}", "detail": repr(exc)[:400]}
            )
    return report
