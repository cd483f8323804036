import { Command, InvalidArgumentError } from 'commander';
import type { ControlStatus, TargetingCondition } from '$shared';
import { callServer, type FerryClient } from './client.ts';
import { connectionOf, output, withConnection } from './options.ts';
import { formatComparison } from './rollout-table.ts';
import { parseInstant } from './drift.ts';

type ConnectionOptions = { server?: string; token?: string; json?: boolean };

function percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number (0–100)');
  return n;
}

/** `--target` values: a JSON condition or array of conditions, collected; the server validates them. */
function targets(value: string, previous: unknown[] = []): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`not JSON: ${value.slice(0, 100)}`);
  }
  return [...previous, ...(Array.isArray(parsed) ? parsed : [parsed])];
}

/** One targeting condition as text, e.g. `webgpu = true`, `appVersion in >=2.3 <3`. */
function describeCondition(condition: TargetingCondition): string {
  const name = condition.attribute === 'custom' ? `custom.${condition.name}` : condition.attribute;
  if ('equals' in condition) return `${name} = ${String(condition.equals)}`;
  if ('range' in condition) return `${name} in ${condition.range}`;
  if ('includes' in condition) return `${name} has ${condition.includes.join(', ')}`;
  const parts: string[] = [];
  if ('in' in condition && condition.in) parts.push(`${name} in ${condition.in.join(', ')}`);
  if ('min' in condition && condition.min !== undefined) parts.push(`${name} >= ${condition.min}`);
  if ('max' in condition && condition.max !== undefined) parts.push(`${name} <= ${condition.max}`);
  return parts.join(' and ') || name;
}

/** The status as aligned lines: stable, rollout, blocked versions, last change, validity. */
export function formatControlStatus(status: ControlStatus): string[] {
  const { rollout } = status;
  const stable =
    status.stable === null
      ? 'none (no servable version)'
      : `${status.stable}${status.pinnedStable === status.stable ? ' (pinned)' : ' (latest)'}`;
  const rolloutLine = rollout
    ? `${rollout.candidate} to ${rollout.basisPoints / 100}% of devices` +
      (rollout.targeting.length > 0
        ? ` matching ${rollout.targeting.map(describeCondition).join('; ')}`
        : '') +
      ` (id ${rollout.id}, since ${rollout.startedAt})`
    : 'none';
  const change = status.lastChange;
  return [
    `model     ${status.model}`,
    `stable    ${stable}`,
    `rollout   ${rolloutLine}`,
    `blocked   ${status.blocked.length > 0 ? status.blocked.join(', ') : 'none'}`,
    `last      ${change.action}${change.version ? ` ${change.version}` : ''} at ${change.at}`,
    `signed    metadataVersion ${status.metadataVersion}, expires ${status.expires}`,
  ];
}

/** Runs `call` against the server and prints `headline` then the model's status (or the status as JSON). */
async function operate(
  options: ConnectionOptions,
  call: (client: FerryClient) => Promise<ControlStatus>,
  headline: (status: ControlStatus) => string,
): Promise<void> {
  const status = await callServer(connectionOf(options), call);
  output(options.json, status, () => [headline(status), ...formatControlStatus(status)]);
}

type StartOptions = ConnectionOptions & {
  percent: number;
  target?: unknown[];
  webgpu?: boolean;
  appVersion?: string;
};

