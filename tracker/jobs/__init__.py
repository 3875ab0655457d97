"""Background work: requests queue jobs, the worker process (the scheduler's) runs them."""
