"""Account pages: profile, TOTP enrolment, API tokens, logging out everywhere."""
