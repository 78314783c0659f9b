"""Steps the journeys share, done the way a person does them: typing into forms and clicking."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

import pyotp
from playwright.sync_api import Page, expect

from tests.live import LiveServer

PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    email: str
    password: str = PASSWORD


def new_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


def new_subdomain() -> str:
    return f"e2e{secrets.token_hex(4)}"


def link_in_mail(live_server: LiveServer, address: str, path: str) -> str:
    """The first link to `path` on the apex in the newest mail to `address`."""
    mail = live_server.last_mail_to(address)
    part = mail.get_body(("plain",)) if hasattr(mail, "get_body") else None
    text = (part or mail).get_payload(decode=True).decode()
    match = re.search(re.escape(live_server.apex + path) + r"[^\s<>\"]+", text)
    assert match, f"no {path} link in the mail to {address}:\n{text}"
    return match.group(0)


def fill_signup(page: Page, account: Account, shot=None) -> None:
    """Fills and sends the sign-up form already on screen (with `shot`, pictured filled in)."""
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    email = page.get_by_label("Email")
    if not email.input_value():
        email.fill(account.email)
    page.get_by_label("Password").fill(account.password)
    if shot is not None:
        shot(page, "signup")
    page.get_by_role("button", name="Sign up").click()


def sign_up_and_confirm(page: Page, live_server: LiveServer, account: Account) -> None:
    page.goto(live_server.apex + "/")
    page.get_by_role("link", name="Sign up").first.click()
    fill_signup(page, account)
    expect(page.get_by_role("status").first).to_contain_text("We sent a confirmation link")
    page.goto(link_in_mail(live_server, account.email, "/confirm/"))
    expect(page.get_by_role("status").first).to_contain_text(f"{account.email} is confirmed")


def sign_in(page: Page, live_server: LiveServer, account: Account, next_url: str = "") -> None:
    page.goto(live_server.apex + "/signin" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def create_site(page: Page, live_server: LiveServer, subdomain: str, title: str) -> None:
    """From "My sites": creates the site and lands in its dashboard (the handoff signs in)."""
    page.get_by_role("link", name="Create a site").click()
    page.get_by_label("Address").fill(subdomain)
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create the site").click()
    page.wait_for_url(live_server.tenant(subdomain) + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def owner_with_site(page: Page, live_server: LiveServer, title: str) -> tuple[Account, str]:
    account = Account(new_email("owner"))
    subdomain = new_subdomain()
    sign_up_and_confirm(page, live_server, account)
    create_site(page, live_server, subdomain, title)
    return account, subdomain


def write_page(page: Page, live_server: LiveServer, subdomain: str, title: str, body: str,
               publish: bool = True) -> None:  # fmt: skip
    """Creates a page in the editor and saves it with Ctrl+S."""
    page.goto(live_server.tenant(subdomain) + "/admin/pages/new?kind=page")
    page.get_by_role("textbox", name="Title").fill(title)
    page.get_by_label("Text").fill(body)
    if publish:
        page.get_by_label("Status").select_option("published")
    page.get_by_label("Text").press("Control+s")
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/edit"))
    expect(page.get_by_role("status").first).to_contain_text("created")


def turn_on_two_factor(page: Page, live_server: LiveServer, shot=None) -> tuple[str, list[str]]:
    """From the account page: set up, read the key as an authenticator app would (the QR
    code holds the same), type its code. Returns the key and the recovery codes shown."""
    page.goto(live_server.apex + "/account")
    page.get_by_role("link", name="Manage two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    if shot is not None:
        shot(page, "two-factor-setup")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str) -> str:
    """The app's code for the next 30-second step: the current one may be spent already, and
    one step ahead is accepted (clock drift)."""
    return pyotp.TOTP(secret).at(time.time() + 30)
