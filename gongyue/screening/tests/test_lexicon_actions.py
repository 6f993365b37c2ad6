import pytest

from gongyue.audit.log import verify
from gongyue.audit.models import AuditEntry, Visibility
from gongyue.core.errors import ActionRefused
from gongyue.screening import actions, lexicon, queries, service
from gongyue.screening.engine import Engine
from gongyue.screening.lexicon import InvalidLexicon
from gongyue.screening.models import AllowPhrase, LexiconTerm, LexiconVersion, TermChange

pytestmark = pytest.mark.django_db


def state():
    """What a refused change must leave as it was."""
    return (
        list(
            LexiconTerm.objects.order_by("pk").values_list(
                "term", "key", "category", "action", "severity", "is_active"
            )
        ),
        list(AllowPhrase.objects.order_by("pk").values_list("phrase", "is_active")),
        list(LexiconVersion.objects.order_by("number").values_list("number", "sha256")),
        TermChange.objects.count(),
        AuditEntry.objects.count(),
    )


def test_adding_a_term_publishes_a_version_with_the_compiled_engine_history_and_one_audit_row(
    secretariat,
):
    term, version = actions.do_add_term(
        actor=secretariat,
        term="冰毒",
        category="other",
        action="block",
        severity=5,
        pinyin=True,
        note="第一个",
    )

    assert (term.term, term.key, term.severity, term.pinyin, term.is_active, term.created_by) == (
        "冰毒",
        "冰毒",
        5,
        True,
        True,
        secretariat,
    )
    assert (
        version.number,
        version.term_count,
        version.allow_count,
        version.added,
        version.note,
    ) == (1, 1, 0, 1, "第一个")
    engine = Engine.from_bytes(bytes(version.compiled))
    assert engine.screen("有 B i n g D u 吗").decision == "block"
    change = TermChange.objects.get()
    assert (change.term, change.version, change.kind, change.old, change.actor) == (
        term,
        version,
        "added",
        None,
        secretariat,
    )
    assert change.new == {
        "term": "冰毒",
        "category": "other",
        "severity": 5,
        "action": "block",
        "collapse_repeats": False,
        "pinyin": True,
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.subject_id, entry.visibility) == (
        "screening.term_added",
        secretariat,
        str(term.pk),
        Visibility.SECRETARIAT,
    )
    assert entry.new["version"] == 1 and entry.new["term"] == "冰毒"
    assert verify().ok


def test_the_versions_hash_is_that_of_the_csv_export(secretariat, add_term):
    add_term("冰毒")
    actions.do_add_allow_phrase(actor=secretariat, phrase="冰毒危害")

    data, version = queries.export_bytes()

    assert version.number == 2 and lexicon.sha256(data) == version.sha256
    # Excel-friendly: a byte order mark, CRLF, Chinese names and labels, then the codes.
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == (
        "词条,类别,处置,严重程度,匹配重复字,匹配拼音,category,action\r\n"
        "冰毒,其他,拦截,1,否,否,other,block\r\n"
        "冰毒危害,,允许,,,,,allow\r\n"
    )


def test_a_term_that_normalises_to_nothing_is_refused_and_nothing_changes(secretariat):
    before = state()

    with pytest.raises(ActionRefused) as refused:
        actions.do_add_term(actor=secretariat, term="！！ ★", category="other", action="block")

    assert (refused.value.field, refused.value.status) == ("term", 400)
    assert "规范化后为空" in refused.value.blockers[0]
    assert state() == before


def test_a_term_already_in_the_lexicon_in_another_disguise_is_refused(secretariat, add_term):
    add_term("代開發票", category="fraud")
    before = state()

    with pytest.raises(ActionRefused) as refused:
        actions.do_add_term(
            actor=secretariat, term="代 开 发 票", category="fraud", action="review"
        )

    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "duplicate",
        409,
        "term",
    )
    assert "代開發票" in refused.value.blockers[0]
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "drugs"}, "category"),
        ({"action": "delete"}, "action"),
        ({"severity": 6}, "severity"),
        ({"term": "冰" * 201}, "term"),
        ({"term": "  "}, "term"),
    ],
)
def test_invalid_fields_are_refused_by_name(secretariat, fields, field):
    before = state()
    with pytest.raises(ActionRefused) as refused:
        actions.do_add_term(
            actor=secretariat, **{"term": "冰毒", "category": "other", "action": "block", **fields}
        )
    assert (refused.value.field, refused.value.status) == (field, 400)
    assert state() == before


