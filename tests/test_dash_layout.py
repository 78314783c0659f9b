"""The dashboard's frame: who is signed in, a way out, and an icon (no stray 404s)."""

import re


def test_dash_offers_sign_out_everywhere(client, make_user, make_site, login):
    user = make_user("owner@example.org")
    make_site("acme", owner=user)
    login(client, user, "acme")
    page = client.get("/admin/", subdomain="acme").get_data(as_text=True)
    assert "owner@example.org" in page
    form = re.search(r'<form class="sign-out" method="post" action="([^"]+)">', page)
    assert form and form.group(1) == "/admin/signout"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/admin/signout", data={"csrf_token": token}, subdomain="acme")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://example.test/"
    again = client.get("/admin/", subdomain="acme")
    assert again.status_code == 302 and "/handoff" in again.headers["Location"]
    assert 'rel="icon"' in client.get("/", base_url="http://example.test").get_data(as_text=True)
