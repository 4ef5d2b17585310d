"""``make mutate``: mutation testing of the pure ``domain/`` modules with mutmut 3.

For every module in ``MODULES`` this

1. builds a staging directory ``var/mutate/<module>/`` (symbolic links to the project's
   packages plus a ``pyproject.toml`` whose ``[tool.mutmut]`` section mutates that one file
   and selects only that module's tests),
2. lists the module's mutants and takes a **bounded, deterministic sample**: at most
   ``MUTATE_SAMPLE`` mutants (default 60; lower for the large modules in ``SAMPLE_CAP``),
   chosen with ``random.Random(MUTATE_SEED)`` (default seed 19) from the sorted mutant
   names, so a run is repeatable and its cost is capped at about ``sample x (time of the
   module's tests)``,
3. runs ``mutmut run <sampled names>`` with one worker (``MUTATE_CHILDREN``, default 1: the
   machine is shared), and
4. reads mutmut's results and prints one row per module: mutants sampled, equivalent (listed
   in ``tests/mutation/equivalents.txt`` with a one-line reason each, not counted), killed,
   survived (anything not detected, incl. "no tests") and the kill rate.

The last line is one JSON object with the table. The exit status is 1 when a module stays
below ``MUTATE_MIN_RATE`` (default 90 %).

Usage: ``python -m tests.mutation.run [--report | --survivors] [module-substring ...]``
(``--report`` only summarises the last runs kept in ``var/mutate/``; ``--survivors`` runs the
last run's undetected mutants again against the module's current tests, keeping the sample),
e.g.
``python -m tests.mutation.run pricing policy``; ``MUTATE_SAMPLE=0`` runs every mutant.
Survivors are printed with ``mutmut show`` diffs when ``MUTATE_SHOW=1``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGE_ROOT = ROOT / "var" / "mutate"
EQUIVALENTS = Path(__file__).with_name("equivalents.txt")
# Every top-level Python package of the project (the settings import all apps) and manage.py.
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()) + ["manage.py"]

# Module -> the tests that exercise it. The pure modules have fast tests without a database;
# the large ones (journey planner, ride matcher, road graph, feed validation) are exercised by
# their unit tests and some database-backed tests, which take 10-30 s per mutant, so their
# sample is capped lower (``SAMPLE_CAP``) to keep ``make mutate`` within about an hour on two cores.
MODULES: dict[str, list[str]] = {
    "mobility/ratelimit.py": ["tests/test_ratelimit.py"],
    "gtfs/domain/times.py": ["tests/gtfs/test_domain_times.py"],
    "gtfs/domain/booking.py": ["tests/gtfs/test_domain_booking.py"],
    "gtfs/domain/names.py": ["tests/gtfs/test_domain_names.py"],
    "gtfs/domain/zipguard.py": ["tests/gtfs/test_domain_zipguard.py"],
    "gtfs/domain/validation.py": ["tests/gtfs/test_domain_validation.py"],
    "gtfs/domain/flex.py": ["tests/gtfs/test_domain_flex.py", "tests/gtfs/test_domain_validation.py"],
    "gtfs/domain/drivers.py": ["tests/gtfs/test_domain_drivers.py"],
    "rides/domain/privacy.py": ["tests/rides/test_domain_privacy.py"],
    "rides/domain/recurrence.py": ["tests/rides/test_domain_recurrence.py"],
    "rides/domain/costs.py": ["tests/rides/test_domain_costs_and_women_only.py"],
    "rides/domain/women_only.py": ["tests/rides/test_domain_costs_and_women_only.py"],
    "rides/domain/matching.py": [
        "tests/rides/test_matching_boundaries.py",
        "tests/rides/test_domain_matching.py",
        "tests/rides/test_matching.py",
    ],
    "rides/domain/roadgraph.py": [
        "tests/rides/test_roadgraph_units.py",
        "tests/rides/test_domain_roadgraph.py",
        # the fast tests of these files (the osmnx comparison takes minutes)
        "tests/rides/test_osm_access.py::test_every_combination_of_the_four_access_keys",
        "tests/rides/test_osm_access.py::test_access_examples",
        "tests/rides/test_osm_access.py::test_generated_ways_enter_the_graph_by_the_hierarchy",
        "tests/rides/test_osm_access.py::test_walking_profile",
        "tests/web/test_map_layers.py::test_network_lines_merge_both_directions_and_drop_sub_pixel_sections",
        "tests/rides/test_roadgraph.py",
        "tests/rides/test_matching.py",
    ],
    "carsharing/domain/payment_states.py": ["tests/carsharing/test_payment_states.py"],
    "carsharing/domain/pricing.py": ["tests/carsharing/test_domain.py", "tests/carsharing/test_domain_boundaries.py"],
    "carsharing/domain/policy.py": [
        "tests/carsharing/test_domain.py",
        "tests/carsharing/test_domain_boundaries.py",
        "tests/carsharing/test_domain_membership_transitions.py",
    ],
    "carsharing/domain/availability.py": [
        "tests/carsharing/test_domain.py",
        "tests/carsharing/test_domain_boundaries.py",
    ],
    "stats/domain/disclosure.py": [
        "tests/stats/test_disclosure.py",
        "tests/stats/test_domain_disclosure.py",
        "tests/stats/test_disclosure_repair_rounds.py",
    ],
    "stats/domain/tables.py": ["tests/stats/test_disclosure.py", "tests/stats/test_domain_tables.py"],
    "stats/domain/periods.py": ["tests/stats/test_domain_periods.py"],
    "stats/domain/zones.py": ["tests/stats/test_domain_zones.py"],
    "stats/domain/heatmap.py": ["tests/stats/test_domain_heatmap.py"],
    "stats/domain/unmet.py": ["tests/stats/test_domain_unmet.py", "tests/stats/test_domain_unmet_boundaries.py"],
    "journeys/domain/cache.py": [
        "tests/journeys/test_cache.py",
        "tests/journeys/test_domain_cache.py",
        "tests/journeys/test_cache_extras_and_prune.py",
    ],
    "journeys/domain/timetable.py": [
        "tests/journeys/test_timetable_unit.py",
        "tests/journeys/test_raptor_unit.py",
        "tests/journeys/test_cache.py",
        # the pure tests of per-feed time zones (about 3 s; the database-backed ones take a minute)
        "tests/journeys/test_feed_time_zones.py::test_two_zones_planned_like_the_oracle",
        "tests/journeys/test_feed_time_zones.py::test_each_zones_days_are_apart_by_their_own_time_zeros",
        "tests/journeys/test_feed_time_zones.py::test_one_zone_compiles_as_before",
    ],
    "journeys/domain/raptor.py": [
        "tests/journeys/test_raptor_unit.py",
        "tests/journeys/test_raptor_boundaries.py",
        "tests/journeys/test_raptor_numpy_rounds.py",
    ],
    "journeys/domain/raptor_kernel.py": ["tests/journeys/test_raptor_unit.py"],
    "ondemand/domain/osm_places.py": [
        # the pure tests only (reading the Herrenberg extract with osmnx takes seconds per mutant)
        "tests/ondemand/test_osm_places.py::test_kind_of_follows_the_osm_tags",
        "tests/ondemand/test_osm_places_pure.py",
    ],
    "ondemand/domain/insertion.py": [
        "tests/ondemand/test_domain_insertion.py",
        "tests/ondemand/test_domain_nearest_feasible.py",
        "tests/ondemand/test_insertion_boundaries.py",
    ],
}
SAMPLE_CAP: dict[str, int] = {
    "gtfs/domain/validation.py": 30,
    "rides/domain/matching.py": 30,
    "rides/domain/roadgraph.py": 30,
    "journeys/domain/timetable.py": 30,
    "journeys/domain/raptor.py": 30,
    "journeys/domain/raptor_kernel.py": 30,
}

STATUS_BY_EXIT_CODE = {
    1: "killed",
    3: "killed",
    -24: "timeout",
    24: "timeout",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -11: "segfault",
    -9: "segfault",
    152: "timeout",
    255: "timeout",
}


# A mutant counts as killed when a test failed, the tests ran out of time (e.g. an endless
# loop) or the process crashed; "survived", "no tests" and "not run" count against the module.
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}


def load_equivalents() -> dict[str, str]:
    """``mutant name -> reason`` from the equivalents file (``name  # reason`` per line)."""
    found: dict[str, str] = {}
    for raw in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition("#")
        if not reason.strip():
            raise SystemExit(f"{EQUIVALENTS.name}: {name.strip()} needs a one-line reason after '#'")
        found[name.strip()] = reason.strip()
    return found


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def stage(module: str, tests: list[str]) -> Path:
    """A fresh staging directory for one module (links, not copies, of the project)."""
    where = STAGE_ROOT / slug(module)
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    for name in PACKAGES:
        (where / name).symlink_to(ROOT / name)
    write_config(where, module, tests)
    return where


def write_config(where: Path, module: str, tests: list[str]) -> None:
    """The staging directory's ``pyproject.toml``: pytest's settings and mutmut's for one module."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_options = project["tool"]["pytest"]["ini_options"]
    config = textwrap.dedent(
        f"""\
        [tool.pytest.ini_options]
        DJANGO_SETTINGS_MODULE = {json.dumps(pytest_options["DJANGO_SETTINGS_MODULE"])}
        addopts = "--strict-markers"
        asyncio_mode = "auto"
        asyncio_default_fixture_loop_scope = "function"
        markers = {json.dumps(pytest_options["markers"])}

        [tool.mutmut]
        source_paths = [{json.dumps(module)}]
        also_copy = {json.dumps([p for p in PACKAGES if p != "tests"])}
        pytest_add_cli_args = ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]
        pytest_add_cli_args_test_selection = {json.dumps(tests)}
        use_git_change_detection = false
        track_dependencies = false
        """
    )
    (where / "pyproject.toml").write_text(config, encoding="utf-8")


def mutant_names(where: Path, module: str) -> list[str]:
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from mutmut.mutation.file_mutation import mutate_file_contents\n"
        "from mutmut.utils.format_utils import get_mutant_name\n"
        "path = Path(sys.argv[1])\n"
        "made = mutate_file_contents(str(path), path.read_text())\n"
        "print(json.dumps(sorted(get_mutant_name(path, n) for n in made.mutant_names)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, module], cwd=where, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def sample(names: list[str], size: int, seed: int) -> list[str]:
    if size <= 0 or len(names) <= size:
        return list(names)
    return sorted(random.Random(seed).sample(names, size))


def run_module(module: str, tests: list[str], size: int, seed: int, children: int) -> dict:
    where = stage(module, tests)
    names = mutant_names(where, module)
    chosen = sample(names, size, seed)
    (where / "sample.json").write_text(json.dumps({"total": len(names), "chosen": chosen}))
    run_mutmut(where, module, chosen, children)
    return read_results(module)


def rerun_survivors(module: str, tests: list[str], children: int, equivalents: dict[str, str]) -> dict:
    """Run the last run's undetected mutants of ``module`` again against its current tests
    (the staging directory and its sample are kept; the other mutants keep their results)."""
    where = STAGE_ROOT / slug(module)
    last = read_results(module)
    again = [n for n, s in last["status"].items() if s not in DETECTED and n not in equivalents]
    meta = where / "mutants" / (module + ".meta")
    before = json.loads(meta.read_text())["exit_code_by_key"]
    write_config(where, module, tests)
    if again:
        run_mutmut(where, module, again, children)
    # mutmut rewrites its meta file when it regenerates the mutants: keep the earlier results
    # of the mutants not run again
    data = json.loads(meta.read_text())
    fresh = data["exit_code_by_key"]
    data["exit_code_by_key"] = {**before, **{n: fresh[n] for n in again if fresh.get(n) is not None}}
    meta.write_text(json.dumps(data))
    return read_results(module)


def run_mutmut(where: Path, module: str, names: list[str], children: int) -> None:
    env = dict(os.environ)
    env.setdefault("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    env.pop("DATABASE_URL", None)  # SQLite and the in-memory channel layer: no shared connections
    env.pop("REDIS_URL", None)
    log = where / "mutmut.log"
    with log.open("a") as out:
        done = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names],
            cwd=where,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    meta = where / "mutants" / (module + ".meta")
    if done.returncode != 0 and not meta.exists():
        raise SystemExit(f"mutmut failed for {module}; see {log}")


def read_results(module: str) -> dict:
    """The statuses of the sampled mutants of ``module`` from its last run's staging directory."""
    where = STAGE_ROOT / slug(module)
    sampled = json.loads((where / "sample.json").read_text())
    names, chosen = sampled["total"], sampled["chosen"]
    exit_codes = json.loads((where / "mutants" / (module + ".meta")).read_text())["exit_code_by_key"]
    status = {}
    for name in chosen:
        code = exit_codes.get(name)
        status[name] = "not run" if code is None else STATUS_BY_EXIT_CODE.get(code, "suspicious")
    return {"module": module, "total": names, "status": status, "stage": str(where)}


