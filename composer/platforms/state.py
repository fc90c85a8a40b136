"""The publish state: the platforms' ids for an issue's drafts, kept beside the issue.

Publishing the same issue twice must update its draft, never make a second
one, so the id is written (atomically) before anything is sent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from composer.diagnostics import ComposerError, DeliveryError
from composer.output import write_all
from composer.platforms.platform import Draft


class PublishState:
    """The platforms' ids for an issue's drafts, in `<issue>.publish.json` beside it."""

    def __init__(self, issue: Path):
        self.path = issue.with_name(f"{issue.stem}.publish.json")
        self.data = self._read()

    def _damaged(self) -> DeliveryError:
        return DeliveryError(f"{self.path} is damaged; delete it to publish a new draft")

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            raise self._damaged() from None
        if not isinstance(data, dict):
            raise self._damaged()
        return data

    def draft(self, platform: str) -> dict | None:
        entry = self.data.get(platform)
        if entry is not None and not (isinstance(entry, dict) and isinstance(entry.get("id"), (str, int))):
            raise self._damaged()
        return entry

    def check_writable(self) -> None:
        """Before creating anything at the platform: a draft whose id cannot be kept would be orphaned."""
        if not os.access(self.path.parent, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK)):
            raise DeliveryError(f"cannot write {self.path}, where the draft's id is kept; "
                                "check the folder's permissions")

    def remember(self, platform: str, draft: Draft) -> None:
        self.data[platform] = draft.state
        try:
            write_all({self.path: (json.dumps(self.data, indent=2) + "\n").encode()})
        except ComposerError:
            raise DeliveryError(f"{platform}: draft {draft.id} saved, but {self.path} could not be written; "
                                "note the id before publishing again") from None
