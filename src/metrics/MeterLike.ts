/**
 * The parts of an OpenTelemetry `Meter` (`@opentelemetry/api` 1.x) `instrumentExtensions` uses,
 * typed structurally: the library's types and its import need no OpenTelemetry package, and any
 * meter of that shape works.
 */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
}

/** Description, unit and bucket advice of an instrument. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** Attributes of one measurement. */
export type MetricAttributesLike = Record<string, string | number | boolean>;

/** An OpenTelemetry `Counter`. */
export interface CounterLike {
  add(value: number, attributes?: MetricAttributesLike): void;
}

/** An OpenTelemetry `Histogram`. */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}
