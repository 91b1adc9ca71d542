"""Pictures: maps (one style for every map), batch plots, animations, the browser view."""
