import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from mobility.accounts.models import User
from mobility.core.models import DemoLoad
from mobility.demo.accounts import DEMO_ACCOUNTS
from mobility.demo.region import build_region_files


def _digests(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_region_files_are_deterministic(tmp_path):
    first = build_region_files(tmp_path / "a")
    build_region_files(tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert set(_digests(first.directory)) == {
        "lindenau-roads.osm",
        "regionalbus-lindenau.zip",
        "buergerbus-lindenau.zip",
        "fleet.json",
        "meeting-points.json",
    }


@pytest.mark.django_db
def test_demo_command_prints_the_web_app_docs_and_accounts_first_and_is_idempotent(tmp_path):
    out = StringIO()
    call_command("demo", "--out", str(tmp_path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Lindenau mobility platform")
    assert lines[1] == "  Web app (open this):   http://127.0.0.1:8000/"
    assert "http://127.0.0.1:8000/api/docs/" in lines[2]
    for account in DEMO_ACCOUNTS:
        assert any(account.email in line and account.password in line for line in lines[:13])
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert user.roles == list(account.roles)
    loaded = set(DemoLoad.objects.values_list("app_label", flat=True))
    second = StringIO()
    call_command("demo", "--out", str(tmp_path), stdout=second)
    assert User.objects.filter(email__endswith="@demo.lindenau.example").count() == len(DEMO_ACCOUNTS)
    for label in loaded:
        assert f"{label}: demo data already loaded" in second.getvalue()