def test_changing_a_term_records_old_and_new_and_publishes_a_version(secretariat, add_term):
    term = add_term("冰毒", severity=2)

    term, version = actions.do_change_term(
        term, actor=secretariat, action="review", severity=4, collapse_repeats=True
    )

    assert (term.action, term.severity, term.collapse_repeats, version.number, version.changed) == (
        "review",
        4,
        True,
        2,
        1,
    )
    change = term.changes.get(kind="changed")
    assert change.old["action"] == "block" and change.new["action"] == "review"
    assert change.changed_fields() == ["action", "severity", "collapse_repeats"]
    entry = AuditEntry.objects.get(action="screening.term_changed")
    assert entry.old["severity"] == 2 and entry.new["severity"] == 4 and entry.new["version"] == 2
    assert Engine.from_bytes(bytes(version.compiled)).screen("冰冰毒毒").decision == "review"


def test_a_change_that_changes_nothing_is_refused(secretariat, add_term):
    term = add_term("冰毒")
    before = state()
    with pytest.raises(ActionRefused) as refused:
        actions.do_change_term(term, actor=secretariat, action="block")
    assert refused.value.code == "unchanged"
    assert state() == before


def test_renaming_a_term_onto_another_terms_form_is_refused(secretariat, add_term):
    add_term("冰毒")
    other = add_term("赌博")
    with pytest.raises(ActionRefused) as refused:
        actions.do_change_term(other, actor=secretariat, term="冰 毒")
    assert refused.value.code == "duplicate"


def test_a_removed_term_stays_on_record_and_adding_it_again_continues_its_history(
    secretariat, add_term
):
    term = add_term("冰毒")

    removed, version = actions.do_remove_term(term, actor=secretariat, note="误加")

    assert not removed.is_active and version.removed == 1 and version.term_count == 0
    assert Engine.from_bytes(bytes(version.compiled)).screen("冰毒").passed
    with pytest.raises(ActionRefused):
        actions.do_remove_term(term, actor=secretariat)
    with pytest.raises(ActionRefused) as refused:
        actions.do_change_term(term, actor=secretariat, severity=3)
    assert refused.value.code == "removed"

    again, _version = actions.do_add_term(
        actor=secretariat, term="冰 毒", category="fraud", action="review"
    )

    assert again.pk == term.pk and again.term == "冰 毒" and again.is_active
    assert [c.kind for c in queries.history(again)] == ["added", "removed", "added"]
    assert [c.version.number for c in queries.history(again)] == [3, 2, 1]


def test_allowed_phrases_excuse_a_term_inside_them_and_can_be_removed(secretariat, add_term):
    add_term("冰毒")
    phrase, version = actions.do_add_allow_phrase(actor=secretariat, phrase="冰毒危害")

    assert Engine.from_bytes(bytes(version.compiled)).screen("宣传冰毒危害").passed
    with pytest.raises(ActionRefused) as refused:
        actions.do_add_allow_phrase(actor=secretariat, phrase="冰 毒 危 害")
    assert refused.value.code == "duplicate"
    with pytest.raises(ActionRefused) as refused:
        actions.do_add_allow_phrase(actor=secretariat, phrase="。。")
    assert refused.value.field == "phrase"

    _phrase, version = actions.do_remove_allow_phrase(phrase, actor=secretariat)

    assert Engine.from_bytes(bytes(version.compiled)).screen("宣传冰毒危害").decision == "block"
    assert [a for a in AuditEntry.objects.values_list("action", flat=True)] == [
        "screening.term_added",
        "screening.allow_phrase_added",
        "screening.allow_phrase_removed",
    ]


CSV = (
    "term,category,action,severity,collapse_repeats,pinyin\n"
    "冰毒,other,block,5,yes,no\n"
    "代開發票,fraud,review,3,,\n"
    "网络赌博,gambling,block,,,\n"
    "冰毒危害,,allow,,,\n"
).encode()


def test_an_import_in_merge_mode_adds_and_updates_and_removes_nothing(secretariat, add_term):
    kept = add_term("裸聊", category="pornography")
    changed = add_term("冰 毒", severity=1)

    plan, version = actions.do_import_lexicon(
        CSV, actor=secretariat, mode="merge", source_name="lexicon.csv"
    )

    assert plan.counts == {
        "added": 2,
        "changed": 1,
        "removed": 0,
        "phrases_added": 1,
        "phrases_removed": 0,
    }
    assert (
        version.term_count,
        version.allow_count,
        version.added,
        version.changed,
        version.removed,
    ) == (4, 1, 3, 1, 0)
    changed.refresh_from_db()
    assert (changed.term, changed.severity, changed.collapse_repeats) == ("冰毒", 5, True)
    assert LexiconTerm.objects.get(pk=kept.pk).is_active
    entry = AuditEntry.objects.get(action="screening.lexicon_imported")
    assert entry.new == {
        "mode": "merge",
        "source_name": "lexicon.csv",
        "added": 2,
        "changed": 1,
        "removed": 0,
        "phrases_added": 1,
        "phrases_removed": 0,
        "version": 3,
        "term_count": 4,
        "allow_count": 1,
        "sha256": version.sha256,
    }
    assert TermChange.objects.filter(version=version).count() == 4


