import { BUCKETS } from '$shared/schemas/control.ts';

/** The device id: 128 random bits as 32 lowercase hex digits. */
export type DeviceId = string;

/** A fresh device id from `crypto.getRandomValues` (128 bits, so collisions never matter). */
export function newDeviceId(): DeviceId {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The device's bucket in `[0, BUCKETS)` for one rollout: SHA-1 of `model.salt.deviceId` (the
 * LaunchDarkly SDKs hash `flagKey.salt.userKey` with SHA-1), the first 64 bits read big-endian,
 * mod 10,000. WebCrypto does the hashing, so the SDK ships no hash code. The bias of a 64-bit
 * value mod 10,000 is below 1e-15. Pure and deterministic: the same inputs give the same bucket on
 * every reload, and a new salt (a new rollout) samples devices afresh.
 */
export async function bucketOf(deviceId: DeviceId, model: string, salt: string): Promise<number> {
  const input = new TextEncoder().encode(`${model}.${salt}.${deviceId}`);
  const digest = new DataView(await crypto.subtle.digest('SHA-1', input));
  return Number(digest.getBigUint64(0) % BigInt(BUCKETS));
}
