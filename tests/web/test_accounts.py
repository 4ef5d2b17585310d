"""Account pages: register, verify the address, sign in, reset the password, my data, delete."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from mobility.accounts.models import User
from mobility.privacy.models import ErasureRecord
from tests.web.conftest import page_text, post_form, signed_in


def _link_from_mail(pattern: str) -> str:
    assert len(mail.outbox) == 1
    match = re.search(pattern, mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(0)


@pytest.mark.django_db(transaction=True)
def test_register_verify_and_sign_in():
    browser = Client(enforce_csrf_checks=True)
    response = post_form(
        browser,
        "/registrieren/",
        {"display_name": "Erna K.", "email": "Erna@Example.org", "password": "lindenau-sommer-2026"},
    )
    assert response.status_code == 200
    assert "Wir haben eine E-Mail an Erna@Example.org geschickt." in page_text(response)
    user = User.objects.get(email="erna@example.org")
    assert user.display_name == "Erna K."
    assert user.email_verified is False
    link = _link_from_mail(r"http://testserver/verify-email\?token=\S+")
    path = link.removeprefix("http://testserver")  # links follow the served host

    # Signing in before verifying is refused.
    refused = post_form(browser, "/anmelden/", {"email": "erna@example.org", "password": "lindenau-sommer-2026"})
    assert refused.status_code == 400
    assert "_auth_user_id" not in browser.session

    # The link shows a button; only the POST verifies (mail scanners follow links).
    page = browser.get(path)
    assert page.status_code == 200
    user.refresh_from_db()
    assert user.email_verified is False
    response = post_form(browser, "/verify-email", {"token": path.split("token=")[1]}, form_page=path)
    assert response.status_code == 302
    assert response["Location"] == "/anmelden/"
    user.refresh_from_db()
    assert user.email_verified is True

    response = post_form(browser, "/anmelden/", {"email": "erna@example.org", "password": "lindenau-sommer-2026"})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_register_errors_are_german_and_next_to_their_field(alice):
    browser = Client(enforce_csrf_checks=True)
    response = post_form(browser, "/registrieren/", {"email": "neu@example.org", "password": "123456789012"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_password_error"><p>Das Passwort ist zu schwach' in html
    assert re.search(r'<input type="password" name="password"[^>]*aria-invalid="true"', html)
    assert not User.objects.filter(email="neu@example.org").exists()

    response = post_form(browser, "/registrieren/", {"email": alice.email, "password": "lindenau-sommer-2026"})
    assert response.status_code == 400
    assert "Mit dieser E-Mail-Adresse gibt es schon ein Konto." in page_text(response)
    assert User.objects.filter(email=alice.email).count() == 1
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_verify_with_a_broken_token_says_so():
    browser = Client(enforce_csrf_checks=True)
    response = post_form(browser, "/verify-email", {"token": "kaputt"}, form_page="/verify-email?token=kaputt")
    assert response.status_code == 400
    assert "Der Link ist ungültig oder abgelaufen." in page_text(response)


@pytest.mark.django_db
def test_password_reset(alice):
    browser = Client(enforce_csrf_checks=True)
    response = post_form(browser, "/passwort-vergessen/", {"email": "alice@example.org"})
    assert response.status_code == 200
    assert "Wenn es ein Konto mit der Adresse alice@example.org gibt" in page_text(response)
    link = _link_from_mail(r"http://testserver/reset-password\?uid=\S+&token=\S+")
    path = link.removeprefix("http://testserver")  # links follow the served host
    uid, token = re.search(r"uid=([^&]+)&token=(\S+)", path).groups()
    page = browser.get(path).content.decode()
    assert f'value="{uid}"' in page and f'value="{token}"' in page

    weak = post_form(
        browser, "/reset-password", {"uid": uid, "token": token, "new_password": "12345678901"}, form_page=path
    )
    assert weak.status_code == 400
    assert '<div class="field-error" id="id_new_password_error"><p>Das Passwort ist zu schwach' in weak.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("correct-horse-battery-staple")

    done = post_form(
        browser, "/reset-password", {"uid": uid, "token": token, "new_password": "neues-passwort-2026"}, form_page=path
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("neues-passwort-2026")
    # The link works once.
    again = post_form(
        browser, "/reset-password", {"uid": uid, "token": token, "new_password": "noch-eins-2026-x"}, form_page=path
    )
    assert again.status_code == 400
    assert "Der Link ist ungültig oder abgelaufen." in page_text(again)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing():
    browser = Client(enforce_csrf_checks=True)
    response = post_form(browser, "/passwort-vergessen/", {"email": "niemand@example.org"})
    assert response.status_code == 200
    assert "Wenn es ein Konto mit der Adresse niemand@example.org gibt" in page_text(response)
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_download_my_data(alice, bob):
    from mobility.notifications.services import notify

    notify(alice, "ride_booking_confirmed", {"booking": 7})
    browser = signed_in(alice)
    response = browser.get("/konto/meine-daten.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.match(r'attachment; filename="meine-daten-\d{4}-\d\d-\d\d\.json"', response["Content-Disposition"])
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["user_id"] == alice.pk
    text = response.content.decode()
    assert "alice@example.org" in text
    assert "bob@example.org" not in text


@pytest.mark.django_db
def test_delete_my_account(alice):
    browser = signed_in(alice)
    wrong = post_form(browser, "/konto/loeschen/", {"password": "falsch-falsch-1", "confirm": "on"})
    assert wrong.status_code == 400
    assert "Das Passwort stimmt nicht." in page_text(wrong)
    unconfirmed = post_form(browser, "/konto/loeschen/", {"password": "correct-horse-battery-staple"})
    assert unconfirmed.status_code == 400
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.org"
    assert ErasureRecord.objects.count() == 0

    done = post_form(browser, "/konto/loeschen/", {"password": "correct-horse-battery-staple", "confirm": "on"})
    assert done.status_code == 200
    assert "Ihr Konto ist gelöscht" in page_text(done)
    alice.refresh_from_db()
    assert alice.is_active is False
    assert alice.email == f"erased-{alice.pk}@erased.invalid"
    assert ErasureRecord.objects.filter(subject_ref=alice.pk).count() == 1
    assert "_auth_user_id" not in browser.session
    assert browser.get("/konto/").status_code == 302
