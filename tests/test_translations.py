"""German first, English complete: the catalogues in ``locale/`` and what the API says.

Every app but ``web/`` writes English msgids (domain errors, e-mails, notification texts,
admin names, charts) and translates them in ``locale/de``; ``locale/en`` completes them
(and translates the few German msgids). These tests fail when a message in the code has no
German or English translation, when a catalogue is stale (it lacks a message of the code or
keeps one the code no longer has), when a compiled ``.mo`` differs from its ``.po``, and when
the API answers a German request with English text.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from mobility.l10n import format_date, format_datetime, format_money, format_number, format_percent
from mobility.notifications.models import Notification
from mobility.notifications.services import notification_as_message, notify
from tests.web.test_translations import _untranslated, mo_catalog, parse_po, po_catalog

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
# What the root catalogues cover: every package but web/ (its own catalogue) and tests.
SOURCES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name not in {"web", "tests", "benchmarks"}
)


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _live(entries: list[dict]) -> set[tuple]:
    return {(e.get("msgctxt"), e["msgid"]) for e in entries if not e["obsolete"] and e["msgid"]}


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """``makemessages`` run afresh over a copy of the sources (as the README says to run it)."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path_factory.mktemp("sources")
    for package in SOURCES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po"))
    (copy / "locale").mkdir()
    import os

    from django.conf import settings

    cwd, locale_paths = os.getcwd(), settings.LOCALE_PATHS
    os.chdir(copy)
    settings.LOCALE_PATHS = []  # the copy's own locale/ (the real one must stay untouched)
    try:
        call_command("makemessages", locale=["de", "en"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
        settings.LOCALE_PATHS = locale_paths
    return {lang: parse_po((copy / "locale" / lang / "LC_MESSAGES" / "django.po").read_text()) for lang in ("de", "en")}


def test_makemessages_finds_domain_error_messages_and_notification_texts(fresh_catalogues):
    ids = {msgid for _ctx, msgid in _live(fresh_catalogues["de"])}
    # A plain ValidationFailed("...") message, one with params, one through ArchiveRefused(code, message),
    # a notification title, an e-mail template line and an API error_body() message.
    for msgid in (
        "No such vehicle.",
        "A reservation lasts at least %(minutes)s minutes.",
        "The file is not a zip archive.",
        "Bürgerbus seat booked",
        "Your confirmation code: %(token)s",
        "No such resource.",
    ):
        assert msgid in ids, msgid
    assert len(ids) > 250


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_message_of_the_code_is_translated_and_the_catalogue_is_current(fresh_catalogues, language):
    committed = parse_po(_po(language).read_text(encoding="utf-8"))
    fresh = fresh_catalogues[language]
    missing = sorted(msgid for _c, msgid in _live(fresh) - _live(committed))
    stale = sorted(msgid for _c, msgid in _live(committed) - _live(fresh))
    assert missing == [], f"locale/{language} lacks messages of the code (add them at the end, translated): {missing}"
    assert stale == [], f"locale/{language} keeps messages the code no longer has: {stale}"
    assert _untranslated(committed) == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_committed_mo_matches_the_po(language):
    po = _po(language)
    catalog = po_catalog(po)
    compiled = mo_catalog(po.with_suffix(".mo"))
    assert len(catalog) > 250
    assert sorted(map(str, catalog.keys() - compiled.keys())) == [], "django.mo is stale: run compilemessages"
    assert sorted(map(str, compiled.keys() - catalog.keys())) == []
    assert [k for k in catalog.keys() & compiled.keys() if catalog[k] != compiled[k]] == []


def test_german_translations_keep_the_placeholders_of_their_msgid():
    for e in parse_po(_po("de").read_text(encoding="utf-8")):
        if not e["msgid"]:
            continue
        wanted = set(re.findall(r"%\(\w+\)[sdf]|%\(\w+\)\.0f", e["msgid"] + e.get("msgid_plural", "")))
        for text in e["msgstr"].values():
            found = set(re.findall(r"%\(\w+\)[sdf]|%\(\w+\)\.0f", text))
            # a singular German form may spell out the number ("Link und Code sind 1 Tag gültig")
            assert found <= wanted and (found == wanted or "msgid_plural" in e), (e["msgid"], text)


# --- what people read ----------------------------------------------------------------------------


def _patterns(language: str) -> list[re.Pattern]:
    """Every translated text of ``language`` (ours, Django's, DRF's) as a pattern; placeholders match anything."""
    catalog = translation.trans_real.translation(language)._catalog  # noqa: SLF001
    texts = {text for _key, text in catalog.items() if isinstance(text, str) and text}
    texts |= {e["msgid"] for e in parse_po(_po("de").read_text()) if e["msgid"] and language == "en"}
    patterns = []
    for text in sorted(texts, key=len, reverse=True):
        parts = re.split(r"%\(\w+\)(?:\.0f|[sdf])", text.replace("%%", "%"))
        source = ".+?".join(re.escape(part) for part in parts)
        patterns.append(re.compile(source, re.DOTALL))
    return patterns


def _covered(text: str, patterns: list[re.Pattern]) -> bool:
    """Whether ``text`` is made only of translated sentences (a body may join two)."""
    rest = text
    for pattern in patterns:
        if pattern.fullmatch(rest.strip()):
            return True
        rest = pattern.sub(" ", rest) if len(pattern.pattern) > 12 else rest
    return not rest.strip(" .;")


GERMAN_WORDS = re.compile(r"\b(der|die|das|nicht|bitte|Sie|gibt|ist|und|oder|Ihre?)\b|[äöüß]", re.IGNORECASE)
ENGLISH_WORDS = re.compile(r"\b(the|is|are|not|must|such|please|your|you|booking|seat|ride|trip|no)\b", re.IGNORECASE)


@pytest.fixture
def german_patterns():
    return _patterns("de")


def _error_requests(client_for, alice, otto):
    anonymous, resident, operator = client_for(), client_for(alice), client_for(otto)
    return [
        (anonymous, "get", "/api/v1/me/", None, 401, "not_authenticated"),
        (anonymous, "post", "/api/v1/auth/login/", {"email": "alice@example.org", "password": "falsch-falsch"}, 400,
         "invalid_credentials"),
        (anonymous, "get", "/api/v1/gibt-es-nicht/", None, 404, "not_found"),
        (resident, "post", "/api/v1/notifications/999999/read/", None, 404, "notification_not_found"),
        (resident, "get", "/api/v1/stats/report/?section=x&from=2026-01-01&to=2026-01-31", None, 403,
         "permission_denied"),
        (operator, "get", "/api/v1/stats/report/?section=x&by=none&period=month&from=2026-01-01&to=2026-01-31", None,
         400, "invalid_query"),
        (operator, "get", "/api/v1/stats/report/?section=carsharing&by=none&period=day&from=2020-01-01&to=2026-01-31",
         None, 400, "range_too_long"),
        (resident, "get", "/api/v1/journeys/?from=0,0", None, 400, "validation_error"),
        (resident, "get", "/api/v1/rides/offers/999999/", None, 404, "offer_not_found"),
        (resident, "delete", "/api/v1/me/", None, 405, "method_not_allowed"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_api_answers_german_requests_in_german_and_english_ones_in_english(
    client_for, alice, otto, german_patterns
):
    for language in ("de", "en"):
        for client, method, url, data, status, code in _error_requests(client_for, alice, otto):
            response = getattr(client, method)(url, data, format="json", HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == status, (url, response.content)
            assert response.headers["Content-Language"] == language, url
            error = response.json()["error"]
            assert error["code"] == code, (url, error)  # codes stay English and stable
            message = error["message"]
            if language == "de":  # made of German translations only
                assert _covered(message, german_patterns), (url, message)
                assert not ENGLISH_WORDS.search(message), (url, message)
            else:  # English msgids (ours, Django's, DRF's) are the English text
                assert not GERMAN_WORDS.search(message), (url, message)


@pytest.mark.django_db
def test_german_is_the_default_and_a_saved_preference_wins(client_for, alice):
    client = client_for(alice)
    url = "/api/v1/notifications/999999/read/"
    assert client.post(url).json()["error"]["message"] == "Diese Benachrichtigung gibt es nicht."
    assert client.post(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"] == "No such notification."
    saved = client.patch("/api/v1/me/", {"language": "en"}, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert saved.status_code == 200 and saved.json()["language"] == "en"
    alice.refresh_from_db()
    assert alice.language == "en"
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.json()["error"]["message"] == "No such notification."
    assert response.headers["Content-Language"] == "en"
    assert client.patch("/api/v1/me/", {"language": "fr"}, format="json").status_code == 400
    assert client.patch("/api/v1/me/", {"language": ""}, format="json").json()["language"] == ""
    assert client.post(url, HTTP_ACCEPT_LANGUAGE="de").json()["error"]["message"] == (
        "Diese Benachrichtigung gibt es nicht."
    )


@pytest.mark.django_db
def test_domain_error_params_are_translated_with_the_message(client_for, otto):
    url = "/api/v1/stats/report/?section=carsharing&by=none&period=day&from=2020-01-01&to=2026-01-31"
    de = client_for(otto).get(url).json()["error"]["message"]
    en = client_for(otto).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert de == ("Höchstens 1200 Zeiträume je Bericht; bitte einen längeren Zeitraum oder eine kürzere Spanne wählen.")
    assert en == "At most 1200 periods per report; choose a longer period or a shorter range."


@pytest.mark.django_db
def test_the_request_limit_errors_speak_the_requests_language(api_client, settings):
    settings.API_MAX_BODY_BYTES = 10
    de = api_client.post("/api/v1/auth/login/", "x" * 11, content_type="application/json")
    en = api_client.post("/api/v1/auth/login/", "x" * 11, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert (de.status_code, de.json()["error"]["message"]) == (413, "Der Inhalt der Anfrage ist größer als 10 Bytes.")
    assert (en.status_code, en.json()["error"]["message"]) == (413, "The request body is larger than 10 bytes.")


# --- notifications -----------------------------------------------------------------------------

PAYLOADS = {
    "buergerbus_booking_confirmed": {
        "booking_id": 1, "trip_id": 2, "service_date": "2026-12-01", "from_stop": "Lindenau Rathaus",
        "to_stop": "Buchwald", "departure_at": "2026-12-01T07:20:00+01:00", "seats": 2,
    },
    "buergerbus_booking_cancelled": {
        "booking_id": 1, "from_stop": "Lindenau Rathaus", "to_stop": "Buchwald",
        "departure_at": "2026-12-01T07:20:00+01:00", "seats": 1, "by_staff": True,
    },
    "ride_booking_requested": {"booking": 1, "offer": 2, "date": "2026-12-01", "seats": 1},
    "ride_booking_confirmed": {"booking": 1, "offer": 2},
    "ride_booking_declined": {"booking": 1, "reason": "Auto ist voll"},
    "ride_booking_cancelled": {"booking": 1, "offer": 2, "reason": ""},
    "ride_booking_lapsed": {"booking": 1},
    "ride_offer_matches": {"request": 1, "offer": 2, "date": "2026-12-01", "pickup_time": 26000},
    "ride_requests_waiting": {"offer": 2, "requests": 3},
    "carsharing.membership_decided": {"status": "approved"},
    "carsharing.reservation_confirmed": {"reservation": 1},
    "carsharing.reservation_preempted": {"reservation": 1, "vehicle": "LD-MB 12", "start": "2026-12-01T07:00:00+01:00"},
}  # fmt: skip


@pytest.mark.django_db
def test_every_notification_has_a_german_title_and_body_in_the_api(client_for, alice, german_patterns):
    for kind, payload in PAYLOADS.items():
        notify(alice, kind, payload)
    listed = client_for(alice).get("/api/v1/notifications/?page_size=50").json()["results"]
    assert sorted(n["kind"] for n in listed) == sorted(PAYLOADS)
    by_kind = {n["kind"]: n for n in listed}
    for n in listed:
        assert n["title"] and n["body"], n
        assert _covered(n["title"], german_patterns), n["title"]
        assert _covered(n["body"], german_patterns), n["body"]
        assert not ENGLISH_WORDS.search(n["title"] + " " + n["body"]), n
        assert n["payload"] == PAYLOADS[n["kind"]]  # machine formats stay in the payload
    assert by_kind["buergerbus_booking_confirmed"]["title"] == "Platz im Bürgerbus gebucht"
    assert by_kind["buergerbus_booking_confirmed"]["body"] == (
        "2 Plätze von Lindenau Rathaus nach Buchwald, Abfahrt Di., 1. Dez. 2026, 07:20."
    )
    assert by_kind["ride_requests_waiting"]["body"].startswith("3 Mitfahrwünsche passen zu Ihrer Fahrt.")
    assert by_kind["ride_booking_declined"]["body"] == (
        "Der Fahrer kann Sie diesmal nicht mitnehmen. Grund: Auto ist voll"
    )
    english = client_for(alice).get("/api/v1/notifications/?page_size=50", HTTP_ACCEPT_LANGUAGE="en").json()
    titles = {n["kind"]: n["title"] for n in english["results"]}
    assert titles["buergerbus_booking_confirmed"] == "Bürgerbus seat booked"
    assert {n["kind"]: n["body"] for n in english["results"]}["buergerbus_booking_confirmed"] == (
        "2 seats from Lindenau Rathaus to Buchwald, departure Tue 1 Dec 2026, 07:20."
    )


@pytest.mark.django_db
def test_the_pushed_notification_is_in_the_recipients_language_not_the_senders(alice, bob):
    bob.language = "en"
    bob.save()
    payload = PAYLOADS["ride_booking_requested"]
    with translation.override("en"):  # an English-speaking rider asks German Alice
        to_alice = notification_as_message(
            Notification.objects.create(user=alice, kind="ride_booking_requested", payload=payload)
        )
    with translation.override("de"):
        to_bob = notification_as_message(
            Notification.objects.create(user=bob, kind="ride_booking_requested", payload=payload)
        )
    assert to_alice["title"] == "Neue Anfrage für Ihre Fahrt"
    assert to_alice["body"] == "Jemand fragt 1 Platz am Di., 1. Dez. 2026 an. Bitte nehmen Sie an oder lehnen Sie ab."
    assert to_bob["title"] == "New request for your ride"
    assert to_bob["body"] == "Someone asks for 1 seat on Tue 1 Dec 2026. Please accept or decline."


# --- e-mails ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_emails_come_from_templates_in_the_recipients_language(
    api_client, settings, django_capture_on_commit_callbacks
):
    from mobility.accounts.models import User
    from mobility.accounts.services import password_reset_request

    settings.FRONTEND_URL = "https://mobil.lindenau.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/",
            {"email": "neu@example.org", "password": "lange-sichere-phrase-2026"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",  # the e-mail follows the account's language (German), not the request's
        )
    assert response.status_code == 201, response.content
    message = mail.outbox[0]
    assert message.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert message.body.startswith("Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse")
    assert "Ihr Bestätigungscode: " in message.body and "Link und Code sind 3 Tage gültig." in message.body
    assert "https://mobil.lindenau.example/verify-email?token=" in message.body
    assert message.body.endswith("Ihre Gemeinde Lindenau\n")
    assert not ENGLISH_WORDS.search(message.body.replace(message.body.split("token=")[1].split()[0], ""))

    user = User.objects.get(email="neu@example.org")
    user.language = "en"
    user.save()
    password_reset_request(email="neu@example.org")
    reset = mail.outbox[1]
    assert reset.subject == "Reset your password"
    assert reset.body.startswith("Hello,\n\nsomeone asked to reset the password")
    assert re.search(r"For the app: uid=\S+ token=\S+", reset.body)


# --- formats --------------------------------------------------------------------------------------


def test_german_and_english_formats_of_dates_numbers_and_money():
    when = timezone.make_aware(timezone.datetime(2026, 12, 1, 7, 20))
    assert format_datetime(when, "de") == "Di., 1. Dez. 2026, 07:20"
    assert format_datetime(when, "en") == "Tue 1 Dec 2026, 07:20"
    assert format_datetime(when.astimezone(UTC), "de") == "Di., 1. Dez. 2026, 07:20"  # local time
    assert format_date(when.date() + timedelta(days=5), "de") == "So., 6. Dez. 2026"
    assert format_date(timezone.datetime(2026, 3, 2).date(), "de") == "Mo., 2. März 2026"
    assert format_money(123450, language="de") == "1.234,50\u00a0€"
    assert format_money(123450, language="en") == "€1,234.50"
    assert format_money(5, language="de") == "0,05\u00a0€"
    assert format_money(-250, language="de") == "-2,50\u00a0€"
    assert format_number(1234567.891, 1, "de") == "1.234.567,9"
    assert format_number(0.125, 2, "de") == "0,13"  # half up, not to even
    assert format_number(2.5, 0, "en") == "3"
    assert format_percent(0.125, 1, "de") == "12,5\u202f%"
    assert format_percent(0.125, 1, "en") == "12.5%"
    with translation.override("de"):
        assert format_money(100) == "1,00\u00a0€"
    with translation.override("en"):
        assert format_money(100) == "€1.00"


# --- numbers inside sentences -----------------------------------------------------------------------


def test_no_message_formats_a_decimal_number_itself():
    """``%(km).1f`` prints ``3.1`` whatever the language; numbers go through ``mobility.l10n`` and
    are passed as ``%(km)s`` (``3,1`` in German)."""
    for language in ("de", "en"):
        entries = parse_po(_po(language).read_text(encoding="utf-8"))
        assert [e["msgid"] for e in entries if re.search(r"%\(\w+\)\.\d+f", e["msgid"])] == [], language


@pytest.mark.django_db
def test_a_number_in_an_api_message_has_the_languages_separators(client_for, alice):
    # JOURNEYS_MAX_WALK_LIMIT_M is 3000 by default
    url = "/api/v1/journeys/?from=50.1506,9.9010&to=50.16,9.92&max_walk_m=3001"
    de = client_for(alice).get(url)
    en = client_for(alice).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert (de.status_code, en.status_code) == (400, 400)
    assert de.json()["error"]["fields"]["max_walk_m"] == ["Höchstens 3.000 m."]
    assert en.json()["error"]["fields"]["max_walk_m"] == ["At most 3,000 m."]


def test_chart_axes_count_with_the_languages_decimal_mark():
    import matplotlib.pyplot as plt

    from stats.charts import axis_number

    with translation.override("de"):
        assert [axis_number(v) for v in (0.0, 2.5, 1500.0, 12345.0)] == ["0", "2,5", "1.500", "12.345"]
    with translation.override("en"):
        assert [axis_number(v) for v in (0.0, 2.5, 1500.0, 12345.0)] == ["0", "2.5", "1,500", "12,345"]
    # and on a drawn chart: three trips at most give ticks at halves
    from stats.charts import _frame

    with translation.override("de"):
        fig, ax = plt.subplots()
        ax.bar([0, 1], [3, 1])
        _frame(ax, "Titel", "Fahrten", ["Nov. 26", "Dez. 26"])
        fig.canvas.draw()
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        plt.close(fig)
    assert ticks[:3] == ["0", "0,5", "1"] and "2,5" in ticks
