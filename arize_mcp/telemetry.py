"""OpenTelemetry traces for operators, off unless ARIZE_MCP_OTEL=1 (config.py reads it).

When on, spans go to the standard OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, its headers in
`OTEL_EXPORTER_OTLP_HEADERS`, read by the exporter) over OTLP/HTTP: the MCP SDK's own span per
request and message, and the API client's span per upstream request (method, route template,
status, retries). Every span passes redaction.py before it is exported: names, attributes, event
attributes (recorded exception text) and status descriptions. The packages are the optional
`otel` extra, so a server without tracing carries none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arize_mcp import __version__
from arize_mcp.config import ConfigError
from arize_mcp.redaction import redact, redact_json

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
    from opentelemetry.sdk.trace.export import SpanExporter

MISSING_EXTRA = (
    "ARIZE_MCP_OTEL=1 needs the optional OpenTelemetry packages: install them with pip install 'arize-mcp[otel]'"
)


def start_tracing(exporter: SpanExporter | None = None) -> Callable[[], None]:
    """Install a tracer provider that exports redacted spans (to OTLP unless `exporter` is given);
    returns the function that flushes and stops it at exit."""
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise ConfigError(MISSING_EXTRA) from None
    provider = TracerProvider(resource=Resource.create({"service.name": "arize-mcp", "service.version": __version__}))
    provider.add_span_processor(redacting_processor(BatchSpanProcessor(exporter or OTLPSpanExporter())))
    trace.set_tracer_provider(provider)
    return provider.shutdown


def redacting_processor(inner: SpanProcessor) -> SpanProcessor:
    """`inner`, handed each ended span with its secrets masked. Redaction happens as the span ends,
    in the request that ended it, so the request's own key (a context variable) is masked too."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RedactingSpanProcessor(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            inner.on_start(span, parent_context)

        def on_end(self, span: ReadableSpan) -> None:
            inner.on_end(redacted_span(span))

        def shutdown(self) -> None:
            inner.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return inner.force_flush(timeout_millis)

    return RedactingSpanProcessor()


def redacted_span(span: ReadableSpan) -> ReadableSpan:
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import Status

    status = span.status
    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_attributes(span.attributes),
        events=[Event(redact(event.name), _attributes(event.attributes), event.timestamp) for event in span.events],
        links=span.links,
        kind=span.kind,
        status=Status(status.status_code, redact(status.description)) if status.description else status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _attributes(attributes: Any) -> dict[str, Any] | None:
    return None if attributes is None else {key: redact_json(value) for key, value in attributes.items()}
