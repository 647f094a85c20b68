"""The clinical core: pure reasoning about calcinosis cutis in dogs, no Django, no I/O."""
