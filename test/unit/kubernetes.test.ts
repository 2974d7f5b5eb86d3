/**
 * The Kubernetes manifests (deploy/kubernetes), checked offline: each overlay is built here as `kustomize build` would
 * (the kustomization features the manifests use, and no others: an unknown field fails the build), then every object
 * is checked against the API shapes of its kind (known fields, types, required fields), against each other (selectors,
 * ports, probes, autoscaler targets, network reachability), against the product (its real variable names, its drain
 * time) and against docker-compose.yml (the same services, the same variables).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SUBGRAPH_NAMES } from '../../platform/config';

const ROOT = path.resolve(__dirname, '..', '..');
const KUBERNETES = path.join(ROOT, 'deploy', 'kubernetes');
const OVERLAYS = ['production', 'development'] as const;

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, checked by shape below
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: any };

// ---- a minimal kustomize build -------------------------------------------------------------------------------------

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images', 'replicas']);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Strategic-merge list keys for the lists the manifests patch (other lists are replaced, as kustomize does). */
function mergeKey(field: string, items: unknown[]): string | null {
  if (['containers', 'initContainers', 'env', 'volumes', 'imagePullSecrets'].includes(field)) return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports') return items.some((item) => isObject(item) && 'containerPort' in item) ? 'containerPort' : 'port';
  return null;
}

function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isObject(patch) && Object.keys(patch).some((key) => key.startsWith('$'))) throw new Error(`patch directive ${Object.keys(patch)} is not supported here`);
  if (isObject(base) && isObject(patch)) {
    const merged: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = strategicMerge(base[key], value, key);
    }
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(patch)) {
    const key = mergeKey(field, [...base, ...patch]);
    if (!key) return patch;
    const merged = [...base];
    for (const item of patch as Json[]) {
      const index = merged.findIndex((existing) => isObject(existing) && existing[key] === item[key]);
      if (index >= 0) merged[index] = strategicMerge(merged[index], item, field);
      else merged.push(item);
    }
    return merged;
  }
  return patch;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

function forEachContainer(object: K8sObject, visit: (container: Json) => void): void {
  for (const container of object.spec?.template?.spec?.containers ?? []) visit(container);
}

/** `kustomize build <directory>` for: resources (files, directories), namespace, patches (strategic merge, by file), images, replicas. */
function build(directory: string): K8sObject[] {
  const kustomization = parse(readFileSync(path.join(directory, 'kustomization.yaml'), 'utf8')) as Json;
  for (const field of Object.keys(kustomization))
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new Error(`${directory}: kustomization field ${field} is not supported`);
  expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
  expect(kustomization.kind).toBe('Kustomization');
  let objects = ((kustomization.resources as string[] | undefined) ?? []).flatMap((resource) => {
    const target = path.join(directory, resource);
    return statSync(target).isDirectory() ? build(target) : readObjects(target);
  });
  for (const entry of (kustomization.patches as { path?: string; target?: unknown; patch?: string }[] | undefined) ?? []) {
    if (!entry.path || entry.target || entry.patch) throw new Error(`${directory}: only patches by path, targeted by their own kind and name, are supported`);
    for (const patch of readObjects(path.join(directory, entry.path))) {
      const matches = objects.filter((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name && o.apiVersion === patch.apiVersion);
      if (matches.length !== 1) throw new Error(`${entry.path}: patches ${matches.length} objects (${patch.kind}/${patch.metadata.name}), not one`);
      objects = objects.map((o) => (o === matches[0] ? (strategicMerge(o, patch) as K8sObject) : o));
    }
  }
  if (kustomization.namespace) {
    objects = objects.map((o) => (o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace as string } }));
  }
  for (const image of (kustomization.images as { name: string; newName?: string; newTag?: string }[] | undefined) ?? []) {
    let used = false;
    for (const object of objects)
      forEachContainer(object, (container) => {
        const [name, tag] = String(container.image).split(':');
        if (name !== image.name) return;
        used = true;
        container.image = `${image.newName ?? name}${image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : ''}`;
      });
    if (!used) throw new Error(`${directory}: images: ${image.name} is used by no container`);
  }
  for (const { name, count } of (kustomization.replicas as { name: string; count: number }[] | undefined) ?? []) {
    const targets = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === name);
    if (targets.length !== 1) throw new Error(`${directory}: replicas: ${name} names ${targets.length} workloads`);
    targets[0]!.spec = { ...targets[0]!.spec, replicas: count };
  }
  return objects;
}

