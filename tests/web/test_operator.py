"""The operator console (/betrieb/): who may enter, timetables (upload, import, problems,
activate, switch off), the dashboard's figures and exports."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gtfs.models import Feed, FeedVersion, GtfsImport, Stop
from tests.factories import CostCentreFactory, UserFactory
from tests.gtfs.conftest import MINIMAL_FEED, build_zip
from tests.web.conftest import csrf_token, page_text, signed_in

pytestmark = pytest.mark.django_db

CONSOLE_PAGES = [
    "/betrieb/",
    "/betrieb/fahrplaene/",
]


@pytest.fixture
def operator_user(db):
    return UserFactory(email="olga@example.org", display_name="Olga", is_operator=True)


@pytest.fixture
def operator(operator_user):
    return signed_in(operator_user)


@pytest.fixture
def feed_zip(tmp_path):
    def build(files: dict | None = None, name: str = "feed.zip"):
        content = {**MINIMAL_FEED, **(files or {})}
        return build_zip(tmp_path / name, {k: v for k, v in content.items() if v is not None})

    return build


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    from gtfs import conf

    target = tmp_path / "gtfs-uploads"
    monkeypatch.setattr(conf, "GTFS_UPLOAD_DIR", str(target))
    return target


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Submit the upload form as a browser does; the queued import runs after the commit."""

    def submit(client, path, *, name="Regionalbus", kind="transit"):
        with django_capture_on_commit_callbacks(execute=True):
            return _upload(client, path, name=name, kind=kind)

    return submit


def _upload(client, path, *, name="Regionalbus", kind="transit"):
    token = csrf_token(client, "/betrieb/fahrplaene/")
    with open(path, "rb") as handle:
        upload_file = SimpleUploadedFile(path.name, handle.read(), content_type="application/zip")
    return client.post(
        "/betrieb/fahrplaene/", {"file": upload_file, "name": name, "kind": kind, "csrfmiddlewaretoken": token}
    )


# --- who may enter ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_anonymous_visitors_are_sent_to_the_login(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/anmelden/?next=")


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_residents_and_staff_get_403(path):
    resident = signed_in(UserFactory())
    staff = signed_in(UserFactory(is_town_staff=True, cost_centre=CostCentreFactory()))
    for client in (resident, staff):
        response = client.get(path)
        assert response.status_code == 403
        assert "Das dürfen Sie leider nicht" in page_text(response)


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_operator_pages_are_personal_and_german(operator, path):
    response = operator.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert html.count("<h1") == 1
    nav = html[html.index('<nav class="console-nav"') : html.index("</nav>", html.index('<nav class="console-nav"'))]
    operator_links = re.findall(r'<a href="(/betrieb/[^"]*)"( aria-current="page")?>([^<]+)</a>', nav)
    assert [(href, label) for href, _current, label in operator_links] == [
        ("/betrieb/", "Kennzahlen"),
        ("/betrieb/fahrplaene/", "Fahrpläne"),
        ("/betrieb/buergerbus/", "Bürgerbus-Editor"),
        ("/betrieb/flotte/", "Flotte"),
        ("/betrieb/strassennetz/", "Straßennetz"),
        ("/betrieb/personen/", "Personen"),
    ]
    assert [href for href, current, _label in operator_links if current] == [path]


def test_a_resident_cannot_post_to_the_console(operator_user, feed_zip):
    resident = signed_in(UserFactory())
    token = csrf_token(resident, "/")
    with open(feed_zip(), "rb") as handle:
        response = resident.post(
            "/betrieb/fahrplaene/",
            {
                "file": SimpleUploadedFile("f.zip", handle.read()),
                "name": "X",
                "kind": "transit",
                "csrfmiddlewaretoken": token,
            },
        )
    assert response.status_code == 403
    assert not GtfsImport.objects.exists() and not Feed.objects.exists()


# --- timetables ------------------------------------------------------------------------------


def test_upload_imports_the_feed_and_the_import_page_shows_the_result(operator, operator_user, feed_zip, upload):
    response = upload(operator, feed_zip())
    record = GtfsImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/betrieb/fahrplaene/importe/{record.pk}/"
    assert record.status == "imported" and record.created_by == operator_user
    feed = Feed.objects.get(name="Regionalbus")
    assert feed.active_version_id == record.version_id
    assert Stop.objects.filter(version=feed.active_version).count() == 3
    text = page_text(operator.get(response["Location"]))
    assert f"Import {record.pk}: Regionalbus" in text
    assert "Stand: importiert und aktiv" in text
    assert "0 Fehler, 0 Warnungen." in text
    assert "Stand neu laden" not in text  # finished: nothing to wait for
    listing = page_text(operator.get("/betrieb/fahrplaene/"))
    assert "Regionalbus Linienverkehr" in listing and f"Import {record.pk}" in listing
    status = operator.get(f"/betrieb/fahrplaene/importe/{record.pk}/stand/")
    assert 'data-finished="1"' in status.content.decode()
    assert 'max="13" value="13"' in status.content.decode()  # every step done


def test_not_a_zip_is_refused_on_the_form_and_nothing_is_stored(operator, tmp_path, upload, upload_dir):
    bogus = tmp_path / "feed.zip"
    bogus.write_text("stop_id,stop_name\n")
    response = upload(operator, bogus)
    assert response.status_code == 400
    text = page_text(response)
    assert "Das ist keine ZIP-Datei." in text
    assert 'aria-invalid="true"' in response.content.decode()
    assert not GtfsImport.objects.exists() and not Feed.objects.exists()
    assert list(upload_dir.glob("*")) == []


