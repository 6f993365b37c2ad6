import threading

import pytest
from django.db import DatabaseError

from gongyue.screening import service
from gongyue.screening.engine import Engine, ScreeningError
from gongyue.screening.models import LexiconVersion


@pytest.fixture
def clock(monkeypatch):
    """The service's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(service, "_clock", lambda: now[0])
    return now


def screen(text):
    version, (result,) = service.screen_texts([text])
    return version, result.decision


@pytest.mark.django_db
def test_before_any_version_is_published_everything_passes():
    loaded = service.current_engine()
    assert (loaded.version, loaded.engine.screen("冰毒").decision) == (0, "pass")


@pytest.mark.django_db
def test_a_new_version_is_screened_with_once_the_reload_interval_has_passed(
    settings, clock, add_term
):
    settings.SCREENING_RELOAD_SECONDS = 2
    add_term("冰毒")
    assert screen("冰毒 赌博") == (1, "block")

    add_term("赌博", action="review")

    clock[0] += 1.9
    assert screen("赌博") == (1, "pass")  # within the interval: not even a query
    clock[0] += 0.2
    assert screen("赌博") == (2, "review")


@pytest.mark.django_db
def test_looking_for_a_new_version_is_one_query_when_there_is_none(
    settings, clock, add_term, django_assert_num_queries
):
    settings.SCREENING_RELOAD_SECONDS = 2
    add_term("冰毒")
    service.current_engine()
    clock[0] += 5

    with django_assert_num_queries(1):
        assert service.current_engine().version == 1
    with django_assert_num_queries(0):
        service.current_engine()


@pytest.mark.django_db(transaction=True)
def test_screening_goes_on_with_the_old_engine_while_a_new_one_loads(settings, clock, add_term):
    settings.SCREENING_RELOAD_SECONDS = 2
    add_term("冰毒")
    old = service.current_engine()
    add_term("赌博")
    clock[0] += 5

    loading, release = threading.Event(), threading.Event()
    real_load = service.load_version

    def slow_load(number):
        loading.set()
        assert release.wait(10)
        return real_load(number)

    service.load_version = slow_load
    seen = {}
    try:
        loader = threading.Thread(
            target=lambda: seen.setdefault("loaded", service.current_engine())
        )
        loader.start()
        assert loading.wait(10)
        # Meanwhile other requests get the engine in service at once and screen with it.
        during = service.current_engine()
        assert during is old and during.engine.screen("冰毒赌博").decision == "block"
        assert [m.term for m in during.engine.screen("冰毒赌博").matches] == ["冰毒"]
        release.set()
        loader.join(10)
    finally:
        service.load_version = real_load
        from django.db import connections

        connections.close_all()

    assert seen["loaded"].version == 2
    assert service.current_engine() is seen["loaded"]
    # A request that started with the old engine finishes with it, unharmed by the swap.
    assert old.engine.screen("赌博").passed
    assert [m.term for m in service.current_engine().engine.screen("冰毒赌博").matches] == [
        "冰毒",
        "赌博",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("exclusive", [False, True])
def test_a_worker_that_serves_one_request_at_a_time_lets_the_old_engine_go_before_loading(
    settings, clock, add_term, monkeypatch, exclusive
):
    settings.SCREENING_RELOAD_SECONDS = 2
    add_term("冰毒")
    service.current_engine()
    add_term("赌博")
    clock[0] += 5
    held_during_load = []
    real_load = service.load_version

    def watching_load(number):
        held_during_load.append(service._state)
        return real_load(number)

    monkeypatch.setattr(service, "load_version", watching_load)
    loaded = service.current_engine(exclusive=exclusive)

    assert loaded.version == 2
    assert (held_during_load[0] is None) is exclusive


def test_the_wsgi_servers_threading_tells_whether_a_request_is_alone_in_its_process(rf):
    assert service.is_exclusive(rf.get("/", **{"wsgi.multithread": False}))
    assert not service.is_exclusive(rf.get("/", **{"wsgi.multithread": True}))
    request = rf.get("/")
    del request.META["wsgi.multithread"]
    assert not service.is_exclusive(request)


@pytest.mark.django_db
def test_a_database_outage_while_looking_keeps_the_engine_in_service(
    settings, clock, add_term, monkeypatch
):
    settings.SCREENING_RELOAD_SECONDS = 2
    add_term("冰毒")
    before = service.current_engine()
    clock[0] += 5

    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(LexiconVersion.objects, "order_by", down)
    after = service.current_engine()

    assert after.engine is before.engine and after.version == 1
    assert after.checked_at == clock[0]  # looks again only after the next interval


@pytest.mark.django_db
def test_a_version_without_a_usable_compiled_engine_is_compiled_from_the_lexicon(
    add_term, monkeypatch
):
    add_term("冰毒")
    LexiconVersion.objects.update(compiled=None)
    assert screen("冰毒") == (1, "block")

    service.reset()
    add_term("赌博")

    def unfit(data):
        raise ScreeningError("saved engine used another normalisation table; rebuild it")

    monkeypatch.setattr(Engine, "from_bytes", unfit)
    assert screen("赌博") == (2, "block")


@pytest.mark.django_db
def test_a_test_database_reusing_a_version_number_is_not_mistaken_for_the_loaded_one(
    add_term, secretariat
):
    add_term("冰毒")
    assert screen("冰毒") == (1, "block")
    # Same number, other content (as when a test's rows are rolled back and another test publishes).
    from gongyue.screening.models import LexiconHead, LexiconTerm, TermChange

    LexiconHead.objects.all().delete()
    TermChange.objects.all().delete()
    LexiconVersion.objects.all().delete()
    LexiconTerm.objects.all().delete()
    add_term("赌博")

    assert screen("赌博") == (1, "block")
    assert screen("冰毒") == (1, "pass")
