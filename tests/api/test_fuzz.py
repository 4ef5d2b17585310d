"""A short, bounded schemathesis run over the whole OpenAPI schema as a resident and as an
operator (``make fuzz`` runs the long one on the demo region): no 5xx, no response that
violates the schema."""

import json

import pytest

from benchmarks._fuzzing import fuzz
from tests.conftest import make_token


@pytest.mark.slow
@pytest.mark.django_db
def test_fuzz_whole_schema_as_resident_and_operator(alice, otto, settings):
    from mobility.wsgi import application

    settings.AUTH_THROTTLE_RATE = "100000/min"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"  # signatures are checked (400), not "not configured" (503)
    personas = {
        "resident": {"Authorization": f"Token {make_token(alice)}"},
        "operator": {"Authorization": f"Token {make_token(otto)}"},
    }
    report = fuzz(application, personas, max_examples=3, seed=10)
    assert report.operations > 50
    assert report.requests >= 2 * report.operations
    problems = json.dumps(report.examples, indent=1, default=str)
    assert (report.server_errors, report.schema_violations) == (0, 0), problems
