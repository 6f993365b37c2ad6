import threading

import pytest
from django.db import IntegrityError, connections, transaction

from gongyue.audit.models import AuditEntry
from gongyue.convention.actions import (
    do_adopt_version,
    do_discard_draft,
    do_import_version,
)
from gongyue.convention.canonical import CANONICAL_FORMAT, canonical_text, text_sha256
from gongyue.convention.models import Article, ArticleIdentity, Convention, Version, VersionStatus
from gongyue.convention.parser import parse
from gongyue.core.errors import ActionRefused
from gongyue.core.refusals import FileRefused


def identities(version):
    return {a["number"]: a["identity"] for a in version.structure["articles"]}


def test_the_first_import_creates_the_convention_and_a_draft_version(secretariat, seed_bytes):
    version = do_import_version(
        None, seed_bytes, actor=secretariat, source_name="seed.txt", note="初稿"
    )
    convention = Convention.objects.get()
    assert convention.slug == "convention" and convention.title == "江西省互联网行业自律公约"
    assert (version.convention, version.number, version.status) == (
        convention,
        1,
        VersionStatus.DRAFT,
    )
    assert version.canonical_text == canonical_text(parse(seed_bytes))
    assert (
        version.sha256
        == text_sha256(version.canonical_text)
        == "31e6cf4f9e297d879f7346dd5f7ea641891d74543f58a86b33ba9713c443cac5"
    )
    assert version.canonical_format == CANONICAL_FORMAT
    assert (version.source_name, version.note, version.created_by) == (
        "seed.txt",
        "初稿",
        secretariat,
    )
    assert convention.version_in_force is None


def test_an_import_stores_the_parser_shape_with_an_identity_in_every_article(
    secretariat, seed_bytes
):
    version = do_import_version(None, seed_bytes, actor=secretariat, source_name="seed.txt")
    parsed = parse(seed_bytes).to_dict()
    stored = version.structure
    assert {k: v for k, v in stored.items() if k != "articles"} == {
        k: v for k, v in parsed.items() if k != "articles"
    }
    assert [{k: v for k, v in a.items() if k != "identity"} for a in stored["articles"]] == parsed[
        "articles"
    ]
    assert set(identities(version).values()) == set(
        ArticleIdentity.objects.values_list("pk", flat=True)
    )
    assert len(set(identities(version).values())) == 30


def test_an_import_creates_an_article_row_per_article_with_its_canonical_block(
    secretariat, seed_bytes
):
    version = do_import_version(None, seed_bytes, actor=secretariat, source_name="seed.txt")
    rows = list(Article.objects.filter(version=version).order_by("number"))
    assert [r.number for r in rows] == list(range(1, 31))
    nine = rows[8]
    assert nine.identity_id == identities(version)[9] and nine.chapter == 2 and nine.section is None
    assert nine.text.startswith("第九条 互联网信息服务者") and nine.text.count("\n") == 4
    assert str(nine) == "第九条"


def test_an_import_writes_one_audit_row_for_the_secretariat(secretariat, seed_bytes):
    version = do_import_version(None, seed_bytes, actor=secretariat, source_name="seed.txt")
    [entry] = AuditEntry.objects.filter(action="convention.version_imported")
    assert entry.subject_id == str(version.pk) and entry.actor == secretariat
    assert (
        entry.new["sha256"] == version.sha256
        and entry.new["articles"] == 30
        and entry.new["status"] == "draft"
    )
    assert entry.visibility == "secretariat"


def test_a_later_import_gets_the_next_number_in_the_same_convention(
    seed_version, secretariat, sample_bytes
):
    version = do_import_version(
        seed_version.convention, sample_bytes, actor=secretariat, source_name="x.txt"
    )
    assert version.number == 2 and version.convention == seed_version.convention
    assert Convention.objects.count() == 1


def test_an_unchanged_article_keeps_its_identity_even_when_its_number_moves(
    secretariat, sample_bytes, sample_v2_bytes
):
    first = do_import_version(None, sample_bytes, actor=secretariat, source_name="v1.txt")
    second = do_import_version(
        first.convention, sample_v2_bytes, actor=secretariat, source_name="v2.txt"
    )
    old, new = identities(first), identities(second)
    # Article 9 was inserted: old 9–12 are now 10–13, with the same identities.
    assert [new[n] for n in (10, 11, 12, 13)] == [old[n] for n in (9, 10, 11, 12)]
    assert all(new[n] == old[n] for n in range(1, 7))


