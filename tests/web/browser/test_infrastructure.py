"""The browser-test helpers themselves: they must be able to fail."""

from __future__ import annotations

from tests.web.browser.conftest import RequestLog, assert_accessible, axe_violations, small_targets


def test_live_server_serves_the_demo_region(web_server):
    rows = web_server.query("SELECT email FROM accounts_user WHERE email = %s", ("carla@demo.lindenau.example",))
    assert rows == [("carla@demo.lindenau.example",)]
    assert web_server.query("SELECT COUNT(*) FROM carsharing_station") == [(3,)]


def test_request_recorder_flags_a_third_party_host(chromium, web_server):
    seen = RequestLog(server_origin=web_server.url)
    context = chromium.new_context()
    page = context.new_page()
    page.on("request", lambda request: seen.urls.append(request.url))
    page.goto(f"{web_server.url}/healthz")
    # Nothing answers on .invalid; the browser still asks, and that request is recorded.
    page.set_content('<img src="http://tiles.example.invalid/1/2/3.png" alt="Kachel">')
    page.wait_for_timeout(300)
    context.close()
    assert f"{web_server.url}/healthz" in seen.urls
    assert seen.foreign() == ["http://tiles.example.invalid/1/2/3.png"]


def test_axe_helper_reports_a_missing_alt_text(page):
    page.set_content('<html lang="de"><head><title>t</title></head><body><main><img src="data:,"></main></body></html>')
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]
    page.set_content(
        '<html lang="de"><head><title>t</title></head><body><main><h1>Hallo</h1>'
        '<img src="data:," alt="Punkt"></main></body></html>'
    )
    assert_accessible(page)


def test_api_docs_load_nothing_from_third_parties(page, web_server, requests_seen):
    page.goto("/api/docs/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#swagger-ui").count() == 1
    assert any(url.startswith(f"{web_server.url}/static/") for url in requests_seen.urls)


def test_touch_target_check_finds_a_small_button(page):
    page.set_content(
        '<html lang="de"><head><title>t</title></head><body><main>'
        '<button id="klein" style="height:20px;width:80px;padding:0">OK</button>'
        '<button id="gross" style="height:48px;width:80px">Weiter</button>'
        '<label><input type="checkbox"> ja</label></main></body></html>'
    )
    assert small_targets(page) == ['button#klein "OK" 80x20']
