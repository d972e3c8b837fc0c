"""Users and roles. Role grants over unit subtrees come with the web issue (domain.md §11)."""