// ---- the API shapes of the kinds the manifests use -----------------------------------------------------------------

type Shape = 'string' | 'int' | 'bool' | 'int-or-string' | 'quantity' | 'string-map' | { fields: Record<string, Shape>; required?: string[] } | { list: Shape };

const obj = (fields: Record<string, Shape>, required: string[] = []): Shape => ({ fields, required });
const list = (item: Shape): Shape => ({ list: item });
const strings = list('string');

const META = obj({ name: 'string', namespace: 'string', labels: 'string-map', annotations: 'string-map' }, ['name']);
const TEMPLATE_META = obj({ labels: 'string-map', annotations: 'string-map' }, ['labels']);
const SELECTOR = obj({ matchLabels: 'string-map', matchExpressions: list(obj({ key: 'string', operator: 'string', values: strings }, ['key', 'operator'])) });
const HTTP_GET = obj({ path: 'string', port: 'int-or-string', scheme: 'string' }, ['port']);
const PROBE = obj({
  httpGet: HTTP_GET,
  tcpSocket: obj({ port: 'int-or-string' }, ['port']),
  exec: obj({ command: strings }, ['command']),
  initialDelaySeconds: 'int',
  periodSeconds: 'int',
  timeoutSeconds: 'int',
  failureThreshold: 'int',
  successThreshold: 'int',
});
const KEY_REF = obj({ name: 'string', key: 'string', optional: 'bool' }, ['name', 'key']);
const CONTAINER = obj(
  {
    name: 'string',
    image: 'string',
    imagePullPolicy: 'string',
    command: strings,
    args: strings,
    ports: list(obj({ name: 'string', containerPort: 'int', protocol: 'string' }, ['containerPort'])),
    env: list(obj({ name: 'string', value: 'string', valueFrom: obj({ secretKeyRef: KEY_REF, configMapKeyRef: KEY_REF }) }, ['name'])),
    envFrom: list(obj({ configMapRef: obj({ name: 'string', optional: 'bool' }, ['name']), secretRef: obj({ name: 'string', optional: 'bool' }, ['name']) })),
    resources: obj({ requests: obj({ cpu: 'quantity', memory: 'quantity' }), limits: obj({ cpu: 'quantity', memory: 'quantity' }) }),
    startupProbe: PROBE,
    readinessProbe: PROBE,
    livenessProbe: PROBE,
    lifecycle: obj({ preStop: obj({ exec: obj({ command: strings }, ['command']), httpGet: HTTP_GET, sleep: obj({ seconds: 'int' }, ['seconds']) }) }),
    securityContext: obj({
      allowPrivilegeEscalation: 'bool',
      readOnlyRootFilesystem: 'bool',
      runAsNonRoot: 'bool',
      runAsUser: 'int',
      capabilities: obj({ add: strings, drop: strings }),
    }),
    volumeMounts: list(obj({ name: 'string', mountPath: 'string', readOnly: 'bool' }, ['name', 'mountPath'])),
  },
  ['name', 'image'],
);
const POD_TEMPLATE = obj(
  {
    metadata: TEMPLATE_META,
    spec: obj(
      {
        containers: list(CONTAINER),
        terminationGracePeriodSeconds: 'int',
        automountServiceAccountToken: 'bool',
        enableServiceLinks: 'bool',
        securityContext: obj({ runAsNonRoot: 'bool', runAsUser: 'int', runAsGroup: 'int', fsGroup: 'int', seccompProfile: obj({ type: 'string' }, ['type']) }),
        volumes: list(obj({ name: 'string', emptyDir: obj({ medium: 'string', sizeLimit: 'quantity' }) }, ['name'])),
      },
      ['containers'],
    ),
  },
  ['metadata', 'spec'],
);
const top = (spec: Record<string, Shape>, required: string[], body: 'spec' | 'data' = 'spec'): Shape =>
  obj({ apiVersion: 'string', kind: 'string', metadata: META, [body]: obj(spec, required) }, [
    'apiVersion',
    'kind',
    'metadata',
    ...(required.length ? [body] : []),
  ]);

