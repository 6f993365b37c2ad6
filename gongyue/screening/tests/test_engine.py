import random
import threading

import pytest

from gongyue.screening import engine as engine_module
from gongyue.screening import normalise
from gongyue.screening.engine import (
    PASS,
    Engine,
    Lexicon,
    LexiconError,
    Match,
    Result,
    ScreeningError,
    Term,
    TextTooLong,
    available_backends,
)


def build(backend, *terms, allow=()):
    return Engine.build(Lexicon(terms, allow=allow), backend=backend)


def spans(result):
    return [(m.term, m.start, m.end, m.text) for m in result.matches]


def test_a_clean_text_passes_with_no_matches(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))

    assert engine.screen("今天天气很好。") == PASS
    assert engine.screen("今天天气很好。").passed


def test_an_empty_text_passes(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))

    assert engine.screen("") == Result("pass", ())


def test_a_match_reports_the_term_as_written_and_the_original_span(backend):
    engine = build(backend, Term("代開發票", "fraud", "review", severity=3))

    result = engine.screen("诚信 代 开 发 票！")

    assert result == Result(
        "review", (Match("代開發票", "fraud", "review", 3, 10, "代 开 发 票", 3, "text"),)
    )


def test_the_decision_is_the_strictest_action_found(backend):
    engine = build(
        backend,
        Term("广告", "spam", "mask"),
        Term("刷单", "fraud", "review"),
        Term("冰毒", "drugs", "block"),
    )

    assert engine.screen("广告").decision == "mask"
    assert engine.screen("广告刷单").decision == "review"
    assert engine.screen("冰毒广告刷单").decision == "block"


def test_overlapping_nested_and_adjacent_terms_are_all_reported(backend):
    engine = build(
        backend,
        Term("网络赌博", "gambling", "block"),
        Term("赌博", "gambling", "block"),
        Term("博彩", "gambling", "block"),
        Term("冰毒", "drugs", "block"),
    )

    result = engine.screen("网络赌博彩冰毒赌博")

    assert spans(result) == [
        ("网络赌博", 0, 4, "网络赌博"),
        ("赌博", 2, 4, "赌博"),
        ("博彩", 3, 5, "博彩"),
        ("冰毒", 5, 7, "冰毒"),
        ("赌博", 7, 9, "赌博"),
    ]


def test_every_occurrence_of_a_repeated_term_is_reported(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))

    assert [m.start for m in engine.screen("冰毒冰毒，冰毒").matches] == [0, 2, 5]


def test_two_lexicon_rows_with_the_same_canonical_form_are_both_reported(backend):
    engine = build(backend, Term("發票", "fraud", "review"), Term("发票", "tax", "mask"))

    result = engine.screen("发票")

    assert [(m.term, m.category) for m in result.matches] == [("發票", "fraud"), ("发票", "tax")]
    assert result.decision == "review"


