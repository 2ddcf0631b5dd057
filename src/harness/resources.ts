// The resources folder a run's sidecars load: the exercise's component, subscription and
// resiliency YAML, validated first (daprd silently skips a file with an unknown apiVersion, which
// is the mistake learners make most) and with the run's own broker address filled in.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify, type YAMLError } from 'yaml';
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
  return files.flatMap((f) => {
    const full = path.join(dir, f);
    // Checked before reading: parsing megabytes of YAML takes longer than a check may.
    const { size } = statSync(full);
    if (size > MAX_RESOURCE_BYTES) throw new LearnerCodeError(messages.tooBig(`${shownAs}/${f}`, size, readFileSync(full, 'utf8')));
    return parseResources(readFileSync(full, 'utf8'), `${shownAs}/${f}`);
  });
}

/** Course resources are a few kilobytes; a file 100 times that was pasted into by mistake. */
export const MAX_RESOURCE_BYTES = 256 * 1024;

export function parseResources(text: string, file: string): ResourceDoc[] {
  if (Buffer.byteLength(text) > MAX_RESOURCE_BYTES) throw new LearnerCodeError(messages.tooBig(file, Buffer.byteLength(text), text));
  const docs = parseAllDocuments(text);
  const out: ResourceDoc[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length > 0) throw new LearnerCodeError(yamlErrorMessage(text, file, d.errors[0]!));
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

/**
 * Where a YAML mistake is, exactly, with the line shown. The parser names the line above the
 * mistake when a line is indented deeper than a `key: value` line: to YAML, that reads as the
 * value going on, and the trouble only shows at the colon of the next line.
 */
function yamlErrorMessage(text: string, file: string, error: YAMLError): string {
  const lines = text.split(/\r?\n/);
  let line = error.linePos?.[0]?.line ?? 1;
  let column = error.linePos?.[0]?.col ?? 1;
  let problem = plainYamlProblem(error, lines[line - 1] ?? '');
  const next = nextContentLine(lines, line, 1);
  const before = nextContentLine(lines, line, -1);
  const indent = (n: number | undefined) => (n === undefined ? -1 : indentOf(lines[n - 1]!));
  const valueGoesOn = error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY';
  if (valueGoesOn && next !== undefined && indent(next) > indent(line) && HAS_VALUE.test(lines[line - 1]!)) {
    if (indent(before) === indent(next) && indent(line) < indent(before)) {
      // This line is the odd one out between two lines that line up: it is the one to move.
      problem = messages.indentedLess(before!, next);
      column = indent(line) + 1;
    } else {
      problem = messages.indentedUnderValue(line, lines[line - 1]!.trim());
      line = next;
      column = indent(next) + 1;
    }
  }
  const shown = lines[line - 1] ?? '';
  // The parser points at column 1 for a line that is wrongly indented: point at its first
  // character (but at the tab itself, when a tab is the mistake).
  if (column === 1 && error.code !== 'TAB_AS_INDENT') column = indentOf(shown) + 1;
  const gutter = ' '.repeat(String(line).length);
  // Tabs kept under the caret, so that it lines up in a terminal.
  const caret = `${shown.slice(0, column - 1).replace(/[^\t]/g, ' ')}^`;
  return `${file} line ${line} is not valid YAML: ${problem}\n${line} | ${shown}\n${gutter} | ${caret}`;
}

/** `key: value` or `- key: value` (a value on the line, not a block that follows). */
const HAS_VALUE = /^\s*(- +)?[^\s#:][^:]*:\s+[^\s#|>]/;

function plainYamlProblem(error: YAMLError, line: string): string {
  if (error.code === 'TAB_AS_INDENT') return messages.tab;
  if (error.code === 'MULTILINE_IMPLICIT_KEY' && /^\s*(- +)?[\w.-]+:[^\s]/.test(line)) return messages.colonSpace;
  if (error.code === 'BAD_INDENT' || /without - indicator/.test(error.message)) return messages.notLinedUp;
  if (error.code === 'BLOCK_AS_IMPLICIT_KEY') return /^\s*- /.test(line) ? messages.itemNotLinedUp : messages.quoteColon;
  const words = error.message.split(' at line ')[0]!.split('\n')[0]!;
  return `${words.charAt(0).toLowerCase()}${words.slice(1)}.`;
}

/** The nearest line after (`step` 1) or before (-1) line `from` that is neither blank nor a comment. */
function nextContentLine(lines: string[], from: number, step: 1 | -1): number | undefined {
  for (let i = from - 1 + step; i >= 0 && i < lines.length; i += step) {
    if (lines[i]!.trim() !== '' && !lines[i]!.trim().startsWith('#')) return i + 1;
  }
  return undefined;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
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
      // A rule without `match` matches every event (daprd's CreateRoutingRule leaves it empty).
      (rules as Record<string, unknown>[]).forEach((rule, i) => {
        if (typeof rule?.path !== 'string') fail(`\`spec.routes.rules[${i}]\` needs a \`path\`, where the events it matches go.`);
        if (rule.match !== undefined && rule.match !== null && typeof rule.match !== 'string') {
          fail(`\`spec.routes.rules[${i}].match\` must be a CEL expression as text (quote it: \`match: '${String(rule.match)}'\`).`);
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

/**
 * Points every Redis-backed component at the run's own Redis, in place of the standard local
 * address (`localhost:6379`, where `dapr init` starts Redis, and what the tasks ask for). Any
 * other address is the learner's to get right: it is reported, not silently replaced.
 */
export function fillBrokerAddresses(docs: ResourceDoc[], brokers: BrokerAddresses): ResourceDoc[] {
  if (!brokers.redis) return docs;
  checkRedisAddresses(docs);
  return docs.map(({ file, doc }) => {
    const spec = redisSpec(doc);
    if (!spec) return { file, doc };
    const metadata = (spec.metadata ?? []).filter((m) => m.name !== 'redisHost' && m.name !== 'redisPort');
    metadata.unshift({ name: 'redisHost', value: brokers.redis });
    return { file, doc: { ...doc, spec: { ...spec, metadata } } };
  });
}

/** Throws, naming the file and the value, for a Redis component that is not at the standard local address. */
export function checkRedisAddresses(docs: ResourceDoc[]): void {
  for (const { file, doc } of docs) {
    const entries = redisSpec(doc)?.metadata;
    if (!entries) continue;
    const host = entries.find((m) => m.name === 'redisHost')?.value;
    const port = entries.find((m) => m.name === 'redisPort')?.value;
    if (!isStandardLocalRedis(host, port)) {
      throw new LearnerCodeError(messages.redisHost(file, String((doc.metadata as { name: string }).name), host, port));
    }
  }
}

type RedisSpec = { type: string; metadata?: { name: string; value?: unknown }[] };

function redisSpec(doc: Record<string, unknown>): RedisSpec | undefined {
  const spec = doc.spec as Partial<RedisSpec> | undefined;
  return doc.kind === 'Component' && spec?.type && REDIS_TYPES.has(spec.type) ? (spec as RedisSpec) : undefined;
}

/**
 * `localhost:6379` in any of the forms daprd reads as it: 127.0.0.1 or ::1 for localhost, the port
 * left out (daprd adds 6379) or given as `redisPort`, or no redisHost at all (the Redis client's
 * default is localhost:6379).
 */
function isStandardLocalRedis(host: unknown, port: unknown): boolean {
  if (host === undefined || host === '') return port === undefined || String(port) === '6379';
  const match = /^(?:(?:localhost|127\.0\.0\.1|\[::1\])(?::(\d+))?|::1)$/.exec(String(host).trim());
  if (!match) return false;
  const effectivePort = match[1] ?? (port === undefined ? '6379' : String(port));
  return effectivePort === '6379' && (port === undefined || String(port) === '6379');
}

/** Writes one file per resource into `dir` (created). */
export function writeResources(dir: string, docs: ResourceDoc[]): void {
  mkdirSync(dir, { recursive: true });
  docs.forEach(({ doc }, i) => {
    const name = String((doc.metadata as { name: string }).name);
    writeFileSync(path.join(dir, `${String(i).padStart(2, '0')}-${String(doc.kind).toLowerCase()}-${name}.yaml`), stringify(doc));
  });
}

/** The file a component comes from, for messages. */
export function componentFile(docs: ResourceDoc[], component: string): string | undefined {
  return docs.find(({ doc }) => (doc.metadata as { name?: string } | undefined)?.name === component)?.file;
}

/** Names of the pubsub components, for messages and readiness checks. */
export function pubsubNames(docs: ResourceDoc[]): string[] {
  return docs
    .filter(({ doc }) => doc.kind === 'Component' && String((doc.spec as { type?: string })?.type ?? '').startsWith('pubsub.'))
    .map(({ doc }) => String((doc.metadata as { name: string }).name));
}

const LOOPBACK_HOST = /(^|[/@])(localhost|127\.0\.0\.1)(?::(\d+))?(?=[/?]|$)/g;

/** The ports of the addresses on this machine's loopback that components name (Redis, RabbitMQ...). */
export function loopbackPorts(docs: ResourceDoc[]): number[] {
  const ports = new Set<number>();
  for (const value of componentValues(docs)) {
    for (const match of value.matchAll(LOOPBACK_HOST)) if (match[3]) ports.add(Number(match[3]));
  }
  return [...ports];
}

/**
 * For daprd in a bridged container, where `localhost` is the container itself: every component
 * address on this machine's loopback (`localhost:6379`, `amqp://guest:guest@localhost:5672`)
 * pointed at `host`, with its port as `ports` maps it (the port a relay listens on).
 */
export function pointLoopbackAt(docs: ResourceDoc[], host: string, ports: Map<number, number>): ResourceDoc[] {
  return docs.map(({ file, doc }) => {
    const spec = doc.spec as { metadata?: { name: string; value?: unknown }[] } | undefined;
    if (doc.kind !== 'Component' || !spec?.metadata) return { file, doc };
    const metadata = spec.metadata.map((m) =>
      typeof m.value !== 'string'
        ? m
        : {
            ...m,
            value: m.value.replace(LOOPBACK_HOST, (_match, before: string, _loopback: string, port: string | undefined) =>
              port ? `${before}${host}:${ports.get(Number(port)) ?? port}` : `${before}${host}`,
            ),
          },
    );
    return { file, doc: { ...doc, spec: { ...spec, metadata } } };
  });
}

function componentValues(docs: ResourceDoc[]): string[] {
  return docs
    .filter(({ doc }) => doc.kind === 'Component')
    .flatMap(({ doc }) => ((doc.spec as { metadata?: { value?: unknown }[] } | undefined)?.metadata ?? []).map((m) => m.value))
    .filter((value): value is string => typeof value === 'string');
}
const messages = {
  tooBig: (file: string, bytes: number, text: string) =>
    `${file} is ${(bytes / 1024 / 1024).toFixed(1)} MB, with ${(text.match(/^[ \t]*- name:/gm) ?? []).length.toLocaleString('en')} \`- name:\` entries. ` +
    `A Dapr resource is a few kilobytes; this one is too big to load (the limit is ${MAX_RESOURCE_BYTES / 1024} KB). ` +
    'Look for something pasted into it by mistake.',
  redisHost: (file: string, component: string, host: unknown, port: unknown) =>
    `${file}: component \`${component}\` has \`redisHost: ${String(host)}\`${port === undefined ? '' : ` and \`redisPort: ${String(port)}\``}, ` +
    'but Redis runs at `localhost:6379` (where `dapr init` starts it, and what the task asks for). ' +
    '`course check` stands a Redis of its own in for `localhost:6379`, and for no other address: put that address back.',
  tab: 'a tab indents this line; YAML indents with spaces only.',
  notLinedUp: 'this line does not line up with the lines it belongs with.',
  itemNotLinedUp: 'this `- ` item does not line up with the other items of its list.',
  quoteColon: 'a value holds `: `, which YAML reads as another key: put the value in quotes.',
  colonSpace: 'a key needs a space after its colon (`key: value`).',
  indentedLess: (before: number, after: number) =>
    `this line is indented less than lines ${before} and ${after} around it, so it ends the block they are in. ` +
    'Line it up with them.',
  indentedUnderValue: (above: number, text: string) =>
    `this line is indented deeper than line ${above} (\`${text}\`), which already has its value. ` +
    'Line it up with the keys it belongs with.',
};
