import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue } from '../zod-issue.ts';
import { BundleSource } from './manifest.ts';

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
