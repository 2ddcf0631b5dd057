// The resources folder a run's sidecars load: the exercise's component, subscription and
// resiliency YAML, validated first (daprd silently skips a file with an unknown apiVersion, which
// is the mistake learners make most) and with the run's own broker address filled in.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { LearnerCodeError } from './errors.js';

export interface ResourceDoc {
  /** File it came from, relative to the exercise, for messages. */
  file: string;
  doc: Record<string, unknown>;
}

const API_VERSIONS: Record<string, string[]> = {
  Component: ['dapr.io/v1alpha1'],
  Subscription: ['dapr.io/v1alpha1', 'dapr.io/v2alpha1'],
  Resiliency: ['dapr.io/v1alpha1'],
  Configuration: ['dapr.io/v1alpha1'],
  HTTPEndpoint: ['dapr.io/v1alpha1'],
};

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'scopes', 'auth']);
const COMPONENT_SPEC = new Set(['type', 'version', 'metadata', 'ignoreErrors', 'initTimeout']);
const SUBSCRIPTION_SPEC: Record<string, Set<string>> = {
  'dapr.io/v1alpha1': new Set(['pubsubname', 'topic', 'route', 'metadata', 'deadLetterTopic', 'bulkSubscribe']),
  'dapr.io/v2alpha1': new Set(['pubsubname', 'topic', 'routes', 'metadata', 'deadLetterTopic', 'bulkSubscribe']),
};

/** Reads every .yaml/.yml file of a folder (multi-document files too) and validates each resource. */
export function readResources(dir: string, shownAs = 'resources'): ResourceDoc[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) => parseResources(readFileSync(path.join(dir, f), 'utf8'), `${shownAs}/${f}`));
}

export function parseResources(text: string, file: string): ResourceDoc[] {
  const docs = parseAllDocuments(text);
  const out: ResourceDoc[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length > 0) {
      const e = d.errors[0]!;
      const line = e.linePos?.[0]?.line;
      throw new LearnerCodeError(`${file}${line ? ` line ${line}` : ''}: this is not valid YAML (${e.message.split('\n')[0]}).`);
    }
    const value = d.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new LearnerCodeError(`${file}: expected a Dapr resource (apiVersion, kind, metadata, spec).`);
    }
    const doc = value as Record<string, unknown>;
    validate(doc, file);
    out.push({ file, doc });
  }
  return out;
}

function validate(doc: Record<string, unknown>, file: string): void {
  const fail = (problem: string): never => {
    throw new LearnerCodeError(`${file}: ${problem}`);
  };
  const kind = doc.kind;
  if (typeof kind !== 'string') fail('`kind` is missing (Component, Subscription or Resiliency).');
  const versions = API_VERSIONS[kind as string];
  if (!versions) fail(`kind \`${String(kind)}\` is not a Dapr resource this course uses (Component, Subscription, Resiliency).`);
  if (!versions!.includes(doc.apiVersion as string)) {
    fail(
      `apiVersion \`${String(doc.apiVersion)}\` is not one daprd loads for a ${kind}; use ${versions!.map((v) => `\`${v}\``).join(' or ')}. ` +
        'daprd skips such a file without an error, so the resource would silently not exist.',
    );
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key)) fail(`unknown top-level field \`${key}\`.`);
  }
  const metadata = doc.metadata as Record<string, unknown> | undefined;
  if (!metadata || typeof metadata.name !== 'string' || !metadata.name) fail('`metadata.name` is missing.');
  if (doc.scopes !== undefined && !(Array.isArray(doc.scopes) && doc.scopes.every((s) => typeof s === 'string'))) {
    fail('`scopes` must be a list of app-ids.');
  }
  const spec = doc.spec as Record<string, unknown> | undefined;
  if (kind === 'Component') {
    if (!spec || typeof spec.type !== 'string') fail('`spec.type` is missing (e.g. pubsub.redis).');
    if (typeof spec!.version !== 'string') fail('`spec.version` is missing (e.g. v1).');
    for (const key of Object.keys(spec!)) {
      if (!COMPONENT_SPEC.has(key)) {
        fail(`unknown field \`spec.${key}\`${key === 'scopes' ? ': `scopes` goes at the top level, beside `spec`' : ''}.`);
      }
    }
    const items = spec!.metadata ?? [];
    if (!Array.isArray(items)) fail('`spec.metadata` must be a list of `- name: ... value: ...` entries.');
    (items as unknown[]).forEach((item, i) => {
      const entry = item as Record<string, unknown>;
      if (!entry || typeof entry.name !== 'string') fail(`\`spec.metadata[${i}]\` needs a \`name\`.`);
      if (entry.value === undefined && entry.secretKeyRef === undefined) fail(`\`spec.metadata[${i}]\` (${String(entry.name)}) needs a \`value\`.`);
    });
  }
  if (kind === 'Resiliency') validateResiliency(spec, fail);
  if (kind === 'Subscription') {
    const allowed = SUBSCRIPTION_SPEC[doc.apiVersion as string]!;
    if (!spec) fail('`spec` is missing.');
    for (const key of Object.keys(spec!)) {
      if (!allowed.has(key)) {
        const why =
          key === 'scopes'
            ? ': `scopes` goes at the top level, beside `spec`'
            : key === 'rules' || (key === 'routes' && doc.apiVersion === 'dapr.io/v1alpha1')
              ? ': routing rules need `apiVersion: dapr.io/v2alpha1` and go under `spec.routes.rules`'
              : key === 'route' && doc.apiVersion === 'dapr.io/v2alpha1'
                ? ': in v2alpha1 use `spec.routes.default`'
                : '';
        fail(`unknown field \`spec.${key}\`${why}.`);
      }
    }
    if (typeof spec!.pubsubname !== 'string') fail('`spec.pubsubname` is missing.');
    if (typeof spec!.topic !== 'string') fail('`spec.topic` is missing.');
    if (doc.apiVersion === 'dapr.io/v1alpha1' && typeof spec!.route !== 'string') fail('`spec.route` is missing.');
    if (doc.apiVersion === 'dapr.io/v2alpha1') {
      const routes = spec!.routes as Record<string, unknown> | undefined;
      if (!routes || typeof routes !== 'object') fail('`spec.routes` is missing (`rules` and `default`).');
      for (const key of Object.keys(routes!)) {
        if (key !== 'rules' && key !== 'default') fail(`unknown field \`spec.routes.${key}\`.`);
      }
      const rules = routes!.rules ?? [];
      if (!Array.isArray(rules)) fail('`spec.routes.rules` must be a list of `- match: ... path: ...`.');
      (rules as Record<string, unknown>[]).forEach((rule, i) => {
        if (typeof rule?.match !== 'string' || typeof rule?.path !== 'string') {
          fail(`\`spec.routes.rules[${i}]\` needs both \`match\` (a CEL expression) and \`path\`.`);
        }
      });
    }
  }
}

