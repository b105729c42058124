"""The REST API for support staff and product managers: thin views over the services."""
