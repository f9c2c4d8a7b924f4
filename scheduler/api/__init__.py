"""HTTP layer: ``create_app()``, dependencies, error handlers and one router per resource.

Handlers are thin: they parse the request, call one service function and shape the response.
HTTP status codes and problem details exist only in this package.
"""
