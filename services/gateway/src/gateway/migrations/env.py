from maitred_platform.migrations import run_env

from gateway.adapters.orm import metadata

run_env(metadata, "gateway")