def test_an_allow_listed_phrase_containing_a_term_excuses_it(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"), allow=["冰毒危害"])

    assert engine.screen("宣传冰毒危害").passed
    assert engine.screen("宣传冰 毒 危 害").passed
    assert spans(engine.screen("冰毒危害很大，别碰冰毒")) == [("冰毒", 9, 11, "冰毒")]


def test_an_allow_listed_phrase_only_excuses_the_matches_it_covers(backend):
    engine = build(backend, Term("网络赌博", "gambling", "block"), allow=["赌博危害"])

    assert spans(engine.screen("网络赌博危害")) == [("网络赌博", 0, 4, "网络赌博")]


def test_repeated_characters_are_caught_only_for_terms_that_ask(backend):
    engine = build(
        backend,
        Term("冰毒", "drugs", "block", collapse_repeats=True),
        Term("赌博", "gambling", "block"),
    )

    assert spans(engine.screen("买冰冰冰 毒毒！")) == [("冰毒", 1, 7, "冰冰冰 毒毒")]
    assert spans(engine.screen("赌赌博博")) == [("赌博", 1, 3, "赌博")]


def test_a_collapsing_term_is_still_found_written_plainly_and_next_to_others(backend):
    engine = build(
        backend,
        Term("冰毒", "drugs", "block", collapse_repeats=True),
        Term("毒品", "drugs", "block", collapse_repeats=True),
    )

    assert spans(engine.screen("冰毒品")) == [("冰毒", 0, 2, "冰毒"), ("毒品", 1, 3, "毒品")]


def test_the_allow_list_applies_to_collapsed_matches_too(backend):
    engine = build(
        backend, Term("冰毒", "drugs", "block", collapse_repeats=True), allow=["冰毒危害"]
    )

    assert engine.screen("冰冰毒毒危害").passed
    assert engine.screen("冰毒危危害").passed


def test_pinyin_and_initials_are_caught_for_terms_that_ask(backend):
    engine = build(
        backend,
        Term("冰毒", "drugs", "block", pinyin=True),
        Term("绿坝", "software", "review", pinyin=True),
        Term("赌博", "gambling", "block"),
    )

    assert [(m.start, m.end, m.via) for m in engine.screen("买 Bing Du 吗").matches] == [
        (2, 9, "pinyin")
    ]
    assert [(m.text, m.via) for m in engine.screen("卖bīng dú").matches] == [("bīng dú", "pinyin")]
    assert [(m.text, m.via) for m in engine.screen("有ＢＤ吗").matches] == [("ＢＤ", "initials")]
    assert [m.text for m in engine.screen("lvba 和 lüba").matches] == ["lvba", "lüba"]
    assert engine.screen("dubo").passed


def test_a_match_found_as_text_and_as_pinyin_at_one_span_is_reported_once(backend):
    engine = build(backend, Term("ab", "latin", "block", pinyin=True))

    assert len(engine.screen("ab").matches) == 1


def test_characters_with_several_canonical_characters_take_the_slow_path_correctly(backend):
    engine = build(backend, Term("1024福利", "porn", "block"), Term("ss", "latin", "mask"))

    assert spans(engine.screen("看⑩②④福利")) == [("1024福利", 1, 6, "⑩②④福利")]
    assert spans(engine.screen("看看 Straße")) == [("ss", 7, 8, "ß")]


def test_a_match_never_spans_two_texts_screened_together(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))

    results = engine.screen_many(["买冰", "毒", "", "冰毒"])

    assert [r.decision for r in results] == ["pass", "pass", "pass", "block"]
    assert spans(results[3]) == [("冰毒", 0, 2, "冰毒")]


def test_screening_together_gives_what_screening_one_by_one_gives(backend):
    engine = build(
        backend,
        Term("冰毒", "drugs", "block", collapse_repeats=True),
        Term("网络赌博", "gambling", "review", pinyin=True),
        Term("10", "number", "mask"),
        allow=["冰毒危害"],
    )
    rng = random.Random(7)
    pieces = ["冰", "毒", "网", "络", "赌", "博", "⑩", "1", "0", " ", "★", "\u200b", "危害", "好"]
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 40))) for _ in range(400)]
    texts += ["wangluodubo", "冰毒" * 1000]

    assert engine.screen_many(texts) == [engine.screen(text) for text in texts]
    assert sum(not r.passed for r in engine.screen_many(texts)) > 100


def reference_spans(terms, text):
    """A slow, obviously correct screen: find each canonical term in the canonical text."""
    form, origin = normalise.canonical_with_map(text)
    found = set()
    for term in terms:
        needle = normalise.canonical(term)
        start = form.find(needle)
        while start >= 0:
            found.add((term, origin[start], origin[start + len(needle) - 1] + 1))
            start = form.find(needle, start + 1)
    return sorted(found, key=lambda f: (f[1], f[2], terms.index(f[0])))


def test_random_disguised_texts_give_the_same_spans_as_a_slow_reference(backend):
    terms = ["冰毒", "毒品", "网络赌博", "赌博", "usdt", "10", "發票", "abab"]
    engine = build(backend, *(Term(t, "test", "block") for t in terms))
    rng = random.Random(11)
    pieces = [
        *"冰毒品网络赌博发票發票",
        "USDT", "ｕｓｄｔ", "𝐔", "s", "d", "t", "⑩", "①", "⓪", "1", "0", "ab", "Ａ", "Ｂ",
        " ", "\u200b", "★", "，", "\u0301", "\ufeff", "ß", "x",
    ]  # fmt: skip
    for _ in range(1500):
        text = "".join(rng.choices(pieces, k=rng.randint(1, 30)))
        got = [(m.term, m.start, m.end) for m in engine.screen(text).matches]
        assert got == reference_spans(terms, text), text