def summarise(result: dict, equivalents: dict[str, str]) -> dict:
    status = result["status"]
    equivalent = [n for n in status if n in equivalents]
    counted = {n: s for n, s in status.items() if n not in equivalents}
    killed = sum(1 for s in counted.values() if s in DETECTED)
    survivors = sorted(n for n, s in counted.items() if s not in DETECTED)
    rate = killed / len(counted) if counted else None  # None: nothing mutmut can mutate (e.g. numba kernels)
    return {
        "module": result["module"],
        "mutants": result["total"],
        "sampled": len(status),
        "equivalent": len(equivalent),
        "killed": killed,
        "survived": len(survivors),
        "kill_rate": None if rate is None else round(rate, 4),
        "survivors": {n: counted[n] for n in survivors},
    }


def show(where: str, name: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", "show", name], cwd=where, capture_output=True, text=True
    ).stdout


def main(argv: list[str]) -> int:
    size = int(os.environ.get("MUTATE_SAMPLE", "60"))
    seed = int(os.environ.get("MUTATE_SEED", "19"))
    children = int(os.environ.get("MUTATE_CHILDREN", "1"))
    minimum = float(os.environ.get("MUTATE_MIN_RATE", "0.9"))
    equivalents = load_equivalents()
    report_only = "--report" in argv
    survivors_only = "--survivors" in argv
    argv = [a for a in argv if a not in ("--report", "--survivors")]
    selected = [m for m in MODULES if not argv or any(a in m for a in argv)]
    if not selected:
        raise SystemExit(f"no module matches {argv}; known: {', '.join(MODULES)}")
    if report_only or survivors_only:  # only modules with a last run kept in var/mutate/
        selected = [m for m in selected if (STAGE_ROOT / slug(m) / "sample.json").exists()]
    rows = []
    for module in selected:
        print(f"== {module}", flush=True)
        cap = SAMPLE_CAP.get(module)
        module_size = min(size, cap) if cap and size > 0 else (cap or size)
        if report_only:
            result = read_results(module)
        elif survivors_only:
            result = rerun_survivors(module, MODULES[module], children, equivalents)
        else:
            result = run_module(module, MODULES[module], module_size, seed, children)
        row = summarise(result, equivalents)
        rows.append(row)
        for name, state in row["survivors"].items():
            print(f"   {state}: {name}")
            if os.environ.get("MUTATE_SHOW"):
                print(textwrap.indent(show(result["stage"], name), "      "))
    print()
    print(f"{'module':40} {'mutants':>7} {'sampled':>7} {'equiv':>5} {'killed':>6} {'survived':>8} {'rate':>7}")
    for r in rows:
        print(
            f"{r['module']:40} {r['mutants']:7d} {r['sampled']:7d} {r['equivalent']:5d} {r['killed']:6d} "
            f"{r['survived']:8d} {'n/a' if r['kill_rate'] is None else format(r['kill_rate'], '.1%'):>7}"
        )
    failing = [r["module"] for r in rows if r["kill_rate"] is not None and r["kill_rate"] < minimum]
    summary = {
        "sample": size,
        "sample_cap": {m: c for m, c in SAMPLE_CAP.items() if m in selected},
        "seed": seed,
        "min_rate": minimum,
        "modules": {
            r["module"]: {k: r[k] for k in ("mutants", "sampled", "equivalent", "killed", "survived", "kill_rate")}
            for r in rows
        },
        "below_min": failing,
    }
    print(json.dumps(summary))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
