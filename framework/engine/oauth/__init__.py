"""OAuth 2.0 connections: the token store, the token requests, the sessions that keep an
access token fresh, and the authorization code flow that creates a connection."""
