from maitred_platform.migrations import run_env
from reservations.adapters.orm import metadata

run_env(metadata, "reservations")
