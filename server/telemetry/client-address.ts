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
  return clientAddresses(trustedProxies)(peer, forwardedFor);
}

/**
 * {@link clientAddressOf} for one list of `trustedProxies`, normalised once: the ingest route asks
 * on every request, nearly always for the same peer, whose normal form it then remembers.
 */
export function clientAddresses(
  trustedProxies: readonly string[],
): (peer: string, forwardedFor: string | null) => string {
  const trusted = new Set(trustedProxies.map(normalise));
  let lastPeer = '';
  let lastAddress = '';
  return (peer, forwardedFor) => {
    if (peer !== lastPeer) {
      lastAddress = normalise(peer);
      lastPeer = peer;
    }
    let address = lastAddress;
    if (!trusted.has(address)) return address;
    const hops = forwardedFor?.split(',').map(normalise).filter(Boolean) ?? [];
    while (trusted.has(address) && hops.length > 0) address = hops.pop() as string;
    return address;
  };
}
