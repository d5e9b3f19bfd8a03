"""A nurse's whole journey in the clinic app, in Debian's chromium driven by Playwright, against
the real server and a real database (SQLite and PostgreSQL): sign in, create a course of
aldesleukin SC from next Monday and check the preview's dates, record a delay decided on cycle
2 day 1, print the calendar (the PDF read back), scan the QR code of the patient's link and
fetch the feed it names.

Dates by hand: from Friday 1 January 2027 next Monday is 4 January; aldesleukin-sc gives an
injection at 09:00 on days 1-5, 8-12, 15-19 and 22-26 of 35-day cycles: 4-8 January, then
11-15 January; cycle 2 starts Monday 8 February, and delayed 7 days, Monday 15 February.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import scheduler
from scheduler.store.courses import SqlStore
from tests.feed.serving import fetch
from tests.web.browser import decode_qr, pdf_text
from tests.web.clinic import PASSWORD, add_user, clinic

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.external


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/courses")
    assert page.url.startswith(base + "/login")
    page.fill("input[name=name]", "nurse.a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/courses")


def test_a_nurse_plans_delays_prints_and_shares(page: Page, store_url: str, tmp_path: Path) -> None:
    add_user(store_url)
    with clinic(store_url, tmp_path / "log", now="2027-01-01T09:00:00Z") as base:
        sign_in(page, base)
        page.click("text=New course")
        page.select_option("select[name=regimen]", "aldesleukin-sc")
        page.fill("input[name=key]", "js-0001")
        page.fill("input[name=label]", "J.S.")
        page.fill("input[name=start]", "2027-01-04")
        page.fill("input[name=cycles]", "3")
        page.click("button[value=preview]")
        rows = page.locator("table.doses tbody tr td:first-child").all_inner_texts()
        assert rows[:7] == ["Mon 4 Jan 2027 09:00", "Tue 5 Jan 2027 09:00", "Wed 6 Jan 2027 09:00",
                            "Thu 7 Jan 2027 09:00", "Fri 8 Jan 2027 09:00", "Mon 11 Jan 2027 09:00",
                            "Tue 12 Jan 2027 09:00"]  # fmt: skip
        assert "60 doses in 3 cycles" in page.inner_text("p.summary")
        frame = page.frame_locator("iframe.calendar")
        assert "January 2027" in frame.locator("body").inner_text()
        page.click("button[value=save]")
        page.wait_for_url(base + "/courses/js-0001")
        assert "J.S." in page.inner_text("h1")
    # Cycle 2, day 1, 08:00: the team decides to delay the cycle a week.
    with clinic(store_url, tmp_path / "log2", now="2027-02-08T08:00:00Z") as base:
        sign_in(page, base)
        page.goto(base + "/courses/js-0001")
        page.select_option("select[name=change]", "delay")
        page.fill("form[action$='/change'] input[name=cycle]", "2")
        page.fill("form[action$='/change'] input[name=days]", "7")
        page.fill("form[action$='/change'] input[name=reason]", "neutrophils 0.9")
        page.click("button[value=preview]")
        page.locator("#preview li").first.wait_for()  # swapped in by HTMX, nothing written
        preview = page.locator("#preview").inner_text()
        assert "Cycle 2 moves from Mon 8 Feb 2027 to Mon 15 Feb 2027" in preview
        assert "No change yet." in page.inner_text("ol.history")
        page.click("form[action$='/change'] button[value=save]")
        page.wait_for_url(base + "/courses/js-0001")
        assert "cycle 2 and later cycles delayed by 7 days — neutrophils 0.9" in page.inner_text(
            "ol.history"
        )
        assert "by nurse.a" in page.inner_text("ol.history")
        # The printed calendar, read back from the PDF.
        page.goto(base + "/courses/js-0001/calendar.html")
        text = pdf_text(page.pdf(format="A4"))
        assert "February 2027" in text
        # Share: the QR code's link is the patient's feed, and it answers with the new dates.
        page.goto(base + "/courses/js-0001/share")
        page.click("button:has-text('Make the link')")
        page.wait_for_url(base + "/courses/js-0001/share")
        qr = page.locator("img.qr").first.screenshot()
        links = decode_qr(qr)
        assert len(links) == 1 and re.fullmatch(
            r"https://feeds\.example\.org/feeds/[A-Za-z0-9_-]{43}\.ics", links[0]
        )
        status, _, body = fetch(base + links[0].removeprefix("https://feeds.example.org"))
        assert status == 200
        assert b"DTSTART;TZID=Europe/London:20270215T090000" in body
        assert b"DTSTART;TZID=Europe/London:20270208T090000" not in body


def test_two_nurses_in_two_browsers_on_two_servers_lose_nothing(
    browser, store_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Both open the course; the first saves a delay; the second's save of the page she read is
    refused with who came first; she reloads, and her omission is kept beside the delay."""

    add_user(store_url)
    add_user(store_url, "nurse.b")

    scheduler.new_course("aldesleukin-sc", "js", start=date(2027, 1, 4), zone="Europe/London", cycles=3,
                         store=SqlStore(store_url))  # fmt: skip
    with clinic(store_url, tmp_path / "one", now="2027-01-02T10:00:00Z") as one, \
         clinic(store_url, tmp_path / "two", now="2027-01-02T10:00:00Z") as two:  # fmt: skip
        pages = []
        for base, name in ((one, "nurse.a"), (two, "nurse.b")):
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/courses")
            page.goto(base + "/courses/js")
            pages.append((base, page))
        (base_a, a), (base_b, b) = pages
        for page, values in (
            (a, {"change": "delay", "cycle": "2", "days": "7"}),
            (b, {"change": "omit", "cycle": "3", "day": "1"}),
        ):
            page.select_option(
                "select[name=change]", values.pop("change") if "change" in values else "delay"
            )
            for field, value in values.items():
                page.fill(f"form[action$='/change'] input[name={field}]", value)
        a.click("form[action$='/change'] button[value=save]")
        a.wait_for_url(base_a + "/courses/js")
        b.click("form[action$='/change'] button[value=save]")
        assert (
            "changed since you read it (another edit came first: cycle 2 and later cycles delayed by 7 days, by nurse.a"
            in b.inner_text("p.error")
        )
        b.goto(base_b + "/courses/js")
        b.select_option("select[name=change]", "omit")
        b.fill("form[action$='/change'] input[name=cycle]", "3")
        b.fill("form[action$='/change'] input[name=day]", "1")
        b.click("form[action$='/change'] button[value=save]")
        b.wait_for_url(base_b + "/courses/js")
        history = b.inner_text("ol.history")
        assert "cycle 2 and later cycles delayed by 7 days" in history and "by nurse.a" in history
        assert "by nurse.b" in history
        assert [e.by for e in SqlStore(store_url).get("js").course.history] == [
            "nurse.a",
            "nurse.b",
        ]
        for _base, page in pages:
            page.context.close()
