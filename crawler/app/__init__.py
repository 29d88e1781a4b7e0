"""The application layer: one API for inspections and jobs, and the two shells (command line and service) that call it."""
