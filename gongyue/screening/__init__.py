"""Screening: the lexicon, the registry of harmful sites, and the content-screening engine.

``engine.py`` (with ``normalise.py`` and ``lexicon_csv.py``) is pure Python with no ORM and
needs no Django settings; import it from there.
"""
