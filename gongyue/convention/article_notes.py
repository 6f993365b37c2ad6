"""Notes that other apps attach to articles, by the article's stable identity.

The amendments app attaches its interpretations (Art. 29) here, so the reader and the JSON and
Akoma Ntoso exports show them beside the articles they interpret without this app importing it.
A provider takes a version and returns {identity id: [note, …]}, each note a dict with at least
"kind", "label", "title", "text", "date" (ISO) and "url".
"""

PROVIDERS: list = []


def register(provider):
    PROVIDERS.append(provider)
    return provider


def for_version(version) -> dict[int, list[dict]]:
    """Every provider's notes for the articles of `version`, merged (one query per provider)."""
    merged: dict[int, list[dict]] = {}
    for provider in PROVIDERS:
        for identity, notes in provider(version).items():
            merged.setdefault(identity, []).extend(notes)
    return merged
