"""What the models of bulletins, requests and campaigns share."""

import secrets


def private_path(folder: str, filename: str) -> str:
    """A name the server picks: the uploader's name is kept only as the download name."""
    return f"private/{folder}/{secrets.token_hex(12)}"


def bulletin_file_path(attachment, filename):
    return private_path("bulletins", filename)


def request_file_path(attachment, filename):
    return private_path("requests", filename)