def test_a_ten_megabyte_text_is_screened_whole(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))
    text = "冰毒" + "天气很好。" * (10 * 1024 * 1024 // 15) + "冰 毒"

    result = engine.screen(text)

    assert len(text.encode()) >= 10 * 1024 * 1024
    assert [(m.start, m.end) for m in result.matches] == [(0, 2), (len(text) - 3, len(text))]


def test_a_text_over_the_limit_is_refused_with_a_clear_error(backend):
    engine = Engine.build(
        Lexicon([Term("冰毒", "drugs", "block")]), backend=backend, max_text_chars=10
    )

    with pytest.raises(TextTooLong, match="11 characters is longer than the 10"):
        engine.screen("冰" * 11)
    with pytest.raises(TextTooLong):
        engine.screen_many(["冰毒", "冰" * 11])


def test_screening_something_other_than_text_is_a_type_error(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"))

    with pytest.raises(TypeError, match="not bytes"):
        engine.screen("冰毒".encode())


def test_a_term_that_normalises_to_nothing_is_refused_by_name():
    with pytest.raises(LexiconError) as caught:
        Engine.build(Lexicon([Term("冰毒", "drugs", "block"), Term("！！ ★", "x", "block")]))

    assert caught.value.problems == [
        "term 2 '！！ ★': normalises to nothing (it has only spaces, punctuation, symbols"
        " or invisible characters)"
    ]


def test_an_allowed_phrase_that_normalises_to_nothing_is_refused():
    with pytest.raises(LexiconError, match="allowed phrase 1 '   '"):
        Engine.build(Lexicon([Term("冰毒", "drugs", "block")], allow=["   "]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"term": "", "category": "x", "action": "block"}, "non-empty string"),
        ({"term": "冰毒", "category": "x", "action": "delete"}, "unknown action 'delete'"),
        ({"term": "冰毒", "category": "", "action": "block"}, "a category is required"),
    ],
)
def test_a_malformed_term_is_refused_when_made(kwargs, message):
    with pytest.raises(ScreeningError, match=message):
        Term(**kwargs)


def test_an_unknown_back_end_is_refused():
    with pytest.raises(ScreeningError, match="back end 'grep' is not available"):
        Engine.build(Lexicon([Term("冰毒", "drugs", "block")]), backend="grep")


def test_an_empty_lexicon_builds_an_engine_that_passes_everything(backend):
    assert build(backend).screen("冰毒").passed


def test_masking_replaces_each_character_of_each_span(backend):
    engine = build(backend, Term("冰毒", "drugs", "mask"), Term("赌博", "gambling", "mask"))
    text = "卖冰 毒和赌博。"

    assert engine.mask(text, engine.screen(text).matches) == "卖＊＊＊和＊＊。"
    assert engine.mask(text, []) == text


def test_one_engine_screens_from_many_threads_at_once(backend):
    engine = build(backend, Term("冰毒", "drugs", "block"), Term("赌博", "gambling", "review"))
    texts = [f"第{i}条：{'冰 毒' if i % 3 else '赌博'}" * (i % 5 + 1) for i in range(300)]
    expected = [engine.screen(text) for text in texts]
    failures = []

    def work():
        for _ in range(5):
            if [engine.screen(text) for text in texts] != expected:
                failures.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []


def test_the_engine_prefers_hyperscan_where_it_is_installed(monkeypatch):
    monkeypatch.delenv("GONGYUE_SCREENING_BACKEND", raising=False)
    engine = Engine.build(Lexicon([Term("冰毒", "drugs", "block")]))

    assert engine.backend == available_backends()[0]


def test_a_ten_thousand_term_lexicon_builds_and_screens(backend):
    rng = random.Random(3)
    common = [
        bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xF9)
    ]
    terms = {"".join(rng.choices(common, k=rng.randint(2, 6))) for _ in range(10_000)}
    engine = Engine.build(Lexicon(Term(t, "test", "block") for t in terms), backend=backend)
    term = sorted(terms)[0]

    assert spans(engine.screen("x" + term)) == [(term, 1, 1 + len(term), term)]
    # How fast it builds is measured by benchmarks/screening.py, not asserted here.
    assert engine.build_seconds > 0


