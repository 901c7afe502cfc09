"""Small shared helpers (progress bars, time grids) with no physics in them."""
