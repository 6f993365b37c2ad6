"""Background work: publishing the feeds after each change of the list, and what follows."""

from django_tasks import task


@task()
def publish_feeds() -> int:
    """Publish the feeds of the list as it is now (served when this returns); the gzipped
    form, the matcher and the checksums follow in their own task, so that the next change is
    published without waiting for them. Returns the serial published."""
    from .publishing import publish

    publication = publish(then_follow=False)
    if "gzip_size" not in publication.files.get("all.txt", {}):
        follow_feeds.enqueue(publication.serial)
    return publication.serial


@task()
def follow_feeds(serial: int) -> int:
    """The gzipped form, the link check's matcher and the checksums of a publication; a
    publication a newer one has replaced is left as it is (the newer one's task does it)."""
    from .models import Publication
    from .publishing import follow

    publication = Publication.objects.filter(serial=serial).first()
    newest = Publication.objects.order_by("-serial").values_list("serial", flat=True).first()
    if publication is None or newest != serial or "gzip_size" in publication.files["all.txt"]:
        return 0
    follow(publication)
    return serial
