"""Background work: publishing the feeds after each change of the list."""

from django_tasks import task


@task()
def publish_feeds() -> int:
    """Publish the feeds of the list as it is now; returns the serial published."""
    from .publishing import publish

    return publish().serial
