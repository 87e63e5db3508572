"""Fixtures of the intelligence tests."""

import pytest

from .world import build_intel_world


@pytest.fixture
def intel(net):
    """Province A's AMBER and GREEN sources with their indicators (see world.py)."""
    return build_intel_world(net)
