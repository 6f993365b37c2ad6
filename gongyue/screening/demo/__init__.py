"""A small lexicon for the demo, so that the try page has something to find."""

from pathlib import Path

LEXICON = Path(__file__).resolve().parent / "lexicon.csv"
