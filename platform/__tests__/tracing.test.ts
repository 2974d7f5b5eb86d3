import { describe, expect, it } from 'vitest';
import { activeTraceHeaders, contextFrom, traceExporters, tracingEnabled } from '../tracing';

describe('which exporters the OTEL_* variables ask for', () => {
  it('is none by default: tracing is off unless configured', () => {
    expect(traceExporters({})).toEqual([]);
  });

  it('takes OTEL_TRACES_EXPORTER, or an OTLP endpoint alone', () => {
    expect(traceExporters({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual(['otlp']);
    expect(traceExporters({ OTEL_TRACES_EXPORTER: ' OTLP , console' })).toEqual(['otlp', 'console']);
    expect(traceExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(traceExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(['otlp']);
  });

  it('is switched off by `none` or OTEL_SDK_DISABLED, whatever else is set', () => {
    expect(traceExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual([]);
    expect(traceExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
  });

  it('refuses an exporter it does not have, rather than trace nothing silently', () => {
    expect(() => traceExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/unknown exporter\(s\) zipkin/);
  });
});

describe('with tracing off', () => {
  it('records no trace context and reads none', () => {
    expect(tracingEnabled()).toBe(false);
    expect(activeTraceHeaders()).toEqual({});
    expect(contextFrom({ traceparent: null })).toBeDefined();
  });
});
