"""A short soak (``make soak``'s, 30 s): the sample under gunicorn at half its mixed knee keeps
its resident memory and descriptors flat after the warm-up, with no error.

It starts a dev server of its own, so it runs once: not again on the real server's passes."""

from __future__ import annotations

import pytest

from loadtest.soak import GROWTH_BOUND, growth, soak

SOAK_SECONDS = 30.0


def test_growth_compares_the_medians_of_both_ends() -> None:
    assert growth([100, 100, 100, 100]) == 0.0
    assert growth([100, 500, 100, 104, 300, 104]) == pytest.approx(0.04)
    assert growth([100, 90, 80, 70]) == 0.0  # shrinking is flat enough


@pytest.mark.devserver_only
@pytest.mark.timeout(180)
def test_a_short_soak_is_flat_and_error_free() -> None:
    result = soak(SOAK_SECONDS)
    assert result.knee is not None
    assert result.rate == result.knee / 2
    assert sum(result.statuses.values()) >= result.rate * SOAK_SECONDS * 0.95, result.statuses
    assert result.errors == 0, result.statuses
    assert not result.workers_replaced
    assert result.rss_growth < GROWTH_BOUND, result.samples
    assert result.descriptor_growth < GROWTH_BOUND, result.samples
    assert len(result.samples) >= SOAK_SECONDS * 0.8
