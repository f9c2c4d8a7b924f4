"""Use cases of the service: importing schools, editing their data, choice windows, solve jobs,
plans and their publication. They take a database session and an ``Actor`` and raise the errors of
``services.errors``; the HTTP layer (``scheduler.api``) turns those into problem details.
"""
