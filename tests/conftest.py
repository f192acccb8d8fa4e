"""Shared test settings: the hypothesis profiles of the property-based (fuzz) tests, and the ways
worker processes are started.

`default` keeps `make test` quick; `make fuzz` runs the tests marked slow with `--hypothesis-profile=long`.
No deadline: a run loads real workbooks, whose time varies with the machine.
"""

import multiprocessing

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("default")


@pytest.fixture(params=["fork", pytest.param("forkserver", marks=pytest.mark.slow)])
def start_method(request):
    """Worker processes started by forking (Linux's default before Python 3.14) and by a forkserver
    (the default from 3.14): a test that takes this fixture runs under both, the forkserver in
    `make slow` (which CI runs), to keep `make test` within its three minutes."""
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(request.param, force=True)
    yield request.param
    multiprocessing.set_start_method(before, force=True)
