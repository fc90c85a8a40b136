"""Sending an issue: the letter (letter.py), the one provider method (provider.py), and a module per provider.

providers.py lists the providers and configures the one house.yaml names;
nothing here is imported by `build`, which never sends.
"""
