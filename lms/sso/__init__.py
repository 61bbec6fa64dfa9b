"""Single sign-on: identity providers (OpenID Connect), accounts linked to them."""
