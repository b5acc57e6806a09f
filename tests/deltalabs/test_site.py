"""The site root: a landing page linking the API docs and the admin, and the favicon."""

import pytest
from django.contrib import admin
from django.test import Client

from tests.factories.identity import StaffFactory

pytestmark = pytest.mark.django_db


def test_root_is_a_landing_page_linking_docs_and_admin():
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for link in ('href="/v1/docs"', 'href="/v1/redoc"', 'href="/admin/"'):
        assert link in html, link


def test_landing_page_answers_head_and_refuses_posts():
    assert Client().head("/").status_code == 200
    assert Client().post("/").status_code == 405


def test_view_site_in_the_admin_leads_to_the_landing_page():
    # given a staff member in the admin
    client = Client()
    client.force_login(StaffFactory())
    html = client.get("/admin/").content.decode()
    # then "View site" points at the site root, which answers
    assert admin.site.site_url == "/"
    assert 'href="/">View site</a>' in html
    assert client.get(admin.site.site_url).status_code == 200


def test_favicon_is_an_icon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO signature


def test_admin_pages_link_the_icon():
    client = Client()
    client.force_login(StaffFactory())
    assert 'rel="icon"' in client.get("/admin/").content.decode()
