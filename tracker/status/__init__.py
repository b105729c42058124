"""The public status page: a customer looks a request up by its number."""
