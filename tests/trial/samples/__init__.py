"""Sample test modules that tests/trial runs under real trial and under ours; pytest skips them."""
