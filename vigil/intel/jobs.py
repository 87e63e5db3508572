"""Background jobs of threat intelligence. Thin: each calls one service.

- every minute, the feeds whose next run is due are pulled (`run_due_feeds`); a feed is
  claimed before it runs, so two workers never pull the same feed at once;
- "run now" from a page or the API queues `feed_run_task` for one feed, off the request.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="*"))
def run_feeds():
    """Pull every due feed; returns how many ran."""
    from .services.feeds import run_due_feeds

    return run_due_feeds()


@db_task()
def feed_run_task(feed_id: int, user_id: int | None = None, channel: str = "job"):
    """Pull one feed now: as the user who asked (their permission is checked again), or
    with the platform's authority. Returns the run's status, or None if the feed is gone."""
    from vigil.core.actors import Actor
    from vigil.core.models import User

    from .models import Feed
    from .services.feeds import feed_run

    feed = Feed.objects.select_related("source").filter(pk=feed_id).first()
    if feed is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user_id and user is None:
        return None
    actor = Actor(user=user, channel=channel) if user else Actor.platform("job")
    return feed_run(actor=actor, feed=feed).status
