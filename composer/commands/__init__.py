"""One module per command, as MkDocs has: each holds that command's orchestration.

cli.py parses the options and turns outcomes into exit codes; the modules here
decide what happens, starting from pipeline.render_checked, and print nothing
themselves except through the `log` or `echo` they are given.
"""
