import pytest
from django.core.management import CommandError, call_command

from gongyue.accounts.models import Role, User
from gongyue.audit.log import verify
from gongyue.convention.models import Convention
from gongyue.core.testing import reference_seed


def test_the_demo_has_a_person_for_every_role_and_two_versions_to_compare(db, capsys):
    call_command("load_demo")
    held = {g.role for u in User.objects.all() for g in u.unrevoked_grants}
    assert held >= {r.value for r in Role}
    convention = Convention.objects.current()
    assert list(convention.versions.values_list("number", "status")) == [
        (1, "superseded"),
        (2, "adopted"),
        (3, "draft"),  # the text a member's amendment proposal would put in force
    ]
    from gongyue.amendments.models import Ballot, Interpretation

    ballot = Ballot.objects.get()
    assert ballot.is_open and ballot.proposal.version.number == 3 and ballot.votes.count() == 1
    assert Interpretation.objects.count() == 1
    from gongyue.screening import service

    assert service.current_engine().engine.screen("加入网 络 赌 场").decision == "block"
    service.reset()
    out = capsys.readouterr().out
    assert "mishuchu" in out and "gongyue-demo" in out
    assert verify().ok


def test_loading_the_demo_twice_changes_nothing(db):
    call_command("load_demo")
    users = User.objects.count()
    call_command("load_demo")
    assert User.objects.count() == users


def test_the_demo_can_run_on_a_given_convention_text(db):
    call_command("load_demo", convention=str(reference_seed()))
    version = Convention.objects.current().version_in_force
    assert version.title == "江西省互联网行业自律公约" and version.articles.count() == 30


def test_a_bad_convention_file_stops_the_demo_with_its_problems(db, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("公约\n第一条 甲。\n第一条 乙。\n", encoding="utf-8")
    with pytest.raises(CommandError, match="3"):
        call_command("load_demo", convention=str(bad))
    assert not Convention.objects.exists() and not User.objects.exists()


def test_the_demo_shows_each_rule_next_to_the_article_of_its_own_text_that_states_it(client, db):
    call_command("load_demo")
    convention = Convention.objects.current()
    placed = {rule.key: rule.article for rule, _value in convention.rule_table()}
    assert placed["publication_days"] == 12 and placed["register_period"] is None
    page = client.get("/convention/").content.decode()
    article_12 = page[page.index('id="art-12"') : page.index('id="art-13"')]
    assert "30" in article_12