const KINDS: Record<string, Shape> = {
  'v1/Namespace': obj({ apiVersion: 'string', kind: 'string', metadata: META }, ['metadata']),
  'v1/ConfigMap': obj({ apiVersion: 'string', kind: 'string', metadata: META, data: 'string-map' }, ['metadata', 'data']),
  'v1/Service': top(
    {
      type: 'string',
      clusterIP: 'string',
      publishNotReadyAddresses: 'bool',
      selector: 'string-map',
      ports: list(obj({ name: 'string', port: 'int', targetPort: 'int-or-string', protocol: 'string' }, ['port'])),
    },
    ['selector', 'ports'],
  ),
  'apps/v1/Deployment': top(
    {
      replicas: 'int',
      revisionHistoryLimit: 'int',
      selector: SELECTOR,
      strategy: obj({ type: 'string', rollingUpdate: obj({ maxSurge: 'int-or-string', maxUnavailable: 'int-or-string' }) }),
      template: POD_TEMPLATE,
    },
    ['selector', 'template'],
  ),
  'apps/v1/StatefulSet': top(
    {
      replicas: 'int',
      serviceName: 'string',
      selector: SELECTOR,
      template: POD_TEMPLATE,
      volumeClaimTemplates: list(
        obj({ metadata: META, spec: obj({ accessModes: strings, resources: obj({ requests: obj({ storage: 'quantity' }) }), storageClassName: 'string' }) }, [
          'metadata',
          'spec',
        ]),
      ),
    },
    ['serviceName', 'selector', 'template'],
  ),
  'autoscaling/v2/HorizontalPodAutoscaler': top(
    {
      scaleTargetRef: obj({ apiVersion: 'string', kind: 'string', name: 'string' }, ['kind', 'name']),
      minReplicas: 'int',
      maxReplicas: 'int',
      metrics: list(
        obj({ type: 'string', resource: obj({ name: 'string', target: obj({ type: 'string', averageUtilization: 'int' }, ['type']) }, ['name', 'target']) }, [
          'type',
        ]),
      ),
      behavior: obj({
        scaleDown: obj({ stabilizationWindowSeconds: 'int' }),
        scaleUp: obj({ stabilizationWindowSeconds: 'int' }),
      }),
    },
    ['scaleTargetRef', 'maxReplicas'],
  ),
  'policy/v1/PodDisruptionBudget': top({ selector: SELECTOR, minAvailable: 'int-or-string', maxUnavailable: 'int-or-string' }, ['selector']),
  'networking.k8s.io/v1/NetworkPolicy': top(
    {
      podSelector: SELECTOR,
      policyTypes: strings,
      ingress: list(
        obj({
          from: list(obj({ podSelector: SELECTOR, namespaceSelector: SELECTOR, ipBlock: obj({ cidr: 'string', except: strings }, ['cidr']) })),
          ports: list(obj({ port: 'int-or-string', protocol: 'string' })),
        }),
      ),
    },
    ['podSelector'],
  ),
};

