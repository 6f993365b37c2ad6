"""What the models of bulletins, requests and campaigns share."""

import re
import secrets


def private_path(folder: str, filename: str) -> str:
    """A name the server picks: the uploader's name is kept only as the download name.

    Files kept through an InertFileField arrive here already named by the server (random, with
    the detected kind's extension), so that name's extension is kept; any other is dropped."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    suffix = f".{extension}" if extension in {"pdf", "png", "jpg"} else ""
    return f"private/{folder}/{secrets.token_hex(12)}{suffix}"


def bulletin_file_path(attachment, filename):
    return private_path("bulletins", filename)


def request_file_path(attachment, filename):
    return private_path("requests", filename)


def download_stem(name: str, fallback: str) -> str:
    """The uploader's file name without its extension, for the download (serve_upload adds the
    extension of the type read from the bytes); control characters and separators removed."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[\x00-\x1f\x7f/\\\"]+", "", stem).strip(" .")
    return stem[:100] or fallback
