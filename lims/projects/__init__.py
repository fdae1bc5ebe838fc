"""Projects: the facility's "spaces", with members and roles."""