def test_a_changed_article_keeps_the_identity_of_its_number_and_an_inserted_one_gets_a_new_one(
    secretariat, sample_bytes, sample_v2_bytes
):
    first = do_import_version(None, sample_bytes, actor=secretariat, source_name="v1.txt")
    second = do_import_version(
        first.convention, sample_v2_bytes, actor=secretariat, source_name="v2.txt"
    )
    old, new = identities(first), identities(second)
    assert new[7] == old[7]  # its text changed (十五 → 十 working days), its number did not
    assert new[9] not in old.values()  # the inserted article
    assert ArticleIdentity.objects.count() == 13


def test_a_new_import_follows_the_latest_kept_version_not_a_discarded_draft(
    secretariat, sample_bytes, sample_v2_bytes
):
    first = do_import_version(None, sample_bytes, actor=secretariat, source_name="v1.txt")
    draft = do_import_version(
        first.convention, sample_v2_bytes, actor=secretariat, source_name="v2.txt"
    )
    do_discard_draft(draft, actor=secretariat)
    third = do_import_version(
        first.convention, sample_bytes, actor=secretariat, source_name="v1-again.txt"
    )
    assert third.number == 3
    assert identities(third) == identities(first)


def test_a_bad_file_is_refused_with_each_problem_and_nothing_is_saved(secretariat):
    data = "公约\n第一条 甲。\n第一条 乙。\n第三条 丙。\n".encode()
    with pytest.raises(FileRefused) as refused:
        do_import_version(None, data, actor=secretariat, source_name="bad.txt")
    assert [(p.line, p.code) for p in refused.value.problems] == [
        (3, "article_duplicate"),
        (4, "article_gap"),
    ]
    assert refused.value.field == "file" and refused.value.status == 400
    assert refused.value.blockers[0].startswith("第 3 行：")
    assert (
        not Convention.objects.exists()
        and not Version.objects.exists()
        and not ArticleIdentity.objects.exists()
    )
    assert not AuditEntry.objects.exists()


def test_a_file_over_the_upload_limit_is_refused_before_parsing(
    secretariat, settings, sample_bytes
):
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ActionRefused) as refused:
        do_import_version(None, sample_bytes, actor=secretariat, source_name="big.txt")
    assert refused.value.code == "too_large" and refused.value.field == "file"
    assert not Version.objects.exists()


def test_adopting_a_draft_puts_it_in_force_and_supersedes_the_version_before(
    secretariat_head, seed_version, secretariat, amended_seed_bytes
):
    draft = do_import_version(
        seed_version.convention, amended_seed_bytes, actor=secretariat, source_name="v2.txt"
    )
    adopted = do_adopt_version(draft, actor=secretariat_head)
    seed_version.refresh_from_db()
    assert adopted.status == VersionStatus.ADOPTED and adopted.adopted_at is not None
    assert (
        seed_version.status == VersionStatus.SUPERSEDED
        and seed_version.superseded_at == adopted.adopted_at
    )
    assert Convention.objects.get().version_in_force == adopted
    [entry] = AuditEntry.objects.filter(
        action="convention.version_adopted", subject_id=str(adopted.pk)
    )
    assert entry.old == {"status": "draft", "in_force": 1} and entry.new["sha256"] == adopted.sha256
    assert entry.visibility == "public" and entry.actor == secretariat_head


def test_only_a_draft_can_be_adopted(secretariat_head, seed_version, secretariat):
    with pytest.raises(ActionRefused) as refused:
        do_adopt_version(seed_version, actor=secretariat_head)
    assert refused.value.code == "cannot_adopt" and refused.value.status == 409
    assert "只有草案可以通过" in refused.value.blockers[0]
    assert AuditEntry.objects.filter(action="convention.version_adopted").count() == 1


def test_a_draft_older_than_the_version_in_force_cannot_be_adopted(
    secretariat_head, seed_version, secretariat, sample_bytes, amended_seed_bytes
):
    convention = seed_version.convention
    old_draft = do_import_version(convention, sample_bytes, actor=secretariat, source_name="a.txt")
    newer = do_adopt_version(
        do_import_version(convention, amended_seed_bytes, actor=secretariat, source_name="b.txt"),
        actor=secretariat_head,
    )
    assert old_draft.blockers_to_adopt(newer)
    with pytest.raises(ActionRefused):
        do_adopt_version(old_draft, actor=secretariat_head)
    old_draft.refresh_from_db()
    assert old_draft.status == VersionStatus.DRAFT


