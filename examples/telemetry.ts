/**
 * effect-clerk's spans and metrics, exported through OpenTelemetry with `@effect/opentelemetry`: every operation is
 * a span (`Clients.get`, `Clients.list`, one per page under `Clients.stream`, with a `retry` event per retry), and the
 * `ClerkMetrics` counters and histogram become OpenTelemetry metrics. Swap the in-memory exporters below for OTLP
 * ones (`@opentelemetry/exporter-trace-otlp-http`, …) to send them to a collector.
 *
 *   npx tsx examples/telemetry.ts
 */
import * as OtelMetrics from "@effect/opentelemetry/Metrics"
import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader
} from "@opentelemetry/sdk-metrics"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Stream } from "effect"
import { Clients, ClientsTest, RetryPolicy } from "effect-clerk"

/** Spans to `spans`, metrics to `metrics`, under one service name. */
export const telemetry = (spans: InMemorySpanExporter, metrics: PeriodicExportingMetricReader) =>
  Layer.mergeAll(OtelTracer.layer, OtelMetrics.layer(() => metrics)).pipe(
    Layer.provide(Layer.succeed(
      OtelTracer.OtelTracerProvider,
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
    )),
    Layer.provide(OtelResource.layer({ serviceName: "clerk-pipeline" }))
  )

/** A small pipeline against the in-memory backend: a 503 retried, a page, a stream. */
export const pipeline = Effect.gen(function*() {
  const backend = yield* ClientsTest.ClientsTest
  const clients = yield* Clients.Clients
  yield* backend.injectFaults({ status: 503, operation: "get" })
  yield* clients.get(backend.clients[0]!.id, { retry: RetryPolicy.backoff({ initialInterval: "1 millis", jitter: 0 }) })
  yield* clients.list({ limit: 5 })
  return yield* Stream.runCount(clients.stream({ pageSize: 4 }))
}).pipe(Effect.provide(ClientsTest.layer({ seedClients: 10 })))

/** Runs the pipeline with telemetry on; returns what was exported. */
export const main = async () => {
  const spans = new InMemorySpanExporter()
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const metrics = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
  // Read what was exported before the layer shuts the exporters down.
  const exported = Effect.map(Effect.promise(() => metrics.collect()), (collected) => ({
    spans: spans.getFinishedSpans().map((span) => ({ name: span.name, events: span.events.map((e) => e.name) })),
    metrics: collected.resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((metric) => metric.descriptor.name)
    )
  }))
  return Effect.runPromise(
    Effect.map(Effect.zip(pipeline, exported), ([streamed, rest]) => ({ streamed, ...rest })).pipe(
      Effect.provide(telemetry(spans, metrics))
    )
  )
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await main(), null, 2))
