import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:3000, ./data and the repository models folder', () => {
    const config = loadConfig({ FERRY_ROOT: '/srv/ferry' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, dataDir: '/srv/ferry/data' });
    expect(config.modelsDir).toBe(path.join('/srv/ferry', 'models'));
    expect(config.uploadIdleTimeoutMs).toBe(30_000);
  });

  it('disables example publishing with an empty FERRY_MODELS_DIR and splits allowed origins', () => {
    const config = loadConfig({
      FERRY_MODELS_DIR: '',
      FERRY_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.modelsDir).toBeNull();
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^PORT: /);
    expect(() => loadConfig({ FERRY_MAX_FILE_BYTES: '-1' })).toThrow(/^FERRY_MAX_FILE_BYTES: /);
    expect(() => loadConfig({ FERRY_UPLOAD_IDLE_TIMEOUT_MS: '0' })).toThrow(
      /^FERRY_UPLOAD_IDLE_TIMEOUT_MS: /,
    );
  });
});
