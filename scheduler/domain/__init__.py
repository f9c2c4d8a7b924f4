"""Pure domain: the problem and plan formats, their validation, metrics and the plan checker."""
