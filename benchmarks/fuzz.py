"""``make fuzz``: schemathesis over the whole OpenAPI schema on the demo region.

``python -m benchmarks.fuzz [--examples 25] [--seed N] [--budget-s 1500]``

Builds the demo region in a fresh SQLite database in a temporary directory (or uses
``DATABASE_URL``, which must then be a throw-away database: the run registers accounts and
books things), signs in the demo resident (anna, also a car-sharing member: carla) and the
demo operator (olga) with real app tokens, and sends every operation ``--examples`` generated
requests as each of them, in this process through the WSGI application. Card payments go to
a localstripe server started for the run; webhooks get a secret so their signatures are
checked.

Distinct problems go to stderr; the last stdout line is one JSON object: ``operations``,
``requests``, ``server_errors`` (5xx, goal 0), ``schema_violations`` (responses whose body or
content type the schema does not allow, goal 0), ``seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="generated requests per operation and persona")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--budget-s", type=float, default=1500, help="stop starting new operations after this")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mob-fuzz-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(workdir / "fuzz.sqlite3")
    os.environ["DATA_DIR"] = str(workdir / "data")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("REDIS_URL", None)  # in-memory layer, local cache, eager tasks
    from benchmarks._stack import free_port, start_localstripe, stop_process

    stripe_port = free_port(8150, 8199)
    localstripe = start_localstripe(stripe_port)  # card payments on, against a local fake
    os.environ["STRIPE_SECRET_KEY"] = "sk_test_fuzz"
    os.environ["STRIPE_API_BASE"] = f"http://127.0.0.1:{stripe_port}"
    os.environ["STRIPE_WEBHOOK_SECRET"] = "whsec_fuzz"
    os.environ["AUTH_THROTTLE_RATE"] = "100000/min"
    os.environ["SEARCH_THROTTLE_RATE"] = "100000/min"
    os.environ["LOG_LEVEL"] = "CRITICAL"

    import django

    django.setup()
    from django.core.management import call_command
    from knox.models import get_token_model

    from benchmarks._fuzzing import fuzz
    from mobility.accounts.models import User
    from mobility.wsgi import application

    started = time.monotonic()
    print(f"building the demo region in {workdir}", file=sys.stderr, flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo", verbosity=0)

    def token(email: str) -> str:
        return get_token_model().objects.create(User.objects.get(email=email))[1]

    personas = {
        "resident": {"Authorization": f"Token {token('carla@demo.lindenau.example')}"},
        "operator": {"Authorization": f"Token {token('olga@demo.lindenau.example')}"},
    }
    print(f"fuzzing ({args.examples} examples per operation and persona)", file=sys.stderr, flush=True)
    try:
        report = fuzz(application, personas, max_examples=args.examples, seed=args.seed, budget_s=args.budget_s)
    finally:
        stop_process(localstripe)
    for example in report.examples:
        print(json.dumps(example, default=str, ensure_ascii=False), file=sys.stderr)
    result = {
        "benchmark": "fuzz",
        **report.as_dict(),
        "examples_per_operation": args.examples,
        "personas": sorted(personas),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