const RETRY_FIELDS = new Set(['policy', 'duration', 'maxInterval', 'maxRetries', 'matching']);
const BREAKER_FIELDS = new Set(['maxRequests', 'interval', 'timeout', 'trip']);
const TARGET_FIELDS = new Set(['retry', 'timeout', 'circuitBreaker']);

/** daprd ignores unknown fields in a Resiliency, so a typo silently changes the policy. */
function validateResiliency(spec: Record<string, unknown> | undefined, fail: (problem: string) => never): void {
  if (!spec) fail('`spec` is missing (policies and targets).');
  const known = (obj: unknown, allowed: Set<string>, where: string) => {
    if (!obj || typeof obj !== 'object') return;
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) fail(`unknown field \`${where}.${key}\` (known: ${[...allowed].join(', ')}); daprd would ignore it.`);
    }
  };
  known(spec, new Set(['policies', 'targets']), 'spec');
  const policies = (spec!.policies ?? {}) as Record<string, Record<string, unknown> | undefined>;
  known(policies, new Set(['retries', 'timeouts', 'circuitBreakers']), 'spec.policies');
  for (const [name, retry] of Object.entries(policies.retries ?? {})) known(retry, RETRY_FIELDS, `spec.policies.retries.${name}`);
  for (const [name, breaker] of Object.entries(policies.circuitBreakers ?? {})) known(breaker, BREAKER_FIELDS, `spec.policies.circuitBreakers.${name}`);
  const targets = (spec!.targets ?? {}) as Record<string, Record<string, Record<string, unknown>> | undefined>;
  known(targets, new Set(['apps', 'actors', 'components']), 'spec.targets');
  for (const [name, target] of Object.entries(targets.components ?? {})) {
    known(target, new Set(['inbound', 'outbound']), `spec.targets.components.${name}`);
    for (const direction of ['inbound', 'outbound']) {
      const t = (target as Record<string, unknown>)[direction];
      known(t, TARGET_FIELDS, `spec.targets.components.${name}.${direction}`);
      for (const [field, policy] of Object.entries((t ?? {}) as Record<string, unknown>)) {
        const table = field === 'retry' ? policies.retries : field === 'timeout' ? policies.timeouts : policies.circuitBreakers;
        if (typeof policy === 'string' && !(table && policy in table)) {
          fail(`\`spec.targets.components.${name}.${direction}.${field}\` names the policy \`${policy}\`, which is not defined under spec.policies.`);
        }
      }
    }
  }
}

export interface BrokerAddresses {
  /** 127.0.0.1:port of the run's own Redis. */
  redis?: string;
}

const REDIS_TYPES = new Set(['pubsub.redis', 'state.redis', 'lock.redis', 'configuration.redis']);

/** Points every Redis-backed component at the run's own Redis. */
export function fillBrokerAddresses(docs: ResourceDoc[], brokers: BrokerAddresses): ResourceDoc[] {
  return docs.map(({ file, doc }) => {
    const spec = doc.spec as { type?: string; metadata?: { name: string; value?: unknown }[] } | undefined;
    if (doc.kind !== 'Component' || !spec?.type || !REDIS_TYPES.has(spec.type) || !brokers.redis) return { file, doc };
    const metadata = (spec.metadata ?? []).filter((m) => m.name !== 'redisHost');
    metadata.unshift({ name: 'redisHost', value: brokers.redis });
    return { file, doc: { ...doc, spec: { ...spec, metadata } } };
  });
}

/** Writes one file per resource into `dir` (created). */
export function writeResources(dir: string, docs: ResourceDoc[]): void {
  mkdirSync(dir, { recursive: true });
  docs.forEach(({ doc }, i) => {
    const name = String((doc.metadata as { name: string }).name);
    writeFileSync(path.join(dir, `${String(i).padStart(2, '0')}-${String(doc.kind).toLowerCase()}-${name}.yaml`), stringify(doc));
  });
}

/** Names of the pubsub components, for messages and readiness checks. */
export function pubsubNames(docs: ResourceDoc[]): string[] {
  return docs
    .filter(({ doc }) => doc.kind === 'Component' && String((doc.spec as { type?: string })?.type ?? '').startsWith('pubsub.'))
    .map(({ doc }) => String((doc.metadata as { name: string }).name));
}
