"""A short convention of our own for the demo, and an amended second version of it (one article
changed, one inserted), so that the demo has a difference to show."""

from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "sample_convention.txt"
SAMPLE_V2 = Path(__file__).resolve().parent / "sample_convention_v2.txt"
