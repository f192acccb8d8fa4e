"""Shared test settings: the hypothesis profiles of the property-based (fuzz) tests.

`default` keeps `make test` quick; `make fuzz` runs the tests marked slow with `--hypothesis-profile=long`.
No deadline: a run loads real workbooks, whose time varies with the machine.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=12, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile("default")
