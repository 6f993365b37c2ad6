import pytest

from gongyue.screening.engine import available_backends


@pytest.fixture(params=available_backends())
def backend(request):
    """Each engine test runs once per matcher back end this machine has."""
    return request.param
