"""The last step of every answer: secrets masked in results and errors, whatever produced them.

`mask_secrets` wraps every request handler (seams.py `wrap_every_request`), inside the SDK's
OpenTelemetry middleware, so tool results, resource contents, prompts, completions and every
error — ours, the SDK's, unexpected ones — pass redaction.py's `redact` before they reach the
transport or a trace. Progress notifications are built by our tools and redacted there.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, ErrorData
from pydantic import BaseModel, ValidationError

from arize_mcp.redaction import redact, redact_json
from arize_mcp.server.errors import clip

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000  # a refusal may quote what the caller sent, which may be huge


async def mask_secrets(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    try:
        result = await call_next(ctx)
    except MCPError as exc:
        exc.error = ErrorData(code=exc.error.code, message=redact(exc.error.message), data=redact_json(exc.error.data))
        raise
    except ValidationError:
        raise  # the SDK answers it as invalid params, without its text
    except ValueError as exc:
        # How the SDK reports a request it cannot serve ("Unknown prompt: …"): the caller's mistake.
        log.info("%s refused: %s", ctx.method, type(exc).__name__)
        raise MCPError(code=INVALID_PARAMS, message=redact(clip(str(exc), MESSAGE_LIMIT))) from None
    except Exception as exc:
        # The SDK would put str(exc) on the wire unmasked: answer with the masked text instead.
        log.exception("%s failed", ctx.method)
        raise MCPError(code=INTERNAL_ERROR, message=redact(str(exc)) or type(exc).__name__) from None
    if isinstance(result, BaseModel):
        result = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return redact_json(result) if isinstance(result, dict) else result
