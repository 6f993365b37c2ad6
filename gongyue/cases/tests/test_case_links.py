"""Where people find the cases app: the main menu, the cases sub-menu by role, and the public
criticism form in every page's footer (anyone, without an account, Art. 17)."""

import re

import pytest
from django.urls import reverse

from gongyue.accounts.models import Role
from gongyue.core import testing

pytestmark = pytest.mark.django_db


def _hrefs(page) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page.content.decode()))


def test_anyone_finds_the_criticism_form_in_the_footer_and_only_people_logged_in_the_cases(
    client_for,
):
    home = client_for(None).get("/")
    assert reverse("cases:criticism_new") in _hrefs(home)
    assert reverse("cases:cases") not in _hrefs(home)


def test_the_cases_menu_shows_each_role_its_own_pages(client_for, rep_a, secretariat, authority):
    cases, disputes = reverse("cases:cases"), reverse("cases:disputes")
    complaints, queue = reverse("cases:complaints"), reverse("cases:dispute_queue")
    member = _hrefs(client_for(rep_a).get(cases))
    assert {cases, disputes, complaints} <= member and queue not in member
    staff = _hrefs(client_for(secretariat).get(cases))
    assert {cases, queue, reverse("cases:criticism_manage")} <= staff
    assert complaints not in staff  # the secretariat never reaches complaints about itself
    assert complaints in _hrefs(client_for(authority).get(cases))
    head = testing.make_user("head_links", Role.SECRETARIAT_HEAD)
    assert complaints not in _hrefs(client_for(head).get(cases))
