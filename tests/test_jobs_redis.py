"""Huey on the real Redis (production mode's queue), when VIGIL_REDIS_URL is set."""

import os
import uuid

import pytest

REDIS_URL = os.environ.get("VIGIL_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="VIGIL_REDIS_URL not set (the PostgreSQL CI run sets it)")
def test_settings_choose_redis_and_a_job_round_trips():
    from django.conf import settings
    from huey import RedisHuey

    assert settings.HUEY["huey_class"] == "huey.RedisHuey"
    huey = RedisHuey(f"vigil-test-{uuid.uuid4().hex[:8]}", url=REDIS_URL)
    try:

        @huey.task()
        def add(a, b):
            return a + b

        result = add(2, 3)
        task = huey.dequeue()
        assert task is not None
        huey.execute(task)
        assert result.get() == 5
    finally:
        huey.flush()
