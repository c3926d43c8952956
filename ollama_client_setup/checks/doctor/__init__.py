"""doctor: checks with ids, dependencies and fixes, run concurrently under one time budget."""
