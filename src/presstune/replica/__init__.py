"""replica stage."""
