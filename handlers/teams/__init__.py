"""Microsoft Teams front end (Bot Framework); built in a later issue."""
