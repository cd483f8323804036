import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { describeIssue } from '../zod-issue.ts';
import { DriftOptions, DriftReport } from './drift.ts';
import { AnyEnvelope } from './envelope.ts';
import { BundleManifest, PublishedManifest } from './manifest.ts';
import { ReferenceProfile } from './reference-profile.ts';
import { HttpErrorBody, ModelList, PublishInput, TokenInfo, UploadResult } from './registry.ts';
import { RolloutCompareInput, RolloutComparison } from './rollout-compare.ts';
import { ControlStatus, ModelVersionInput, RolloutShareInput, RolloutStartInput } from './rollout-ops.ts';
import { SampleSet } from './samples.ts';
import { ServerInfo } from './server-info.ts';
import { TelemetryBatch } from './telemetry.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

/** The documented telemetry example (docs/http-api.md), the one a client sends. */
function telemetryExample(): unknown {
  const doc = readFileSync(path.join(root, 'docs', 'http-api.md'), 'utf8');
  const block = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)]
    .map((m) => m[1] ?? '')
    .find((text) => text.includes('"batchId"'));
  if (block === undefined) throw new Error('docs/http-api.md: no telemetry batch example');
  return JSON.parse(block);
}

/**
 * Every wire format of shared/schemas, each with a valid document where one is committed, so that
 * mutations start from realistic input rather than from noise alone.
 */
const wireSchemas: { name: string; schema: z.ZodType; valid?: () => unknown }[] = [
  { name: 'BundleManifest', schema: BundleManifest, valid: () => readJson('models/digits/ferry.json') },
  {
    name: 'ReferenceProfile',
    schema: ReferenceProfile,
    valid: () => (readJson('models/breast-cancer/ferry.json') as { reference: unknown }).reference,
  },
  { name: 'TelemetryBatch', schema: TelemetryBatch, valid: telemetryExample },
  { name: 'SampleSet', schema: SampleSet, valid: () => readJson('models/digits/samples.json') },
  { name: 'PublishedManifest', schema: PublishedManifest },
  { name: 'AnyEnvelope', schema: AnyEnvelope },
  { name: 'PublishInput', schema: PublishInput },
  { name: 'ModelList', schema: ModelList },
  { name: 'TokenInfo', schema: TokenInfo },
  { name: 'UploadResult', schema: UploadResult },
  { name: 'HttpErrorBody', schema: HttpErrorBody },
  { name: 'ServerInfo', schema: ServerInfo },
  { name: 'DriftOptions', schema: DriftOptions },
  { name: 'DriftReport', schema: DriftReport },
  {
    name: 'RolloutStartInput',
    schema: RolloutStartInput,
    valid: () => ({
      model: 'digits',
      candidate: '1.2.0',
      percent: 5,
      targeting: [
        { attribute: 'webgpu', equals: true },
        { attribute: 'appVersion', range: '>=2.3.0 <3' },
        { attribute: 'custom', name: 'plan', in: ['pro'], min: 1 },
      ],
    }),
  },
  {
    name: 'RolloutShareInput',
    schema: RolloutShareInput,
    valid: () => ({ model: 'digits', basisPoints: 2500 }),
  },
  { name: 'ModelVersionInput', schema: ModelVersionInput },
  { name: 'ControlStatus', schema: ControlStatus },
  {
    name: 'RolloutCompareInput',
    schema: RolloutCompareInput,
    valid: () => ({ model: 'digits', since: '2026-12-01T08:00:00Z', until: '2026-12-02T08:00:00.000+01:00' }),
  },
  { name: 'RolloutComparison', schema: RolloutComparison },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Step = string | number;

/** Every path into `value` (containers and leaves), the root included. */
function pathsOf(value: Json, prefix: Step[] = []): Step[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...prefix, i])));
  if (value !== null && typeof value === 'object') {
    return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])));
  }
  return here;
}

/** A copy of `value` with the node at `at` replaced by `by` (or deleted when `by` is undefined). */
function mutate(value: Json, at: Step[], by: Json | undefined): Json | undefined {
  if (at.length === 0) return by;
  const [head, ...rest] = at as [Step, ...Step[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = mutate(copy[head as number] as Json, rest, by);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  const next = mutate(copy[head as string] as Json, rest, by);
  if (next === undefined) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

/**
 * The property every schema keeps: parsing never throws, and a refusal is described as
 * `path: message` where the path is the dotted path of zod's first issue (or `input` for the
 * document as a whole) — the message an API answer carries.
 */
function expectAcceptedOrNamed(schema: z.ZodType, input: unknown): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const issue = result.error.issues[0];
  expect(issue).toBeDefined();
  const dotted = issue?.path.map(String).join('.') || 'input';
  const message = describeIssue(result.error, 'input');
  expect(message.startsWith(`${dotted}: `), message).toBe(true);
  expect(message.length).toBeGreaterThan(dotted.length + 2);
}

const jsonValue = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;

describe('every wire schema in shared/schemas', () => {
  it.each(wireSchemas)(
    '$name: random JSON is accepted or refused naming the path, never thrown',
    ({ schema }) => {
      fc.assert(
        fc.property(jsonValue, (input) => expectAcceptedOrNamed(schema, input)),
        { numRuns: 300, seed: 7 },
      );
    },
  );

  it.each(wireSchemas.filter((w) => w.valid))(
    '$name: its committed example parses, and every one-node mutation of it is accepted or refused naming the path',
    ({ schema, valid }) => {
      const example = (valid as () => unknown)() as Json;
      expect(schema.safeParse(example).success).toBe(true);
      const paths = pathsOf(example);
      const mutation = fc.record({
        at: fc.constantFrom(...paths),
        by: fc.option(jsonValue, { nil: undefined }),
      });
      fc.assert(
        fc.property(mutation, ({ at, by }) => expectAcceptedOrNamed(schema, mutate(example, at, by))),
        { numRuns: 400, seed: 11 },
      );
    },
  );
});
