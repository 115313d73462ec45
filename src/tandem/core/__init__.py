"""Pure domain core: no Django, no I/O."""
