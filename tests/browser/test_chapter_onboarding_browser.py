"""A chapter admin creates a clinic, sets up its health system's sign-in provider, imports 20
staff from a CSV file, the invitees accept from the links in their email (one through the local
OpenID provider, tests/peers/oidc), and the chapter admin follows them on the status board and
exports the chapter report, in real browsers; every new page passes axe at 1280, 375 and 320 px."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_authoring_browser import assert_fits_and_accessible
from tests.browser.test_onboarding_browser import FRONT_DESK, new_page
from tests.browser.test_reader_browser import sign_in
from tests.sso.conftest import CLIENT_SECRET, LMS_CLIENT, Provider
from tests.sso.conftest import oidc_peer as oidc_peer  # noqa: F401  (fixtures)
from tests.sso.conftest import sso_server as sso_server  # noqa: F401

PASSWORD = "a long and private passphrase"


def test_a_chapter_admin_onboards_a_clinic_from_a_csv_file(
    browser: Browser,
    page: Page,
    sso_server: str,
    oidc_peer: Provider,  # noqa: F811
    make_user,
    publish,
    mailbox,
    tmp_path,
):
    # Served on the port whose callback the local OpenID provider has registered.
    live_server = sso_server
    publish()
    site_admin = make_user(role="admin", name="Ada Admin")
    chapter_admin = make_user("carla@example.org", name="Carla Chapter")

    # The site admin creates the chapter and appoints its admin.
    sign_in(page, live_server, site_admin.email)
    page.goto(f"{live_server}/admin/chapters")
    assert_fits_and_accessible(page)
    page.get_by_label("Name of the chapter").fill("Desert Chapter")
    page.get_by_label("Contact email (optional)").fill("desert@example.org")
    page.get_by_role("button", name="Add chapter").click()
    page.get_by_label("Email address of the new chapter admin").fill(chapter_admin.email)
    page.get_by_role("button", name="Appoint chapter admin").click()
    expect(page.get_by_text("Carla Chapter is now an admin of Desert Chapter.")).to_be_visible()
    assert_fits_and_accessible(page)

    # The chapter admin creates a clinic.
    admin = new_page(browser)
    sign_in(admin, live_server, chapter_admin.email)
    admin.get_by_role("link", name="My chapter").click()
    expect(admin.get_by_role("heading", name="Desert Chapter")).to_be_visible()
    admin.get_by_label("Name", exact=True).fill("Sunrise Pediatrics")
    admin.get_by_label("Kind").select_option("clinic")
    admin.get_by_role("button", name="Add organization").click()
    expect(admin.get_by_text("Sunrise Pediatrics is created.")).to_be_visible()
    assert_fits_and_accessible(admin)

    # The clinic's health system signs its people in itself: the chapter admin sets that up.
    admin.get_by_role("link", name="Desert Chapter").click()
    assert_fits_and_accessible(admin)
    admin.get_by_role("link", name="Add or change sign-in providers").click()
    assert_fits_and_accessible(admin)
    admin.get_by_label("Name shown to people").fill("Sunrise Health")
    admin.get_by_label("Organization").select_option(label="Sunrise Pediatrics")
    admin.get_by_label("Issuer").fill(oidc_peer.issuer)
    admin.get_by_label("Client ID").fill(LMS_CLIENT)
    admin.get_by_label("Client secret").fill(CLIENT_SECRET)
    admin.get_by_label("Allowed email domains").fill("clinic.example.org")
    admin.get_by_role("button", name="Add provider").click()
    expect(admin.get_by_text("Sunrise Health is added.")).to_be_visible()
    admin.get_by_role("link", name="Sunrise Health").click()
    expect(admin.get_by_label("Issuer")).to_have_value(oidc_peer.issuer)
    assert_fits_and_accessible(admin)
    admin.get_by_role("link", name="Sign-in providers of Desert Chapter").click()
    admin.get_by_role("link", name="Back to Desert Chapter").click()
    admin.get_by_role("link", name="Sunrise Pediatrics").first.click()

    # ... and imports 20 staff, each assigned the front-desk course.
    due = (date.today() + timedelta(days=30)).isoformat()
    staff = [(f"staff{n}@example.org", f"Staff Member {n:02d}") for n in range(1, 20)]
    # Nadia's address is on the provider's domain; her account there is "nadia".
    staff.append(("nadia.nurse@clinic.example.org", "Nadia Nurse"))
    file = tmp_path / "staff.csv"
    with file.open("w", encoding="utf-8-sig", newline="") as handle:  # as Excel saves it
        writer = csv.writer(handle)
        writer.writerow(["Email", "Name", "Profession", "Role", "Course", "Due date"])
        for email, name in staff:
            writer.writerow([email, name, "clinic-staff", "member", FRONT_DESK, due])
    admin.get_by_role("link", name="Invite many people from a CSV file").click()
    assert_fits_and_accessible(admin)
    admin.get_by_label("CSV file of staff").set_input_files(file)
    admin.get_by_role("button", name="Preview the import").click()
    expect(admin.locator("#import-summary")).to_contain_text("Invite: 20.")
    assert_fits_and_accessible(admin)
    admin.get_by_role("button", name="Import and send invitations").click()
    expect(admin.get_by_text("20 people are invited.")).to_be_visible()
    expect(admin.locator("#invitations-table tbody tr")).to_have_count(20)
    assert_fits_and_accessible(admin)

    # Every invitee accepts from the link in their email; Nadia through her health system.
    for n, (email, _name) in enumerate(staff):
        assert len(mailbox.to(email)) == 1
        link = mailbox.last_link(email).replace("http://localhost", live_server)
        invitee = new_page(browser)
        invitee.goto(link)
        expect(invitee.get_by_role("heading", name="Join Sunrise Pediatrics")).to_be_visible()
        if email.endswith("@clinic.example.org"):
            accept_through_the_provider(invitee, live_server, oidc_peer)
            invitee.context.close()
            continue
        expect(invitee.get_by_role("button", name="Continue with Sunrise Health")).to_have_count(0)
        if n == 0:
            assert_fits_and_accessible(invitee)
        invitee.get_by_label("Choose a password").fill(PASSWORD)
        invitee.get_by_label("Repeat the password").fill(PASSWORD)
        invitee.get_by_role("button", name="Create my account and join").click()
        expect(invitee.get_by_text("Welcome to Sunrise Pediatrics.")).to_be_visible()
        if n == 0:
            expect(
                invitee.get_by_text("Trauma-Informed Care at the Front Desk").first
            ).to_be_visible()
            # A used link says so, accessibly.
            invitee.goto(link)
            expect(
                invitee.get_by_role("heading", name="This invitation cannot be used")
            ).to_be_visible()
            assert_fits_and_accessible(invitee)
        invitee.context.close()

    # The chapter admin sees all of them on the status board, with nothing left to accept.
    admin.reload()
    for _, name in staff:
        expect(admin.locator("th", has_text=name).first).to_be_visible()
    expect(admin.locator("#invitations-table")).to_have_count(0)
    expect(admin.get_by_text("Not started: 20")).to_be_visible()

    # ... and exports the chapter report, which says what the page says.
    admin.get_by_role("link", name="Desert Chapter").click()
    admin.get_by_role("link", name="Reports").click()
    row = admin.locator("#organizations-table tr", has_text="Sunrise Pediatrics")
    expect(row).to_contain_text("20")
    assert_fits_and_accessible(admin)
    with admin.expect_download() as download_info:
        admin.get_by_role("link", name="Download these tables (CSV)").click()
    path = tmp_path / "report.csv"
    download_info.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    # People, learners, completions and webinar attendees: the new staff have not begun yet.
    assert ["Sunrise Pediatrics", "20", "0", "0", "0"] in rows

    # The chapter's audit log and public page.
    admin.get_by_role("link", name="Desert Chapter").click()
    admin.get_by_role("link", name="Audit log").click()
    admin.get_by_label("Action starts with").fill("organization.staff")
    admin.get_by_role("button", name="Filter").click()
    expect(admin.locator("code", has_text="organization.staff_imported")).to_be_visible()
    assert_fits_and_accessible(admin)
    admin.goto(f"{live_server}/my-chapter")
    admin.get_by_role("link", name="Public page").click()
    expect(admin.get_by_text("Sunrise Pediatrics")).to_be_visible()
    assert_fits_and_accessible(admin)


def accept_through_the_provider(invitee: Page, live_server: str, oidc_peer: Provider) -> None:
    """Accept the open invitation by signing in at the local OpenID provider as "nadia"."""
    assert_fits_and_accessible(invitee)  # the accept page, with its single sign-on button
    invitee.get_by_role("button", name="Continue with Sunrise Health").click()
    assert_fits_and_accessible(invitee)
    invitee.get_by_role("link", name="Continue to Sunrise Health").click()
    # The provider's own pages: its development sign-in form, then its consent screen.
    invitee.wait_for_url(oidc_peer.issuer + "/**")
    invitee.locator("input[name=login]").fill("nadia")
    invitee.locator("input[name=password]").fill("any password works here")
    invitee.locator("button[type=submit]").click()
    invitee.locator("button[type=submit]").click()
    invitee.wait_for_url(live_server + "/**")
    expect(invitee.get_by_text("Welcome to Sunrise Pediatrics.")).to_be_visible()
    expect(invitee.get_by_text("Trauma-Informed Care at the Front Desk").first).to_be_visible()