def test_kind_mismatch_is_shown_at_the_kind_field(operator, feed_zip, upload):
    upload(operator, feed_zip())
    response = upload(operator, feed_zip(name="other.zip"), kind="community_bus")
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_kind_error"[^>]*>\s*<p>Diesen Fahrplan gibt es schon mit einer anderen Art.', html)
    assert GtfsImport.objects.count() == 1


def test_refused_feed_lists_its_problems_sortable(operator, feed_zip, upload):
    bad = feed_zip(
        {
            "trips.txt": "route_id,service_id,trip_id\nR1,NOPE,T1\nR1,WD,T2\nR1,ALSO_NOPE,T3\n",
            "stop_times.txt": MINIMAL_FEED["stop_times.txt"] + "T3,09:00:00,09:00:00,S1,1\nT3,09:05:00,09:05:00,S2,2\n",
        }
    )
    response = upload(operator, bad)
    record = GtfsImport.objects.get()
    assert record.status == "refused" and not Feed.objects.exists()
    page = operator.get(response["Location"] + "?sort=row&order=desc")
    html = page.content.decode()
    rows = re.findall(
        r'<tr class="problem-error"><td>Fehler</td><td><code>(\w+)</code></td><td>([\w.]*)</td><td>(\d*)</td>', html
    )
    assert rows == [("unknown_service", "trips.txt", "4"), ("unknown_service", "trips.txt", "2")]
    assert 'aria-sort="descending"' in html
    ascending = operator.get(response["Location"] + "?sort=row&order=asc").content.decode()
    rows = re.findall(
        r'<tr class="problem-error"><td>Fehler</td><td><code>\w+</code></td><td>[\w.]*</td><td>(\d*)</td>', ascending
    )
    assert rows == ["2", "4"]
    assert "Stand: abgelehnt (Fehler im Fahrplan)" in page_text(page)
    assert "2 Fehler, 0 Warnungen." in page_text(page)


def test_activate_an_older_version_and_switch_the_feed_off(operator, feed_zip, upload):
    upload(operator, feed_zip())
    changed = MINIMAL_FEED["stops.txt"] + "S4,Friedhof,48.98,8.87\n"
    upload(operator, feed_zip({"stops.txt": changed}, name="v2.zip"))
    feed = Feed.objects.get()
    first, second = FeedVersion.objects.filter(feed=feed).order_by("id")
    assert feed.active_version_id == second.pk
    path = f"/betrieb/fahrplaene/{feed.pk}/"
    token = csrf_token(operator, path)
    response = operator.post(f"{path}aktivieren/", {"version": str(first.pk), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == path
    feed.refresh_from_db()
    assert feed.active_version_id == first.pk
    assert f"Version {first.pk} ist jetzt aktiv." in page_text(operator.get(path))
    token = csrf_token(operator, path)
    operator.post(f"{path}aktivieren/", {"version": "off", "csrfmiddlewaretoken": token})
    feed.refresh_from_db()
    assert feed.active_version_id is None
    text = page_text(operator.get(path))
    assert "Aktive Version abgeschaltet" in text
    assert f"Version {second.pk} aktivieren" in text and f"Version {first.pk} aktivieren" in text


def test_activate_refuses_foreign_versions_and_garbage(operator, feed_zip, upload):
    upload(operator, feed_zip())
    upload(operator, feed_zip(name="b.zip"), name="Andere")
    mine, other = Feed.objects.order_by("id")
    path = f"/betrieb/fahrplaene/{mine.pk}/"
    for value in (str(other.active_version_id), "abc", "", "9" * 30):
        token = csrf_token(operator, path)
        response = operator.post(f"{path}aktivieren/", {"version": value, "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.active_version_id is not None and mine.active_version_id != other.active_version_id
    token = csrf_token(operator, path)
    assert (
        operator.post(
            "/betrieb/fahrplaene/999999/aktivieren/", {"version": "off", "csrfmiddlewaretoken": token}
        ).status_code
        == 404
    )
    assert operator.get("/betrieb/fahrplaene/999999/").status_code == 404
    assert operator.get("/betrieb/fahrplaene/importe/999999/").status_code == 404


def test_console_pages_in_english(operator):
    pages = {
        "/betrieb/": ["The month at a glance", "Key figures", "Exports"],
        "/betrieb/fahrplaene/": ["Upload a timetable", "Latest imports", "Upload and import"],
        "/betrieb/flotte/": ["Fleet", "Vehicles", "Reported defects"],
        "/betrieb/buergerbus/": ["Community bus timetable", "Add a new stop", "Preview"],
        "/betrieb/buergerbus/vorschau/": ["Community bus: preview of departures", "No stop yet."],
        "/betrieb/strassennetz/": ["Imported road networks", "Import an OSM extract"],
        "/betrieb/personen/": ["Find account", "To the access log"],
        "/betrieb/zugriffsprotokoll/": ["Access log", "Who looked"],
    }
    for path, expected in pages.items():
        text = page_text(operator.get(path, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
        for phrase in expected:
            assert phrase in text, (path, phrase)
        for german in ("Hochladen", "Zugriffsprotokoll", "Fahrzeuge", "Kennzahlen", "Haltestelle"):
            assert german not in text, (path, german)


def test_a_buergerbus_version_kept_in_the_editor_says_so_in_german_and_english(operator, operator_user):
    from gtfs.services import bb_stop_create

    bb_stop_create(name="Dorfplatz", lat=50.1, lon=8.6, user=operator_user)
    version = FeedVersion.objects.get()
    assert version.source_name == ""
    path = f"/betrieb/fahrplaene/{version.feed_id}/"
    assert "im Bürgerbus-Editor gepflegt" in page_text(operator.get(path))
    english = page_text(operator.get(path, HTTP_ACCEPT_LANGUAGE="en"))
    assert "maintained in the Bürgerbus editor" in english
    assert "maintained via API" not in english