/** `ferry rollout start|set|promote|rollback|status|stable` (scope: operator; status: read or operator). */
export function rolloutCommand(): Command {
  const rollout = new Command('rollout').description(
    'staged rollouts, the stable version (scope: operator; status: read or operator)',
  );
  withConnection(rollout.command('start'))
    .description('roll <candidate> out to a share of the devices (that match the targeting)')
    .argument('<model>', 'model name')
    .argument('<candidate>', 'exact version to roll out')
    .requiredOption('--percent <percent>', 'share of devices, 0–100 (two decimals at most)', percent)
    .option('--target <json>', 'a targeting condition as JSON, or an array of them (repeatable)', targets)
    .option('--webgpu', 'only devices with a usable WebGPU adapter')
    .option('--app-version <range>', "only apps whose version satisfies this semver range, e.g. '>=2.3.0 <3'")
    .action(async (model: string, candidate: string, options: StartOptions) => {
      const targeting = [
        ...(options.webgpu ? [{ attribute: 'webgpu', equals: true }] : []),
        ...(options.appVersion ? [{ attribute: 'appVersion', range: options.appVersion }] : []),
        ...(options.target ?? []),
      ] as TargetingCondition[];
      await operate(
        options,
        (client) => client.rollouts.start.mutate({ model, candidate, percent: options.percent, targeting }),
        (s) => `started rollout ${s.rollout?.id ?? ''} of ${model}@${candidate}`,
      );
    });
  withConnection(rollout.command('set'))
    .description("change the running rollout's share of devices")
    .argument('<model>', 'model name')
    .requiredOption('--percent <percent>', 'share of devices, 0–100', percent)
    .action(async (model: string, options: ConnectionOptions & { percent: number }) => {
      await operate(
        options,
        (client) => client.rollouts.setPercentage.mutate({ model, percent: options.percent }),
        (s) => `${model}: rollout of ${s.rollout?.candidate ?? '?'} now at ${options.percent}%`,
      );
    });
  withConnection(rollout.command('promote'))
    .description('the candidate becomes the pinned stable version; the rollout ends')
    .argument('<model>', 'model name')
    .action(async (model: string, options: ConnectionOptions) => {
      await operate(
        options,
        (client) => client.rollouts.promote.mutate({ model }),
        (s) => `promoted ${model}@${s.stable ?? '?'} to stable`,
      );
    });
  withConnection(rollout.command('rollback'))
    .description('the candidate is blocked and every device returns to stable; the rollout ends')
    .argument('<model>', 'model name')
    .action(async (model: string, options: ConnectionOptions) => {
      await operate(
        options,
        (client) => client.rollouts.rollback.mutate({ model }),
        (s) => `rolled ${model} back to ${s.stable ?? 'no stable version'}`,
      );
    });
  withConnection(rollout.command('status'))
    .description(
      "a model's stable version, rollout, blocked versions and signed document, and the telemetry of stable and candidate side by side",
    )
    .argument('<model>', 'model name')
    .option(
      '--since <when>',
      'telemetry from: a duration back (30m, 1h, 24h, 7d) or an ISO date-time (default: the rollout start, at most 24h back)',
      (value: string) => parseInstant(value),
    )
    .option('--until <when>', 'telemetry until (exclusive; default: now)', (value: string) =>
      parseInstant(value),
    )
    .action(async (model: string, options: ConnectionOptions & { since?: Date; until?: Date }) => {
      const range = {
        ...(options.since === undefined ? {} : { since: options.since.toISOString() }),
        ...(options.until === undefined ? {} : { until: options.until.toISOString() }),
      };
      const [status, telemetry] = await callServer(connectionOf(options), (client) =>
        Promise.all([
          client.rollouts.status.query({ model }),
          client.rollouts.compare.query({ model, ...range }),
        ]),
      );
      output(options.json, { ...status, telemetry }, () => [
        ...formatControlStatus(status),
        ...formatComparison(telemetry),
      ]);
    });
  withConnection(rollout.command('stable'))
    .description('pin the stable version (devices outside a rollout run it)')
    .argument('<model>', 'model name')
    .argument('<version>', 'exact version')
    .action(async (model: string, version: string, options: ConnectionOptions) => {
      await operate(
        options,
        (client) => client.rollouts.setStable.mutate({ model, version }),
        () => `${model}: stable is now ${version}`,
      );
    });
  return rollout;
}

const BLOCKS = [
  {
    name: 'block',
    verb: 'blocked',
    description: 'block a version: no client may run it (kill switch; scope: operator)',
  },
  { name: 'unblock', verb: 'unblocked', description: "lift a version's block (scope: operator)" },
] as const;

/** Adds `block` and `unblock` (scope: operator) to `ferry versions`. */
export function addBlockCommands(versions: Command): Command {
  for (const { name, verb, description } of BLOCKS) {
    withConnection(versions.command(name))
      .description(description)
      .argument('<model>', 'model name')
      .argument('<version>', 'exact version')
      .action(async (model: string, version: string, options: ConnectionOptions) => {
        await operate(
          options,
          (client) => client.rollouts[name].mutate({ model, version }),
          () => `${verb} ${model}@${version}`,
        );
      });
  }
  return versions;
}
