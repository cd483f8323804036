import { afterEach, describe, expect, it } from 'vitest';
import {
  CONSENT_KEY,
  DEFAULT_CONSENT,
  onConsentStored,
  readConsent,
  writeConsent,
  type ConsentStorage,
} from './consent';

/** Web Storage's getItem/setItem over a Map, as a page's localStorage behaves for one origin. */
function memoryStorage(): ConsentStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/** Storage whose every call fails, as a browser that blocks site data, or one that is full. */
const failing: ConsentStorage = {
  getItem: () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  setItem: () => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  },
};

/** Puts `get` in place of globalThis.localStorage until the test ends (Node has none of its own). */
function defineLocalStorage(get: () => ConsentStorage): void {
  Object.defineProperty(globalThis, 'localStorage', { get, configurable: true });
}
afterEach(() => {
  Reflect.deleteProperty(globalThis, 'localStorage');
});

describe('the demo’s stored telemetry choice', () => {
  it('shares on a first visit', () => {
    expect(DEFAULT_CONSENT).toBe(true);
    expect(readConsent(memoryStorage())).toBe(true);
  });

  it('remembers off and on again', () => {
    const storage = memoryStorage();
    writeConsent(false, storage);
    expect(readConsent(storage)).toBe(false);
    expect(storage.items.get(CONSENT_KEY)).toBe('off');
    writeConsent(true, storage);
    expect(readConsent(storage)).toBe(true);
  });

  it('gives the default for anything it did not write', () => {
    const storage = memoryStorage();
    for (const garbage of ['false', 'OFF', '0', '', ' off', '{"share":false}', 'null']) {
      storage.setItem(CONSENT_KEY, garbage);
      expect(readConsent(storage), JSON.stringify(garbage)).toBe(DEFAULT_CONSENT);
    }
  });

  it('gives the default and does not throw without storage, or when storage refuses', () => {
    expect(readConsent(null)).toBe(DEFAULT_CONSENT);
    expect(() => writeConsent(false, null)).not.toThrow();
    expect(readConsent(failing)).toBe(DEFAULT_CONSENT);
    expect(() => writeConsent(false, failing)).not.toThrow();
  });

  it('uses this device’s localStorage when none is given', () => {
    const storage = memoryStorage();
    defineLocalStorage(() => storage);
    writeConsent(false);
    expect(storage.items.get(CONSENT_KEY)).toBe('off');
    expect(readConsent()).toBe(false);
  });

  it('gives the default when reading localStorage itself throws (site data blocked) or it is absent', () => {
    expect(readConsent()).toBe(DEFAULT_CONSENT); // Node: no localStorage at all
    expect(() => writeConsent(false)).not.toThrow();
    defineLocalStorage(() => {
      throw new DOMException('Access is denied for this document.', 'SecurityError');
    });
    expect(readConsent()).toBe(DEFAULT_CONSENT);
    expect(() => writeConsent(false)).not.toThrow();
  });
});

describe('a choice stored by another tab', () => {
  /** The `storage` event a browser fires in the other tabs of the origin when one writes. */
  const stored = (key: string | null, newValue: string | null) =>
    Object.assign(new Event('storage'), { key, newValue });

  it('reaches the listener until it unsubscribes, and nothing but a choice does', () => {
    const tabs = new EventTarget();
    const heard: boolean[] = [];
    const stop = onConsentStored((share) => heard.push(share), tabs);
    tabs.dispatchEvent(stored(CONSENT_KEY, 'off'));
    tabs.dispatchEvent(stored('another-key', 'on'));
    tabs.dispatchEvent(stored(CONSENT_KEY, null)); // removed there: not a choice to share
    tabs.dispatchEvent(stored(null, null)); // localStorage.clear() there
    tabs.dispatchEvent(stored(CONSENT_KEY, 'garbage'));
    tabs.dispatchEvent(stored(CONSENT_KEY, 'on'));
    stop();
    tabs.dispatchEvent(stored(CONSENT_KEY, 'off'));
    expect(heard).toEqual([false, true]);
  });
});
