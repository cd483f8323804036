/** Where the demo keeps the visitor's telemetry choice on this device. */
export const CONSENT_KEY = 'ferry-demo:telemetry-consent';

/**
 * A first visit shares: the demo exists to show telemetry at work, and says so next to the
 * switch. A product's own banner would usually start from "not shared".
 */
export const DEFAULT_CONSENT = true;

/** The part of the Web Storage API the choice needs. */
export type ConsentStorage = Pick<Storage, 'getItem' | 'setItem'>;

const STORED = { on: 'on', off: 'off' } as const;

/**
 * This device's localStorage, or null where there is none: reading `localStorage` throws a
 * SecurityError when the browser blocks site data, and it is absent outside a window.
 */
function deviceStorage(): ConsentStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * The visitor's stored choice: true to share, false when they turned it off. Never throws:
 * storage that is missing, blocked or holds anything but a value this module wrote gives
 * {@link DEFAULT_CONSENT}.
 */
export function readConsent(storage: ConsentStorage | null = deviceStorage()): boolean {
  try {
    return parse(storage?.getItem(CONSENT_KEY)) ?? DEFAULT_CONSENT;
  } catch {
    return DEFAULT_CONSENT; // blocked between the lookup and the read
  }
}

/** A value this module wrote, else null. */
function parse(stored: string | null | undefined): boolean | null {
  if (stored === STORED.on) return true;
  if (stored === STORED.off) return false;
  return null;
}

/**
 * Calls `listener` with the choice another tab of this origin stores (the `storage` event fires
 * only in the other tabs); returns the unsubscribe. A choice removed or cleared there calls
 * nothing: a page that is running keeps sharing only as the visitor last said, never turned on
 * by a default.
 */
export function onConsentStored(
  listener: (share: boolean) => void,
  target: Pick<Window, 'addEventListener' | 'removeEventListener'> = globalThis,
): () => void {
  const onStorage = (event: Pick<StorageEvent, 'key' | 'newValue'>) => {
    if (event.key !== CONSENT_KEY) return;
    const share = parse(event.newValue);
    if (share !== null) listener(share);
  };
  target.addEventListener('storage', onStorage);
  return () => target.removeEventListener('storage', onStorage);
}

/**
 * Remembers the visitor's choice on this device. Never throws: where storage is missing, blocked
 * or full the choice holds for this page only, and the next visit starts from the default.
 */
export function writeConsent(share: boolean, storage: ConsentStorage | null = deviceStorage()): void {
  try {
    storage?.setItem(CONSENT_KEY, share ? STORED.on : STORED.off);
  } catch {
    // QuotaExceededError or a SecurityError: nothing to remember it in.
  }
}
