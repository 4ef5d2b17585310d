"""The web app's English catalogue: complete, compiled, and used by the member pages.

German is the source language; English is keyed on the German strings in
``web/locale/en/LC_MESSAGES/django.po``. These tests fail when a string of the web app has
no English translation (or only a fuzzy one), when the committed ``.mo`` does not match the
``.po``, and when a member page still shows German words to an English-speaking visitor.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from carsharing import services
from tests.carsharing.conftest import aligned, fleet, make_member  # noqa: F401
from tests.web.conftest import PageText, signed_in

WEB = Path(__file__).resolve().parents[2] / "web"
PO = WEB / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(text: str) -> list[dict]:
    """The entries of a PO file: msgctxt, msgid, msgid_plural, msgstr {index: text}, flags, obsolete."""
    entries: list[dict] = []
    cur: dict | None = None
    field = ""

    def new(obsolete: bool) -> dict:
        return {"flags": set(), "msgstr": {}, "obsolete": obsolete}

    def flush() -> None:
        nonlocal cur
        if cur is not None and "msgid" in cur:
            entries.append(cur)
        cur = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            field = ""
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if line.startswith("#"):  # comment or flags: only ever before msgctxt/msgid
            if cur is not None and "msgid" in cur:
                flush()
            cur = cur or new(obsolete)
            if line.startswith("#,"):
                cur["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if field.startswith("msgstr"):
                index = int(field[7:-1]) if field.startswith("msgstr[") else 0
                cur["msgstr"][index] += value
            else:
                cur[field] += value
            continue
        key, _, rest = line.partition(" ")
        if key in ("msgctxt", "msgid") and (cur is None or field.startswith("msgstr")):
            flush()
        cur = cur or new(obsolete)
        field = key
        value = ast.literal_eval(rest)
        if key.startswith("msgstr"):
            cur["msgstr"][int(key[7:-1]) if key.startswith("msgstr[") else 0] = value
        else:
            cur[key] = value
    flush()
    return entries


def _untranslated(entries: list[dict]) -> list[str]:
    return [
        e["msgid"]
        for e in entries
        if not e["obsolete"] and e["msgid"] and ("fuzzy" in e["flags"] or not all(e["msgstr"].values()))
    ]


def test_the_po_parser_reads_plurals_continuations_flags_and_obsolete_entries():
    text = (
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgid "%(n)s Sitz"\nmsgid_plural "%(n)s Sitze"\nmsgstr[0] "%(n)s seat"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Lange "\n"Zeile"\nmsgstr ""\n"Long "\n"line"\n\n'
        '#, fuzzy\n#| msgid "Alt"\nmsgid "Neu"\nmsgstr "Old"\n\n'
        'msgctxt "Karte"\nmsgid "Karte"\nmsgstr "Map"\n\n'
        '#~ msgid "Weg"\n#~ msgstr ""\n'
    )
    entries = parse_po(text)
    assert [(e.get("msgctxt"), e["msgid"], e["msgstr"], e["obsolete"]) for e in entries] == [
        (None, "", {0: "Language: en\n"}, False),
        (None, "%(n)s Sitz", {0: "%(n)s seat", 1: ""}, False),
        (None, "Lange Zeile", {0: "Long line"}, False),
        (None, "Neu", {0: "Old"}, False),
        ("Karte", "Karte", {0: "Map"}, False),
        (None, "Weg", {0: ""}, True),
    ]
    assert entries[1]["msgid_plural"] == "%(n)s Sitze" and entries[3]["flags"] == {"fuzzy"}
    assert _untranslated(entries) == ["%(n)s Sitz", "Neu"]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_string_of_the_web_app_has_an_english_translation(tmp_path, settings):
    """Extract the web app's strings afresh (as ``makemessages`` does) into a copy of the catalogue."""
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    cwd, path = os.getcwd(), list(sys.path)
    os.chdir(copy)
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]  # the copy's modules must not shadow the apps
    try:
        call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
        sys.path[:] = path
    fresh = parse_po((copy / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    committed = parse_po(PO.read_text(encoding="utf-8"))
    assert len(fresh) > 400  # the extraction really found the app's strings
    assert _untranslated(fresh) == []
    assert _untranslated(committed) == []
    live = lambda entries: {(e.get("msgctxt"), e["msgid"]) for e in entries if not e["obsolete"]}  # noqa: E731
    assert live(fresh) == live(committed), "web/locale/en is not up to date: run makemessages for the web app"


def po_catalog(po: Path) -> dict:
    """The live, non-fuzzy messages of a .po file, keyed as gettext keys its compiled .mo."""
    catalog: dict = {}
    for e in parse_po(po.read_text(encoding="utf-8")):
        if e["obsolete"] or "fuzzy" in e["flags"] or not e["msgid"]:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            catalog.update({(key, i): text for i, text in e["msgstr"].items()})
        else:
            catalog[key] = e["msgstr"][0]
    return catalog


def mo_catalog(mo: Path) -> dict:
    """The messages of a compiled .mo file (without the header entry)."""
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog  # noqa: SLF001 (the only way to list a .mo)
    return {k: v for k, v in compiled.items() if k != ""}


def test_the_committed_mo_matches_the_po():
    catalog = po_catalog(PO)
    compiled = mo_catalog(MO)
    assert len(catalog) > 400
    missing = sorted(str(k) for k in catalog.keys() - compiled.keys())
    extra = sorted(str(k) for k in compiled.keys() - catalog.keys())
    changed = sorted(str(k) for k in catalog.keys() & compiled.keys() if catalog[k] != compiled[k])
    assert (missing, extra, changed) == ([], [], []), "django.mo is stale: run compilemessages"


# German words each member page shows, which must not be left in its English main content.
GERMAN = re.compile(
    r"\b(Reservierung\w*|Reservieren|Stationen|Mitglied\w*|Führerschein|Fahrt|Preis|Stornieren|stornieren"
    r"|Zurück|Karte|Auto|Autos|Woche|Tag|Sitze|Antrieb|Rechnung|Zahlung|bitte|Bitte|Sie|Ihr\w*|und|oder|je)\b"
)


def main_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    parser = PageText()
    parser.feed(main)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def booked(fleet):  # noqa: F811
    member = make_member("mia@example.org")
    car = fleet["vehicles"][0]
    start = aligned(48)
    reservation = services.reservation_create(
        user=member, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2)
    )
    return {"member": member, "car": car, "station": fleet["stations"][0], "reservation": reservation}


@pytest.mark.parametrize("how", ["header", "cookie"])
def test_member_pages_render_in_english_without_german_leftovers(booked, how, settings):
    client = signed_in(booked["member"])
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        extra = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}  # the cookie wins over the browser's language
    else:
        extra = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    car, reservation = booked["car"], booked["reservation"]
    pages = {
        "/carsharing/": ["Stations", "Skip the map", "My reservations"],
        f"/carsharing/fahrzeuge/{car.pk}/": [
            "Reserve",
            "When is the car free?",
            "Day view (quarter hours)",
            "Next week",
            "per hour",
        ],
        f"/carsharing/fahrzeuge/{car.pk}/?ansicht=tag": ["Week view", "Next day", "quarter hours"],
        "/carsharing/reservierungen/": ["My reservations", "Upcoming", "Past and cancelled"],
        f"/carsharing/reservierungen/{reservation.pk}/": ["Reservation", "Held – please confirm", "Confirm booking"],
        f"/carsharing/reservierungen/{reservation.pk}/stornieren/": ["Cancel reservation", "Do not cancel"],
        "/carsharing/mitglied-werden/": ["Car-sharing membership", "You are a member. You can reserve cars."],
    }
    for path, english in pages.items():
        response = client.get(path, **extra)
        assert response.status_code == 200, path
        assert response.headers["Content-Language"] == "en", path
        text = main_text(response)
        for phrase in english:
            assert phrase in text, (path, phrase, text)
        leftovers = sorted(set(GERMAN.findall(text)) - {car.plate})
        assert leftovers == [], (path, leftovers, text)


def test_member_pages_stay_german_by_default(booked):
    client = signed_in(booked["member"])
    text = main_text(client.get(f"/carsharing/reservierungen/{booked['reservation'].pk}/"))
    assert "Vorgemerkt – bitte bestätigen" in text and "Verbindlich buchen" in text
    assert "Held – please confirm" not in text


def test_membership_application_page_in_english_for_a_resident(db, settings):
    from tests.factories import UserFactory

    resident = UserFactory(email="ben@example.org", display_name="Ben")
    client = signed_in(resident)
    text = main_text(client.get("/carsharing/mitglied-werden/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Car-sharing membership" in text
    assert "driving licence" in text
    assert sorted(set(GERMAN.findall(text))) == [], text
