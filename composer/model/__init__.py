"""The content model: what an issue holds, what a house sets, and the edition made of both.

- fields.py: the validated field types every model shares (prose, links, colours…);
- issue.py: one issue, as the editor writes it;
- house.py: the house config, `house.yaml`;
- edition.py: an issue published by a house, with the values derived from both.

Everything an editor or a house can get wrong is checked in these models, and
only here. Renderers may assume that a model which validated is complete and safe.
"""
