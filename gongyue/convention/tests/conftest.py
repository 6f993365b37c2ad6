"""The seed convention, read from ../shared/seed next to the repository."""

from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "seed"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    paths = sorted(SEED_DIR.glob("*.txt"))
    if not paths:
        pytest.fail(f"no seed convention (*.txt) in {SEED_DIR}")
    return paths[0]


@pytest.fixture(scope="session")
def seed_bytes(seed_path) -> bytes:
    return seed_path.read_bytes()
