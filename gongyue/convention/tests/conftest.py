"""The seed convention (read from ../shared/seed next to the repository) and versions made from it."""

from pathlib import Path

import pytest

from gongyue.convention.testing import SAMPLE, SAMPLE_V2, make_version
from gongyue.core.testing import reference_seed

# Seed article 9, item (二), as amended in the second version the tests compare with the seed.
ITEM_BEFORE = "（二）不链接含有有害信息的网站，确保网络信息内容的合法、健康；"
ITEM_AFTER = "（二）不链接、不推荐含有有害信息的网站，确保网络信息内容的合法、健康；"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return reference_seed()


@pytest.fixture(scope="session")
def seed_bytes(seed_path) -> bytes:
    return seed_path.read_bytes()


@pytest.fixture(scope="session")
def amended_seed_bytes(seed_bytes) -> bytes:
    """The seed with one item of article 9 changed."""
    text = seed_bytes.decode()
    assert ITEM_BEFORE in text
    return text.replace(ITEM_BEFORE, ITEM_AFTER).encode()


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture(scope="session")
def sample_v2_bytes() -> bytes:
    return SAMPLE_V2.read_bytes()


@pytest.fixture(autouse=True)
def pdf_dir(settings, tmp_path):
    """Each test gets its own PDF store, so no test reads a PDF another one made."""
    settings.CONVENTION_PDF_DIR = tmp_path / "pdf"
    return settings.CONVENTION_PDF_DIR


@pytest.fixture
def seed_version(db, secretariat, seed_bytes):
    """Version 1: the seed, adopted by the secretariat."""
    return make_version(seed_bytes, actor=secretariat)


@pytest.fixture
def amended_version(seed_version, secretariat, amended_seed_bytes):
    """Version 2: the seed with article 9 item (二) amended, adopted (version 1 is superseded)."""
    return make_version(amended_seed_bytes, actor=secretariat)


@pytest.fixture
def draft_version(seed_version, secretariat, amended_seed_bytes):
    """Version 2 as a draft, next to the adopted seed."""
    return make_version(amended_seed_bytes, actor=secretariat, adopt=False)
