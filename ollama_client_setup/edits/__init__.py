"""The only code that writes users' files: plan, diff, lock, back up, write atomically, record."""
