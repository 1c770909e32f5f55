"""Reference servers: the least a machine needs to do the same work, to measure ceilings."""
