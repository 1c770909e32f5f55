from maitred_platform.migrations import run_env
from notifier.adapters.orm import metadata

run_env(metadata, "notifier")
