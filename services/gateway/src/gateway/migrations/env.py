from gateway.adapters.orm import metadata
from maitred_platform.migrations import run_env

run_env(metadata, "gateway")