/** What does not fit the shape, as `path: problem` messages. */
function shapeProblems(value: unknown, shape: Shape, at: string): string[] {
  if (shape === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
  if (shape === 'int') return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${JSON.stringify(value)}`];
  if (shape === 'bool') return typeof value === 'boolean' ? [] : [`${at}: expected a boolean, got ${JSON.stringify(value)}`];
  if (shape === 'int-or-string') return Number.isInteger(value) || typeof value === 'string' ? [] : [`${at}: expected an integer or a string`];
  if (shape === 'quantity')
    return (typeof value === 'string' && /^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(value)) || Number.isFinite(value)
      ? []
      : [`${at}: not a quantity: ${value}`];
  if (shape === 'string-map')
    return isObject(value) && Object.values(value).every((v) => typeof v === 'string') ? [] : [`${at}: expected a map of strings (quote numbers and booleans)`];
  if ('list' in shape) {
    if (!Array.isArray(value)) return [`${at}: expected a list`];
    return value.flatMap((item, index) => shapeProblems(item, shape.list, `${at}[${index}]`));
  }
  if (!isObject(value)) return [`${at}: expected an object`];
  const problems = Object.keys(value)
    .filter((key) => !(key in shape.fields))
    .map((key) => `${at}.${key}: not a field here (a typo, or a field this check does not know yet)`);
  for (const key of shape.required ?? []) if (!(key in value)) problems.push(`${at}.${key}: required`);
  for (const [key, inner] of Object.entries(value)) if (key in shape.fields) problems.push(...shapeProblems(inner, shape.fields[key]!, `${at}.${key}`));
  return problems;
}

// ---- relations between objects -------------------------------------------------------------------------------------

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key] ?? '');
    if (operator === 'NotIn') return !values.includes(labels[key] ?? '');
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    throw new Error(`unknown selector operator ${operator}`);
  });
  return byLabels && byExpressions;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'];
const workloadsOf = (objects: K8sObject[]) => objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
const podLabels = (workload: K8sObject): Record<string, string> => workload.spec.template.metadata.labels;
const containersOf = (workload: K8sObject): Json[] => workload.spec.template.spec.containers;

/** A pod that wants to open a connection: its labels and its namespace's labels. */
interface Peer {
  labels: Record<string, string>;
  namespaceLabels: Record<string, string>;
}

/** Whether the NetworkPolicies let `from` open a connection to `to` on its container port named `portName`. */
function allowed(policies: K8sObject[], from: Peer, to: K8sObject, portName: string): boolean {
  const target = podLabels(to);
  const port = containersOf(to)
    .flatMap((c) => (c.ports as { name: string; containerPort: number }[]) ?? [])
    .find((p) => p.name === portName);
  if (!port) throw new Error(`${to.metadata.name} has no port ${portName}`);
  const applying = policies.filter((p) => selects(p.spec.podSelector, target) && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (applying.length === 0) return true;
  const ownNamespace = { 'kubernetes.io/metadata.name': to.metadata.namespace ?? '' };
  return applying.some((policy) =>
    ((policy.spec.ingress ?? []) as { from?: Json[]; ports?: { port: number | string }[] }[]).some((rule) => {
      const portOk = !rule.ports || rule.ports.some((p) => p.port === port.name || p.port === port.containerPort);
      const fromOk =
        !rule.from ||
        rule.from.some((peer) => {
          const namespaceOk = peer.namespaceSelector
            ? selects(peer.namespaceSelector as Selector, from.namespaceLabels)
            : Object.entries(ownNamespace).every(([k, v]) => from.namespaceLabels[k] === v);
          const podOk = peer.podSelector ? selects(peer.podSelector as Selector, from.labels) : true;
          return namespaceOk && podOk;
        });
      return portOk && fromOk;
    }),
  );
}

/** Every environment variable a container gets: its own and those of the ConfigMaps and Secrets it takes whole. */
function envOf(container: Json, objects: K8sObject[]): { names: Set<string>; secretKeys: Set<string>; optionalSecrets: string[] } {
  const names = new Set<string>();
  const secretKeys = new Set<string>();
  const optionalSecrets: string[] = [];
  for (const entry of (container.env as { name: string; valueFrom?: { secretKeyRef?: { key: string } } }[]) ?? []) {
    names.add(entry.name);
    if (entry.valueFrom?.secretKeyRef) secretKeys.add(entry.valueFrom.secretKeyRef.key);
  }
  for (const source of (container.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string; optional?: boolean } }[]) ?? []) {
    if (source.configMapRef) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef!.name);
      if (!map) throw new Error(`ConfigMap ${source.configMapRef.name} does not exist`);
      for (const key of Object.keys(map.data)) names.add(key);
    }
    if (source.secretRef) {
      if (!source.secretRef.optional) throw new Error(`the Secret ${source.secretRef.name} is taken whole and required: list its keys instead`);
      optionalSecrets.push(source.secretRef.name);
    }
  }
  return { names, secretKeys, optionalSecrets };
}

/** Every environment variable the product reads (outside tests), `SUBGRAPH_<NAME>_PORT` and `_URL` spelled out. */
function productVariables(): Set<string> {
  const names = new Set<string>();
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || ['node_modules', 'test', '__tests__', 'bench', 'web', 'dist'].includes(entry.name)) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) {
        const source = readFileSync(full, 'utf8');
        for (const [, name] of source.matchAll(/\benv(?:\.|\[\s*')([A-Z][A-Z0-9_]+)/g)) names.add(name!);
        for (const [, name] of source.matchAll(/\bint\('([A-Z][A-Z0-9_]+)'/g)) names.add(name!);
      }
    }
  };
  visit(ROOT);
  for (const subgraph of SUBGRAPH_NAMES) for (const suffix of ['PORT', 'URL']) names.add(`SUBGRAPH_${subgraph.toUpperCase()}_${suffix}`);
  return names;
}

// ---- the checks, per overlay ---------------------------------------------------------------------------------------

const SERVICES = ['gateway', ...SUBGRAPH_NAMES] as const;
const PRODUCT_VARIABLES = productVariables();
/** The HTTP drain the product allows in-flight requests (platform/http.ts `close(graceMs = …)`), in seconds. */
const HTTP_GRACE_SECONDS =
  Number(/close: \(graceMs = ([\d_]+)\)/.exec(readFileSync(path.join(ROOT, 'platform', 'http.ts'), 'utf8'))![1]!.replace(/_/g, '')) / 1000;

interface Compose {
  services: Record<string, { command?: string[]; environment?: Record<string, unknown>; env_file?: unknown }>;
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
/** Set by docker-compose.yml only: the image's HEALTHCHECK port; Kubernetes probes each container's named port instead. */
const COMPOSE_ONLY = new Set(['PORT_TO_CHECK']);

it('the product’s drain is read from platform/http.ts', () => {
  expect(HTTP_GRACE_SECONDS).toBe(10);
});

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  const objects = build(path.join(KUBERNETES, 'overlays', overlay));
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const workloads = workloadsOf(objects);
  const service = (name: string) => {
    const workload = named('Deployment', name);
    if (!workload) throw new Error(`no Deployment ${name}`);
    return workload;
  };

  it('builds objects of known kinds, each fitting its kind’s API shape, uniquely named, in the cpsd namespace', () => {
    const problems = objects.flatMap((o) => {
      const shape = KINDS[`${o.apiVersion}/${o.kind}`];
      if (!shape) return [`${o.apiVersion} ${o.kind} is not a kind this check knows`];
      return shapeProblems(o, shape, `${o.kind}/${o.metadata?.name}`);
    });
    expect(problems).toEqual([]);
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) {
      expect(o.metadata.name, o.kind).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('cpsd');
    }
  });

  it('runs the gateway, each subgraph and the delivery engine as a Deployment, and NATS JetStream as a StatefulSet', () => {
    expect(
      objects
        .filter((o) => o.kind === 'Deployment')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([...SERVICES].sort());
    const nats = named('StatefulSet', 'nats');
    expect(nats?.spec.serviceName).toBe('nats-headless');
    expect(named('Service', 'nats-headless')?.spec.clusterIP).toBe('None');
    expect(containersOf(nats!)[0]!.args).toEqual(expect.arrayContaining(['-js', '-sd']));
    for (const name of SERVICES) expect(containersOf(service(name))[0]!.args, name).toEqual([name]);
  });

  it('selects its own pods: every workload’s selector matches its template, and only its template', () => {
    for (const workload of workloads) {
      expect(selects(workload.spec.selector, podLabels(workload)), workload.metadata.name).toBe(true);
      for (const other of workloads)
        if (other !== workload)
          expect(selects(workload.spec.selector, podLabels(other)), `${workload.metadata.name} selects ${other.metadata.name}`).toBe(false);
    }
  });

  it('names every container port, and probes only ports that exist; readiness /readyz, liveness /healthz', () => {
    for (const workload of workloads) {
      for (const container of containersOf(workload)) {
        const ports = (container.ports as { name?: string; containerPort: number }[]) ?? [];
        for (const port of ports) expect(port.name, `${workload.metadata.name} port ${port.containerPort}`).toMatch(/^[a-z0-9-]{1,15}$/);
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const http = (container[probe] as { httpGet?: { port: string | number; path: string } } | undefined)?.httpGet;
          expect(http, `${workload.metadata.name} ${probe}`).toBeDefined();
          expect(
            ports.some((p) => p.name === http!.port || p.containerPort === http!.port),
            `${workload.metadata.name} ${probe} port ${http!.port}`,
          ).toBe(true);
        }
        expect(container.resources, workload.metadata.name).toMatchObject({
          requests: { cpu: expect.anything(), memory: expect.anything() },
          limits: { memory: expect.anything() },
        });
      }
    }
    for (const name of SERVICES) {
      const [container] = containersOf(service(name));
      expect((container!.readinessProbe as { httpGet: { path: string } }).httpGet.path, name).toBe('/readyz');
      expect((container!.livenessProbe as { httpGet: { path: string } }).httpGet.path, name).toBe('/healthz');
    }
  });

  it('drains as the product does: a preStop sleep, then the HTTP drain, inside the termination grace period', () => {
    for (const name of SERVICES) {
      const workload = service(name);
      const [container] = containersOf(workload);
      const command = (container!.lifecycle as { preStop: { exec: { command: string[] } } }).preStop.exec.command;
      expect(command[0], name).toBe('sleep');
      const sleep = Number(command[1]);
      expect(sleep, name).toBeGreaterThanOrEqual(3);
      // After the HTTP drain the workers, consumers and database still stop: leave them as long again.
      expect(workload.spec.template.spec.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(sleep + 2 * HTTP_GRACE_SECONDS);
    }
  });

  it('gives every Service endpoints: its selector matches some workload, its target ports exist there', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const backends = workloads.filter((w) => selects({ matchLabels: svc.spec.selector }, podLabels(w)));
      expect(backends.length, `Service ${svc.metadata.name}`).toBeGreaterThan(0);
      for (const port of svc.spec.ports as { name: string; targetPort: string | number }[]) {
        for (const backend of backends) {
          const exists = containersOf(backend).some((c) =>
            ((c.ports as { name: string; containerPort: number }[]) ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
          );
          expect(exists, `Service ${svc.metadata.name} port ${port.name} → ${backend.metadata.name}`).toBe(true);
        }
      }
    }
    // Each service is reached under its compose name, at its compose port.
    for (const name of SERVICES) expect(named('Service', name), name).toBeDefined();
  });

  it('points the gateway at the subgraphs’ Services, and the delivery engine at the gateway’s', () => {
    const config = named('ConfigMap', 'gateway-config')!.data as Record<string, string>;
    for (const subgraph of SUBGRAPH_NAMES) {
      const url = new URL(config[`SUBGRAPH_${subgraph.toUpperCase()}_URL`]!);
      expect(url.hostname).toBe(subgraph);
      expect((named('Service', subgraph)!.spec.ports as { port: number }[]).map((p) => String(p.port))).toContain(url.port);
    }
    const gatewayUrl = (named('ConfigMap', 'delivery-config')!.data as Record<string, string>).GATEWAY_URL!;
    if (gatewayUrl) expect(new URL(gatewayUrl).host).toBe(`gateway:${named('Service', 'gateway')!.spec.ports[0].port}`);
  });

  it('autoscales the gateway and the delivery engine (which then set no replicas), with a disruption budget for everything', () => {
    const autoscalers = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(autoscalers.map((a) => a.spec.scaleTargetRef.name).sort()).toEqual(['delivery', 'gateway']);
    for (const hpa of autoscalers) {
      const target = objects.find((o) => o.kind === hpa.spec.scaleTargetRef.kind && o.metadata.name === hpa.spec.scaleTargetRef.name);
      expect(target, hpa.metadata.name).toBeDefined();
      expect(hpa.spec.scaleTargetRef.apiVersion).toBe(target!.apiVersion);
      expect(target!.spec.replicas, `${hpa.metadata.name}: an HPA's target must leave replicas to it`).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    }
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const workload of workloads) {
      const covering = budgets.filter((b) => selects(b.spec.selector, podLabels(workload)));
      expect(covering.length, `PodDisruptionBudget for ${workload.metadata.name}`).toBe(1);
    }
    for (const budget of budgets)
      expect(
        workloads.some((w) => selects(budget.spec.selector, podLabels(w))),
        budget.metadata.name,
      ).toBe(true);
  });

  it('lets only the gateway reach the subgraphs, the delivery engine reach the gateway, Prometheus scrape every service', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const policy of policies) {
      const matched = workloads.filter((w) => selects(policy.spec.podSelector, podLabels(w)));
      expect(matched.length, `NetworkPolicy ${policy.metadata.name} selects no pod`).toBeGreaterThan(0);
    }
    const inNamespace = { 'kubernetes.io/metadata.name': 'cpsd' };
    const peer = (name: string): Peer => ({ labels: podLabels(workloadsOf(objects).find((w) => w.metadata.name === name)!), namespaceLabels: inNamespace });
    const stranger: Peer = { labels: { app: 'something-else' }, namespaceLabels: inNamespace };
    const prometheus: Peer = { labels: { 'app.kubernetes.io/name': 'prometheus' }, namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' } };
    const outsider: Peer = { labels: { 'app.kubernetes.io/name': 'prometheus' }, namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } };
    for (const subgraph of SUBGRAPH_NAMES) {
      expect(allowed(policies, peer('gateway'), service(subgraph), 'http'), `gateway → ${subgraph}`).toBe(true);
      expect(allowed(policies, stranger, service(subgraph), 'http'), `a stranger → ${subgraph}`).toBe(false);
      for (const other of SUBGRAPH_NAMES)
        if (other !== subgraph) expect(allowed(policies, peer(other), service(subgraph), 'http'), `${other} → ${subgraph}`).toBe(false);
    }
    expect(allowed(policies, peer('delivery'), service('gateway'), 'http')).toBe(true);
    for (const name of SERVICES) {
      expect(allowed(policies, prometheus, service(name), 'http'), `Prometheus → ${name}`).toBe(true);
      if (name !== 'gateway') expect(allowed(policies, outsider, service(name), 'http'), `another namespace → ${name}`).toBe(false);
    }
    const nats = named('StatefulSet', 'nats')!;
    for (const name of SERVICES) expect(allowed(policies, peer(name), nats, 'client'), `${name} → nats`).toBe(true);
    expect(allowed(policies, stranger, nats, 'client')).toBe(false);
  });

  it('asks Prometheus to scrape every service’s /metrics on its HTTP port', () => {
    for (const name of SERVICES) {
      const workload = service(name);
      const annotations = workload.spec.template.metadata.annotations as Record<string, string>;
      const port = (containersOf(workload)[0]!.ports as { name: string; containerPort: number }[]).find((p) => p.name === 'http')!;
      expect(annotations, name).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': '/metrics',
        'prometheus.io/port': String(port.containerPort),
      });
    }
  });

  it('configures with the product’s own variables, and hands each service only the secrets it needs', () => {
    for (const name of SERVICES) {
      const [container] = containersOf(service(name));
      const { names, secretKeys } = envOf(container!, objects);
      for (const variable of names) expect(PRODUCT_VARIABLES.has(variable), `${name}: ${variable} is not read by the product`).toBe(true);
      expect(names, name).toContain('DATABASE_URL');
      expect(names, name).toContain('METRICS_TOKEN');
      if (name === 'gateway') {
        expect(secretKeys).toContain('IDENTITY_SIGNING_KEY');
        expect(names.has('IDENTITY_VERIFICATION_KEY')).toBe(false);
      } else {
        expect(secretKeys, name).toContain('IDENTITY_VERIFICATION_KEY');
        expect(names.has('IDENTITY_SIGNING_KEY'), `${name} must never hold the key that mints identities`).toBe(false);
        expect(names, name).toContain(`SUBGRAPH_${name.toUpperCase()}_PORT`);
      }
      for (const key of ['DATABASE_URL', 'METRICS_TOKEN', 'IDENTITY_SIGNING_KEY', 'IDENTITY_VERIFICATION_KEY']) {
        if (names.has(key)) expect(secretKeys.has(key), `${name}: ${key} belongs in the Secret, not a ConfigMap`).toBe(true);
      }
    }
  });

  it('matches docker-compose.yml: the same services, the same variables for each', () => {
    const composed = Object.keys(compose.services).filter((name) => name !== 'postgres');
    expect(composed.sort()).toEqual(workloads.map((w) => w.metadata.name).sort());
    for (const name of SERVICES) {
      const [container] = containersOf(service(name));
      const { names, optionalSecrets } = envOf(container!, objects);
      const composeNames = new Set(Object.keys(compose.services[name]!.environment ?? {}).filter((n) => !COMPOSE_ONLY.has(n)));
      expect([...names].sort(), name).toEqual([...composeNames].sort());
      expect(compose.services[name]!.command, name).toEqual([name]);
      // delivery.env in compose is the optional cpsd-delivery Secret here.
      expect(optionalSecrets.length > 0, `${name}: env_file ↔ optional Secret`).toBe(compose.services[name]!.env_file !== undefined);
    }
    const natsArgs = containersOf(named('StatefulSet', 'nats')!)[0]!.args as string[];
    expect(natsArgs.slice(0, compose.services.nats!.command!.length)).toEqual(compose.services.nats!.command);
  });
});

