import type { z } from 'zod';

/**
 * The first issue of a zod error as `path: message`, the path dot-joined (e.g. `signature.inputs.0.type: …`);
 * `fallbackPath` stands in when the issue is about the value as a whole (empty path).
 */
export function describeIssue(error: z.ZodError, fallbackPath: string): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || fallbackPath}: ${issue?.message ?? 'invalid'}`;
}
