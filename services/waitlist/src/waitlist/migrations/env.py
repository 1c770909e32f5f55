from maitred_platform.migrations import run_env
from waitlist.adapters.orm import metadata

run_env(metadata, "waitlist")
