"""Labelled queries that say what a document says in other words: no query shares a word (after
stemming, stop words aside) with the document it should find, so BM25 cannot find it and only an
engine that compares meanings can. With distractors that read like a project's history
(`distractors`), some sharing the queries' words.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from journal.recall_filter import Anchor
from journal.recall_store import Doc


@dataclass(frozen=True)
class Item:
    title: str
    body: str
    query: str


ITEMS = [
    Item(
        "Fix crash when the sign-in form is submitted empty",
        "Guard against a missing username before validating credentials.",
        "login page blows up with blank fields",
    ),
    Item(
        "Speed up database queries on the orders table",
        "Added an index on customer_id and removed an N+1 lookup.",
        "SQL performance is too slow for purchases",
    ),
    Item(
        "Add dark mode to the settings screen",
        "Users can switch the colour theme; the choice is stored in local storage.",
        "night appearance toggle for the configuration panel",
    ),
    Item(
        "Retry failed webhook deliveries with exponential backoff",
        "Deliveries that return 5xx are retried up to five times.",
        "resend callbacks that did not go through, waiting longer each attempt",
    ),
    Item(
        "Remove unused dependencies from requirements",
        "Dropped six packages nobody imports anymore.",
        "prune libraries we no longer need",
    ),
    Item(
        "Translate error messages into German",
        "Localised strings for the checkout flow.",
        "i18n of failure texts for Deutsch speakers",
    ),
    Item(
        "Upgrade Python to 3.12 in CI",
        "The pipeline image now uses the newer interpreter.",
        "bump the language version on the build server",
    ),
    Item(
        "Cache rendered thumbnails on disk",
        "Images are resized once and reused on later requests.",
        "store small preview pictures so they are not regenerated",
    ),
    Item(
        "Write unit tests for the invoice calculator",
        "Covers rounding, taxes and discounts.",
        "add specs checking billing totals",
    ),
    Item(
        "Fix memory leak in the image uploader",
        "File handles were never closed after a failed transfer.",
        "RAM keeps growing when sending photos",
    ),
    Item(
        "Document how to deploy to production",
        "Step-by-step release guide in the wiki.",
        "instructions for shipping to the live servers",
    ),
    Item(
        "Rate limit the public API",
        "Clients get 429 after one hundred calls per minute.",
        "throttle external endpoint usage",
    ),
    Item(
        "Migrate user passwords to argon2",
        "Hashes are upgraded transparently at next sign-in.",
        "stronger scheme for storing secrets of accounts",
    ),
    Item(
        "Paginate the search results",
        "Twenty items per page with next and previous links.",
        "split long lists of matches into screens",
    ),
    Item(
        "Send a welcome email after registration",
        "New accounts receive a greeting message.",
        "notify newcomers in their inbox once they join",
    ),
    Item(
        "Handle timezone offsets in the scheduler",
        "Jobs ran an hour early after daylight saving changes.",
        "cron tasks fire at the wrong time around DST",
    ),
    Item(
        "Compress log files older than a week",
        "Old logs are gzipped by the nightly job.",
        "shrink stale diagnostics output to save space",
    ),
    Item(
        "Validate uploaded CSV headers",
        "Reject imports whose columns do not match the template.",
        "check spreadsheet titles on ingestion",
    ),
    Item(
        "Fix race condition in the job queue",
        "Two workers could pick the same task; now locked with SELECT FOR UPDATE.",
        "concurrent consumers grabbing identical items",
    ),
    Item(
        "Add a health check endpoint",
        "GET /healthz returns 200 when the database answers.",
        "liveness probe route for kubernetes",
    ),
    Item(
        "Refactor the payment module into smaller functions",
        "Split the 600-line charge() into steps.",
        "restructure billing code for readability",
    ),
    Item(
        "Encrypt backups at rest",
        "Nightly dumps are encrypted with the KMS key.",
        "protect archived copies with cryptography",
    ),
    Item(
        "Show a progress bar during file import",
        "Large uploads display percent complete.",
        "indicator of how far along loading data is",
    ),
    Item(
        "Fix typo in the README",
        "Corrected spelling of installation.",
        "misspelled word in the docs",
    ),
    Item(
        "Disable telemetry by default",
        "Usage statistics are only sent after the user opts in.",
        "turn off analytics unless people consent",
    ),
    Item(
        "Reduce Docker image size",
        "Multi-stage build drops compilers from the final layer.",
        "make the container smaller",
    ),
]

_AREAS = [
    "billing",
    "login",
    "search",
    "exporter",
    "scheduler",
    "mailer",
    "dashboard",
    "plugin registry",
    "config loader",
    "report generator",
    "notification service",
    "audit trail",
]
_ACTIONS = ["Refactor", "Add tests for", "Rename helpers in", "Document", "Tidy", "Split"]
_DETAILS = [
    "Moved shared code into a helper.",
    "No behaviour change intended.",
    "Follow-up to the review comments.",
    "Keeps the public names stable.",
    "Small cleanups found while reading it.",
    "Adds type hints to the module.",
]


def docs(anchor: str) -> list[Doc]:
    """The labelled documents (commits `para-<n>`), anchored to `anchor`."""
    return [
        Doc(f"commit:para-{n}", "commit", f"para-{n}", item.title, item.body, "main", anchor,
            "2026-02-23", [Anchor(anchor)])
        for n, item in enumerate(ITEMS)
    ]  # fmt: skip


def distractors(anchor: str) -> list[Doc]:
    """Commits like a project's everyday history, about areas some queries name."""
    combos = itertools.product(_ACTIONS, _AREAS)
    return [
        Doc(f"commit:noise-{n}", "commit", f"noise-{n}", f"{action} the {area}",
            _DETAILS[n % len(_DETAILS)], "main", anchor, "2026-02-22", [Anchor(anchor)])
        for n, (action, area) in enumerate(combos)
    ]  # fmt: skip


def labelled() -> list[tuple[str, str]]:
    """(query, the ref of the document it should find first)."""
    return [(item.query, f"para-{n}") for n, item in enumerate(ITEMS)]
