"""The principal cache's bound: entries live at most ttl seconds, a clear drops them all, and
a load that began before a clear never refills the cache."""

import uuid

from grants.accounts.principal_cache import PrincipalCache
from grants.core.access import Principal

KEY = ("urn:grants:local", "user", uuid.uuid4())


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def principal() -> Principal:
    return Principal(user_id=uuid.uuid4(), email="a@example.org", display_name="A")


def test_an_entry_lives_less_than_ttl_seconds() -> None:
    clock = Clock()
    cache = PrincipalCache(2.0, clock=clock)
    who = principal()
    cache.put(KEY, who, cache.generation, clock())
    clock.now += 1.99
    assert cache.get(KEY) is who
    clock.now += 0.01
    assert cache.get(KEY) is None


def test_the_age_counts_from_when_the_load_began() -> None:
    clock = Clock()
    cache = PrincipalCache(2.0, clock=clock)
    began = clock()
    clock.now += 1.5  # a slow query
    cache.put(KEY, principal(), cache.generation, began)
    clock.now += 0.5
    assert cache.get(KEY) is None


def test_a_clear_drops_everything_and_a_load_from_before_it_is_not_kept() -> None:
    clock = Clock()
    cache = PrincipalCache(2.0, clock=clock)
    cache.put(KEY, principal(), cache.generation, clock())
    generation = cache.generation  # a request starts loading ...
    cache.clear()  # ... a write request ends (e.g. a logout) ...
    assert cache.get(KEY) is None
    cache.put(KEY, principal(), generation, clock())  # ... the stale load comes back
    assert cache.get(KEY) is None


def test_ttl_zero_keeps_nothing() -> None:
    cache = PrincipalCache(0.0)
    cache.put(KEY, principal(), cache.generation, cache.now())
    assert cache.get(KEY) is None


def test_the_cache_is_bounded() -> None:
    cache = PrincipalCache(60.0, size=2)
    keys = [("i", str(n), None) for n in range(3)]
    for key in keys:
        cache.put(key, principal(), cache.generation, cache.now())
    assert cache.get(keys[0]) is None
    assert cache.get(keys[2]) is not None
