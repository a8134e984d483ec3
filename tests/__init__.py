import pytest

# Helpers in these modules assert on behalf of tests: rewrite their asserts as pytest does a test's,
# so that a failure shows the values compared. Registered before anything imports them.
pytest.register_assert_rewrite("tests.support", "tests.sdk.helpers")