def test_a_saved_engine_loads_and_screens_exactly_as_the_original(backend):
    original = build(
        backend,
        Term("冰毒", "drugs", "block", severity=4, collapse_repeats=True),
        Term("网络赌博", "gambling", "review", pinyin=True),
        Term("1024福利", "porn", "mask"),
        allow=["冰毒危害"],
    )
    texts = ["冰冰 毒", "wang luo du bo", "⑩②④福利", "冰毒危害", "网络赌博和冰毒", "没事"]

    loaded = Engine.from_bytes(original.to_bytes())

    assert loaded.lexicon == original.lexicon
    assert loaded.backend == backend
    assert [loaded.screen(t) for t in texts] == [original.screen(t) for t in texts]
    assert sum(not original.screen(t).passed for t in texts) == 4


def test_something_that_is_not_a_saved_engine_is_refused():
    with pytest.raises(ScreeningError, match="not a saved screening engine"):
        Engine.from_bytes(b"hello")


def test_an_engine_saved_with_another_normalisation_table_is_refused(monkeypatch):
    data = Engine.build(Lexicon([Term("冰毒", "drugs", "block")])).to_bytes()
    monkeypatch.setattr(normalise, "fingerprint", lambda: "something else")

    with pytest.raises(ScreeningError, match="another normalisation table; rebuild it"):
        Engine.from_bytes(data)


@pytest.mark.parametrize("offset", [-4, -3, -2, -1, 0, 1])
def test_a_long_text_is_scanned_in_pieces_without_losing_or_repeating_a_match(backend, offset):
    engine = build(backend, Term("网络赌博", "gambling", "block"), Term("冰毒", "drugs", "block"))
    at = 64 * 1024 + offset
    text = "好" * at + "网络赌博" + "好" * 10 + "冰毒"

    assert spans(engine.screen(text)) == [
        ("网络赌博", at, at + 4, "网络赌博"),
        ("冰毒", at + 14, at + 16, "冰毒"),
    ]


def test_matching_stops_at_the_limit_and_says_so(backend):
    engine = Engine.build(
        Lexicon([Term("冰毒", "drugs", "block"), Term("毒冰", "drugs", "review")]),
        backend=backend,
        max_matches=100,
    )

    result = engine.screen("冰毒" * 5000)

    assert result.truncated
    assert result.decision == "block"
    assert 0 < len(result.matches) <= 100
    assert not engine.screen("冰毒" * 10).truncated


def test_a_text_over_the_match_limit_does_not_hide_the_matches_of_its_neighbours(backend):
    engine = Engine.build(
        Lexicon([Term("冰毒", "drugs", "block"), Term("赌博", "gambling", "review")]),
        backend=backend,
        max_matches=50,
    )

    results = engine.screen_many(["冰毒" * 500, "网络赌博"])

    assert results[0].truncated
    assert results[1] == engine.screen("网络赌博")
    assert spans(results[1]) == [("赌博", 2, 4, "赌博")]


def test_an_engine_saved_with_hyperscan_loads_where_only_the_fallback_runs(monkeypatch):
    if "hyperscan" not in available_backends():
        pytest.skip("hyperscan is not installed here")
    data = Engine.build(Lexicon([Term("冰毒", "drugs", "block")]), backend="hyperscan").to_bytes()
    monkeypatch.setattr(engine_module, "available_backends", lambda: ("ahocorasick",))

    loaded = Engine.from_bytes(data)

    assert loaded.backend == "ahocorasick"
    assert spans(loaded.screen("卖冰 毒")) == [("冰毒", 1, 4, "冰 毒")]


def test_a_saved_hyperscan_database_that_does_not_fit_this_machine_is_compiled_again(monkeypatch):
    if "hyperscan" not in available_backends():
        pytest.skip("hyperscan is not installed here")
    import hyperscan

    data = Engine.build(Lexicon([Term("冰毒", "drugs", "block")]), backend="hyperscan").to_bytes()

    def refuse(buffer, mode):
        raise hyperscan.DatabasePlatformError("error code -6")

    monkeypatch.setattr(hyperscan, "loadb", refuse)

    assert spans(Engine.from_bytes(data).screen("冰毒")) == [("冰毒", 0, 2, "冰毒")]
