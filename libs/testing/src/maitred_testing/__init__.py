"""Whole-system test fixtures: the four services as processes (see `plugin`)."""

from maitred_testing.plugin import running_stack, stack_test_env

__all__ = ["running_stack", "stack_test_env"]
