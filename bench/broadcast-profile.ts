/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of gateway B and sums its samples inside given time windows (the
 * broadcast benchmark's measured rounds), by category of code and by function (self time). Profile times are
 * microseconds of the monotonic clock, the one `process.hrtime.bigint()` reads in any process on the machine.
 */
import { readFileSync } from 'node:fs';
import { at } from './support';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time inside the windows, ms (idle included). */
  windowMs: number;
  /** Sampled time not idle, ms. */
  busyMs: number;
  categories: [string, number][];
  functions: [string, number][];
}

function category(frame: ProfileNode['callFrame']): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8/native (program)';
  if (url.includes('/node_modules/ws/')) return 'ws (frames, socket writes)';
  if (url.includes('/node_modules/graphql-ws/')) return 'graphql-ws (server loop, message shaping)';
  if (url.includes('/node_modules/@apollo/') || url.includes('/node_modules/@graphql-tools/')) return 'Apollo gateway/server (hydration)';
  if (url.includes('/node_modules/graphql/')) return 'graphql-js (hydration)';
  if (url.includes('/node_modules/undici/') || url.includes('/node_modules/pg') || url.includes('/node_modules/@nats-io/')) return 'clients (undici, pg, nats)';
  if (url.includes('/node_modules/pino') || url.includes('/node_modules/sonic-boom')) return 'logging';
  if (url.includes('/node_modules/')) return 'other node_modules';
  if (url.includes('/gateway/') || url.includes('/platform/') || url.includes('/schema/')) return 'CPSD code (gateway/, platform/)';
  if (url.startsWith('node:')) return 'Node core (net, streams, timers)';
  if (url === '') return name === 'stringify' || name === 'parse' ? 'JSON (native)' : 'native/builtins';
  return 'other';
}

export function summariseProfile(file: string, windowsUs: [number, number][]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let windowUs = 0;
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += at(profile.timeDeltas, i, 'a time delta per sample');
    // A sample stands for the interval up to the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (!windowsUs.some(([from, to]) => t >= from && t < to)) continue;
    const node = nodes.get(at(profile.samples, i, 'a sample'));
    if (!node) continue;
    windowUs += dt;
    const cat = category(node.callFrame);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + dt);
    if (cat === 'idle') continue;
    busyUs += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${lineNumber + 1}` : 'native';
    const key = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { windowMs: windowUs / 1000, busyMs: busyUs / 1000, categories: sorted(byCategory), functions: sorted(byFunction) };
}
