import pytest

from gongyue.screening.engine import Engine, Lexicon, Term

from . import evasion

CASES = list(evasion.cases())


@pytest.fixture(scope="module", params=["hyperscan", "ahocorasick"])
def engine(request):
    from gongyue.screening.engine import available_backends

    if request.param not in available_backends():
        pytest.skip(f"{request.param} is not installed here")
    terms = [Term(term, "test", "block") for term in evasion.TERMS]
    return Engine.build(Lexicon(terms), backend=request.param)


def test_the_suite_really_disguises_each_term():
    for term in evasion.TERMS:
        forms = {name: form(term) for name, form in evasion.FORMS.items()}
        assert forms["traditional"] != term or term in {"冰毒", "1024福利"}
        assert forms["all mixed"] != term
        assert forms["several of them between characters"].count("\u200b") == len(term) - 1
    assert evasion.traditional("代开发票") == "代開發票"
    assert evasion.styled("USDT1024") == "𝐔𝐒𝐃𝐓①⓪②④"
    assert evasion.full_width("USDT") == "ＵＳＤＴ"


@pytest.mark.parametrize(
    ("term", "form", "text", "start", "end"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_each_disguised_term_is_caught_with_its_original_span(engine, term, form, text, start, end):
    result = engine.screen(text)

    assert result.decision == "block"
    assert [(m.term, m.start, m.end, m.text) for m in result.matches] == [
        (term, start, end, text[start:end])
    ]


def test_the_all_mixed_form_is_as_hard_as_it_sounds():
    assert evasion.all_mixed("USDT洗钱") == "ｕ 𝐒\u200bｄ★𝐓\u3000洗·錢"


def test_every_case_of_the_suite_is_caught_when_the_texts_are_screened_together(engine):
    results = engine.screen_many(text for _, _, text, _, _ in CASES)

    assert [[(m.term, m.start, m.end) for m in r.matches] for r in results] == [
        [(term, start, end)] for term, _, _, start, end in CASES
    ]
