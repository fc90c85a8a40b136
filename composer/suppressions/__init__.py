"""The house's suppression list, the endpoint that fills it, and the providers' feedback."""
