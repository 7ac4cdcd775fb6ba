"""The business layer. Every rule, transition and consequence lives in these modules; views,
the admin console and the CLI call them and commit once. Operations flush and audit, never commit."""