def test_the_database_refuses_two_adopted_versions_of_one_convention(
    seed_version, secretariat, sample_bytes
):
    draft = do_import_version(
        seed_version.convention, sample_bytes, actor=secretariat, source_name="a.txt"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.filter(pk=draft.pk).update(status=VersionStatus.ADOPTED)


def test_the_text_of_a_version_is_never_edited(seed_version):
    seed_version.canonical_text += "第三十一条 多出来的一条。\n"
    with pytest.raises(ValueError, match="never changes"):
        seed_version.save()
    with pytest.raises(ValueError):
        seed_version.save(update_fields=["canonical_text", "status"])
    seed_version.refresh_from_db()
    assert seed_version.sha256 == text_sha256(seed_version.canonical_text)


def test_discarding_a_draft_keeps_it_on_record_and_writes_an_audit_row(draft_version, secretariat):
    discarded = do_discard_draft(draft_version, actor=secretariat)
    assert discarded.status == VersionStatus.DISCARDED and discarded.discarded_at is not None
    assert Version.objects.filter(pk=draft_version.pk).exists()
    [entry] = AuditEntry.objects.filter(action="convention.draft_discarded")
    assert entry.subject_id == str(draft_version.pk) and entry.visibility == "secretariat"


def test_an_adopted_version_cannot_be_discarded(seed_version, secretariat):
    with pytest.raises(ActionRefused) as refused:
        do_discard_draft(seed_version, actor=secretariat)
    assert refused.value.code == "cannot_discard"
    seed_version.refresh_from_db()
    assert seed_version.status == VersionStatus.ADOPTED


def test_adopting_a_version_gives_the_convention_its_title(
    secretariat_head, db, secretariat, sample_bytes, seed_bytes
):
    first = do_import_version(None, sample_bytes, actor=secretariat, source_name="a.txt")
    do_adopt_version(first, actor=secretariat_head)
    second = do_import_version(first.convention, seed_bytes, actor=secretariat, source_name="b.txt")
    assert Convention.objects.get().title == "示范市互联网行业自律公约"
    do_adopt_version(second, actor=secretariat_head)
    assert Convention.objects.get().title == "江西省互联网行业自律公约"


@pytest.mark.django_db(transaction=True)
def test_two_adoptions_at_once_leave_exactly_one_version_adopted(
    secretariat_head, secretariat, seed_bytes, amended_seed_bytes, sample_bytes
):
    first = do_adopt_version(
        do_import_version(None, seed_bytes, actor=secretariat, source_name="1"),
        actor=secretariat_head,
    )
    drafts = [
        do_import_version(first.convention, data, actor=secretariat, source_name=str(n))
        for n, data in ((2, amended_seed_bytes), (3, sample_bytes))
    ]
    barrier, outcomes = threading.Barrier(len(drafts)), []

    def adopt(draft):
        try:
            barrier.wait()
            do_adopt_version(draft, actor=secretariat_head)
            outcomes.append("adopted")
        except ActionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=adopt, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["adopted", "adopted"], ["adopted", "refused"])
    assert list(
        Version.objects.filter(status=VersionStatus.ADOPTED).values_list("number", flat=True)
    ) == [3]
    adopted = AuditEntry.objects.filter(action="convention.version_adopted").count()
    assert adopted == 1 + outcomes.count("adopted")


def test_changing_the_rules_records_old_and_new_and_moves_a_rule_to_another_article(
    seed_version, secretariat
):
    from gongyue.convention.actions import do_change_rules

    convention = do_change_rules(
        seed_version.convention,
        actor=secretariat,
        values={"publication_days": 20},
        articles={"publication_days": 24},
    )
    assert convention.rule("publication_days") == 20
    assert {r.key: r.article for r, _ in convention.rule_table()}["publication_days"] == 24
    entry = AuditEntry.objects.get(action="convention.rules_changed")
    assert entry.old == {} and entry.new["publication_days"] == 20


def test_an_unknown_rule_is_refused_and_nothing_changes(seed_version, secretariat):
    from gongyue.convention.actions import do_change_rules

    with pytest.raises(ActionRefused, match="no_such_rule"):
        do_change_rules(seed_version.convention, actor=secretariat, articles={"no_such_rule": 3})
    assert Convention.objects.get().rules == {}
    assert not AuditEntry.objects.filter(action="convention.rules_changed").exists()
