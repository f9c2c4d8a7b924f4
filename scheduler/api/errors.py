"""RFC 9457 problem details for every error the API returns, registered once on the app.

Body: ``type`` (a stable URN per error code), ``title``, ``status``, ``detail``, ``instance`` (the
request path), ``code``, and for bad input ``errors``: one ``{"path", "message"}`` per problem, the
path naming the field (``students[s-0001].grade``) and the message the offending value. A service
error may add members of its own (a refused reservation adds ``conflicts`` and ``alternatives``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scheduler.domain.errors import format_loc
from scheduler.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError, Unauthenticated

PROBLEM_JSON = "application/problem+json"
STATUS_OF: dict[type[ServiceError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    Forbidden: 403,
    Unauthenticated: 401,
}
log = logging.getLogger("scheduler.api")


def problem_response(
    request: Request, status: int, detail: str, code: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:flexblock:error:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status = next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 400)
    errors = [{"path": issue.path, "message": issue.message} for issue in exc.issues]
    return problem_response(request, status, exc.message, exc.code, errors, **exc.extra)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for item in exc.errors():
        loc = tuple(item.get("loc", ()))
        message = item.get("msg", "invalid")
        if item.get("type") == "extra_forbidden":
            message = "unknown field"
        elif item.get("type") != "missing" and "input" in item:
            message = f"{message} (got {_short(item['input'])})"
        errors.append({"path": format_loc(loc), "message": message})
    detail = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3])
    return problem_response(request, 422, detail or "invalid request", "invalid_request", errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code, "http_error")
    return problem_response(request, exc.status_code, str(exc.detail), code)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "the server hit an unexpected error; it has been logged", "internal_error")


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
