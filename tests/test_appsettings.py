"""App settings: Django settings win, then the environment (cast to the default's type), then the default."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from mobility.appsettings import app_setting


def test_default_environment_and_settings_in_that_order(monkeypatch, settings):
    assert app_setting("MOBILITY_TEST_LIMIT", 5) == 5
    monkeypatch.setenv("MOBILITY_TEST_LIMIT", "7")
    assert app_setting("MOBILITY_TEST_LIMIT", 5) == 7
    monkeypatch.setenv("MOBILITY_TEST_LIMIT", "")
    assert app_setting("MOBILITY_TEST_LIMIT", 5) == 5
    monkeypatch.setenv("MOBILITY_TEST_LIMIT", "7")
    settings.MOBILITY_TEST_LIMIT = 9
    assert app_setting("MOBILITY_TEST_LIMIT", 5) == 9


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        ("2.5", 1.0, 2.5),
        ("off", True, False),
        ("yes", False, True),
        ("Lindenau", "x", "Lindenau"),
    ],
)
def test_environment_values_take_the_type_of_the_default(monkeypatch, raw, default, expected):
    monkeypatch.setenv("MOBILITY_TEST_VALUE", raw)
    assert app_setting("MOBILITY_TEST_VALUE", default) == expected


@pytest.mark.parametrize(("raw", "default"), [("abc", 5), ("maybe", True), ("1,5", 1.0)])
def test_a_bad_environment_value_is_a_clear_configuration_error(monkeypatch, raw, default):
    monkeypatch.setenv("MOBILITY_TEST_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="MOBILITY_TEST_VALUE"):
        app_setting("MOBILITY_TEST_VALUE", default)
