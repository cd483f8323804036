const normalise = (address: string) => address.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/**
 * The address a request is counted against: the socket's peer, unless that peer is one of
 * `trustedProxies`; then the nearest address in `X-Forwarded-For` (read from the right, since
 * each proxy appends) that is not a trusted proxy itself. A client can put anything in that
 * header, so it is believed only as far as trusted proxies wrote it.
 */
export function clientAddressOf(
  peer: string,
  forwardedFor: string | null,
  trustedProxies: readonly string[],
): string {
  const trusted = new Set(trustedProxies.map(normalise));
  let address = normalise(peer);
  const hops = forwardedFor?.split(',').map(normalise).filter(Boolean) ?? [];
  while (trusted.has(address) && hops.length > 0) address = hops.pop() as string;
  return address;
}