def test_an_import_in_replace_mode_removes_what_the_file_lacks(secretariat, add_term):
    gone = add_term("裸聊", category="pornography")

    plan, version = actions.do_import_lexicon(CSV, actor=secretariat, mode="replace")

    assert plan.counts["removed"] == 1 and version.term_count == 3
    gone.refresh_from_db()
    assert not gone.is_active
    data, _version = queries.export_bytes()
    assert lexicon.sha256(data) == version.sha256
    # The export reads back as the same lexicon: importing it again changes nothing.
    with pytest.raises(ActionRefused) as refused:
        actions.do_import_lexicon(data, actor=secretariat, mode="replace")
    assert refused.value.code == "unchanged"


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (b"", ["the file is empty; expected a header row: term,category,action"]),
        (
            b"term,category\n",
            [
                "row 1: the header lacks action (found: term, category); expected term,category,action"
            ],
        ),
        (
            "term,category,action\n冰毒,other,block\n".encode() + b"\xff,other,block\n",
            ["not valid UTF-8 at byte 40 (line 3); save the file as UTF-8"],
        ),
        (
            "term,category,action,severity\n"
            "冰毒,other,block,1\n"
            "！！,other,block,1\n"
            "赌博,drugs,block,1\n"
            "裸聊,pornography,block,9\n"
            "冰 毒,fraud,review,1\n"
            "，,,allow,\n".encode(),
            [
                "row 3: term '！！' normalises to nothing (it has only spaces, punctuation, symbols or invisible characters)",
                "row 4: unknown category 'drugs' (expected one of fraud, gambling, pornography, malware, other)",
                "row 5: severity 9 is outside 1–5",
                "row 6: '冰 毒' is the same as row 2 once normalised (冰毒)",
                "row 7: term '，' normalises to nothing (it has only spaces, punctuation, symbols or invisible characters)",
            ],
        ),
    ],
    ids=["empty", "header", "utf8", "rows"],
)
def test_a_bad_import_changes_nothing_and_names_each_problem_by_row(
    secretariat, add_term, data, problems
):
    add_term("裸聊", category="pornography")
    before = state()
    service_before = service.current_engine()

    with pytest.raises(InvalidLexicon) as refused:
        actions.do_import_lexicon(data, actor=secretariat, mode="replace")

    assert [str(p) for p in refused.value.problems] == problems
    assert (refused.value.status, refused.value.field) == (400, "file")
    assert state() == before
    loaded = service.current_engine()
    assert (loaded.version, loaded.engine) == (service_before.version, service_before.engine)


def test_a_file_whose_terms_the_engine_refuses_is_refused_whole(secretariat, add_term, monkeypatch):
    from gongyue.screening.engine import LexiconError

    add_term("裸聊", category="pornography")
    before = state()

    def refuse(lexicon, **kwargs):
        raise LexiconError(["term 2 '冰毒': something the engine cannot compile"])

    monkeypatch.setattr(Engine, "build", refuse)
    with pytest.raises(InvalidLexicon) as refused:
        actions.do_import_lexicon(CSV, actor=secretariat, mode="merge")

    assert refused.value.blockers == ["term 2 '冰毒': something the engine cannot compile"]
    assert state() == before


def test_an_unknown_import_mode_is_refused(secretariat):
    with pytest.raises(ActionRefused) as refused:
        actions.do_import_lexicon(CSV, actor=secretariat, mode="append")
    assert refused.value.field == "mode"
    assert not LexiconVersion.objects.exists()


def test_only_the_latest_versions_keep_their_compiled_engine(secretariat, add_term, settings):
    settings.SCREENING_KEEP_COMPILED = 2
    for term in ["冰毒", "赌博", "裸聊", "木马"]:
        add_term(term)

    cleared = LexiconVersion.objects.filter(compiled__isnull=True).values_list("number", flat=True)

    assert sorted(cleared) == [1, 2]


def test_version_numbers_follow_on_even_if_the_queue_row_was_lost(secretariat, add_term):
    from gongyue.screening.models import LexiconHead

    add_term("冰毒")
    LexiconHead.objects.all().delete()

    add_term("赌博")

    assert list(LexiconVersion.objects.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]


@pytest.mark.django_db(transaction=True)
def test_changes_made_at_the_same_moment_queue_and_each_gets_its_own_version(secretariat):
    import threading

    from django.db import connections

    barrier = threading.Barrier(4)
    errors = []

    def add(word):
        try:
            barrier.wait(10)
            actions.do_add_term(actor=secretariat, term=word, category="other", action="block")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=add, args=(word,)) for word in ["冰毒", "赌博", "裸聊", "木马"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    versions = list(LexiconVersion.objects.order_by("number").values_list("number", "term_count"))
    assert versions == [(1, 1), (2, 2), (3, 3), (4, 4)]
    latest = LexiconVersion.objects.get(number=4)
    assert (
        Engine.from_bytes(bytes(latest.compiled)).screen("冰毒赌博裸聊木马").matches.__len__() == 4
    )
    assert verify().ok
