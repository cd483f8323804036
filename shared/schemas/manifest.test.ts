import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue } from '../zod-issue.ts';
import { BundleSource, Preprocessing } from './manifest.ts';

// BundleSource sits at `source` in a manifest; the wrapper gives issues that path.
const WithSource = z.object({ source: BundleSource });
const source = (url: string) => ({ source: { description: 'where it came from', url } });

describe('BundleSource.url', () => {
  it('accepts http and https URLs', () => {
    expect(WithSource.safeParse(source('https://example.org/model')).success).toBe(true);
    expect(WithSource.safeParse(source('http://example.org/')).success).toBe(true);
  });

  it('refuses javascript:, data:, file: and other schemes with a message naming source.url', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'ftp://example.org/x',
    ]) {
      const parsed = WithSource.safeParse(source(url));
      expect(parsed.success, url).toBe(false);
      if (!parsed.success)
        expect(describeIssue(parsed.error, 'manifest'), url).toMatch(/^source\.url: .*http/);
    }
  });
});

describe('Preprocessing image: resize, dynamic sides, pad', () => {
  const WithPre = z.object({ preprocessing: Preprocessing });
  const recogniser = {
    kind: 'image',
    input: 'x',
    height: 48,
    width: 320,
    dynamic: { width: { multipleOf: 8 } },
    resize: 'contain',
    pad: 0,
    channels: 3,
    scale: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  };
  const issue = (preprocessing: unknown) => {
    const parsed = WithPre.safeParse({ preprocessing });
    return parsed.success ? undefined : describeIssue(parsed.error, 'manifest');
  };

  it('accepts a variable-width recogniser and defaults older manifests to stretch with pad 0', () => {
    expect(issue(recogniser)).toBeUndefined();
    const older = WithPre.parse({
      preprocessing: { kind: 'image', input: 'x', width: 8, height: 8, channels: 1 },
    }).preprocessing;
    expect(older).toMatchObject({ resize: 'stretch', pad: 0 });
    expect(older).not.toHaveProperty('dynamic');
  });

  it('refuses a maximum that is not a multiple of its dynamic side, naming the field', () => {
    expect(issue({ ...recogniser, width: 300 })).toBe(
      'preprocessing.width: 300 must be a multiple of dynamic.width.multipleOf (8), the largest width the tensor may take',
    );
    expect(issue({ ...recogniser, dynamic: { height: { multipleOf: 32 } } })).toMatch(
      /^preprocessing\.height: 48 must be a multiple/,
    );
  });

  it('refuses an unknown resize mode and a multiple that is not a positive integer, naming the field', () => {
    expect(issue({ ...recogniser, resize: 'fit' })).toMatch(/^preprocessing\.resize: /);
    expect(issue({ ...recogniser, dynamic: { width: { multipleOf: 0 } } })).toMatch(
      /^preprocessing\.dynamic\.width\.multipleOf: /,
    );
    expect(issue({ ...recogniser, dynamic: { width: 8 } })).toMatch(/^preprocessing\.dynamic\.width: /);
  });
});
