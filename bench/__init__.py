"""`make bench`: Maitred measured beside this machine's own ceilings, in one run."""
