"""``manage.py stats_export``: files, charts, errors, help."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook


def test_exports_xlsx_with_progress(history, tmp_path):
    out = tmp_path / "report.xlsx"
    err = io.StringIO()
    call_command(
        "stats_export",
        "--period",
        "month",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-28",
        "--by",
        "vehicle",
        "--out",
        str(out),
        stderr=err,
    )
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Tabelle", "Über diese Tabelle"]  # German by default
    rows = list(book["Tabelle"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Zeitraum (erster Tag)", "Fahrzeug", "Fahrten von Mitgliedern (Anzahl)")
    assert len(rows) == 1 + 12
    assert "12 lines (4 suppressed) written to" in err.getvalue()
    assert "100%" in err.getvalue()  # the tqdm bar finished


def test_csv_to_stdout(history):
    out = io.StringIO()
    call_command(
        "stats_export",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-28",
        "--out",
        "-",
        "--no-progress",
        stdout=out,
    )
    table = pd.read_csv(io.StringIO(out.getvalue()))
    assert table["member_trips"].tolist() == [15, 13, 28]


def test_chart_to_file(history, tmp_path):
    out = tmp_path / "heat.png"
    call_command(
        "stats_export",
        "--chart",
        "utilisation-heatmap",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
        str(out),
        "--no-progress",
    )
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "not a date"),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "invalid_range"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--section", "rides", "--by", "vehicle"], "invalid_dimension"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--format", "png"], "tables are"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--chart", "monthly-trend", "--format", "csv"], "png or svg"),
    ],
)
def test_bad_arguments_fail_clearly(db, tmp_path, args, message):
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match=message):
        call_command("stats_export", *args, "--out", str(out), "--no-progress")
    assert not out.exists()


def test_help_explains_the_command(capsys):
    with pytest.raises(SystemExit):
        call_command("stats_export", "--help")
    text = capsys.readouterr().out
    assert "suppressed" in text and "--period" in text and "--chart" in text
