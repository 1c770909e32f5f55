"""One module per figure; each `measure(ctx) -> Figure` raises Skip when it cannot run."""
