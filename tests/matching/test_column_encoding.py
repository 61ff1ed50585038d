"""A pool encoded from columns (as the database gives them) equals the pool of its records."""

from dataclasses import fields, replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import vocab
from portal.matching.columns import encode_volunteer_columns
from portal.matching.encoding import encode_volunteers

from .factories import volunteers


def columns_of(records) -> dict:
    return dict(
        experience=[vocab.mask_of(vocab.CONCERNS, r.experience) for r in records],
        boundaries=[vocab.mask_of(vocab.CONCERNS, r.boundaries) for r in records],
        career_band=[r.career_band for r in records],
        practice_area=[r.practice_area for r in records],
        region=[r.region for r in records],
        languages=[vocab.mask_of(vocab.LANGUAGES, r.languages) for r in records],
        gender=[r.gender for r in records],
        availability=[r.availability_mask for r in records],
        capacity=[r.capacity for r in records],
        active_load=[r.active_load for r in records],
        is_active_trained=[r.is_active_trained for r in records],
        is_complete=[r.is_complete for r in records],
        is_paused=[r.is_paused for r in records],
        is_away=[r.is_away for r in records],
        is_lapsed=[r.is_lapsed for r in records],
    )


def assert_same_pool(got, expected) -> None:
    for item in fields(expected):
        mine, theirs = getattr(got, item.name), getattr(expected, item.name)
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype, item.name
            np.testing.assert_array_equal(mine, theirs, err_msg=item.name)
        else:
            assert mine == theirs, item.name


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(volunteers(6), st.lists(st.tuples(st.booleans(), st.booleans()), min_size=6, max_size=6),
       st.randoms())
def test_columns_encode_exactly_as_records_do(records, facts, rnd):
    records = [replace(r, is_complete=complete, is_away=away)
               for r, (complete, away) in zip(records, facts, strict=True)]
    shuffled = list(records)
    rnd.shuffle(shuffled)  # the columns may come in any order: the pool is sorted by id
    got = encode_volunteer_columns([r.id for r in shuffled], [r.conflict_hashes for r in shuffled],
                                   **columns_of(shuffled))
    assert_same_pool(got, encode_volunteers(records))


def test_an_empty_pool_encodes():
    got = encode_volunteer_columns([], [], **columns_of([]))
    assert_same_pool(got, encode_volunteers([]))
