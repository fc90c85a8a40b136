"""Every link of an issue, as its readers will meet it: fetched (`check --links`), recorded in the
issue's lock file, replayed from it, and credited to the right outlet.

Nothing here is imported by `build`: only `check --links` loads httpx (fetch.py).
"""
