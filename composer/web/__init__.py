"""The web edition: a page per issue, the archive, the feeds and the sitemap, from the same model as the email."""