describe('the overlays differ where they should', () => {
  const production = build(path.join(KUBERNETES, 'overlays', 'production'));
  const development = build(path.join(KUBERNETES, 'overlays', 'development'));
  const config = (objects: K8sObject[], name: string) =>
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!.data as Record<string, string>;

  it('production: NODE_ENV=production, the NATS bus, a real identity provider, a pinned image, more replicas', () => {
    expect(config(production, 'cpsd-config')).toMatchObject({ NODE_ENV: 'production', CPSD_BUS: 'nats' });
    expect(config(production, 'gateway-config').JWKS_URL).toMatch(/^https:\/\//);
    expect(config(production, 'subgraph-config').SEED_DEMO_DATA).toBe('false');
    for (const workload of workloadsOf(production).filter((w) => w.metadata.name !== 'nats')) {
      expect(containersOf(workload)[0]!.image, workload.metadata.name).toMatch(/:[0-9][\w.-]*$/);
      if (workload.spec.replicas !== undefined) expect(workload.spec.replicas, workload.metadata.name).toBeGreaterThanOrEqual(2);
    }
    const hpa = production.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'gateway')!;
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('development: the PostgreSQL bus, the demo market, the development issuer', () => {
    expect(config(development, 'cpsd-config')).toMatchObject({ NODE_ENV: 'development', CPSD_BUS: 'postgres' });
    expect(config(development, 'subgraph-config').SEED_DEMO_DATA).toBe('true');
    expect(config(development, 'gateway-config').JWKS_URL).toBe('');
  });

  it('the build refuses what it does not implement, and patches merge containers and env by name', () => {
    expect(() => build(path.join(KUBERNETES, 'no-such-overlay'))).toThrow();
    const merged = strategicMerge(
      { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }], args: ['x'] }] },
      { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }], args: ['y'] }] },
    );
    expect(merged).toEqual({
      containers: [
        {
          name: 'a',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
          args: ['y'],
        },
      ],
    });
    expect(() => strategicMerge({ a: 1 }, { $patch: 'delete' })).toThrow();
  });
});
