/** The part of `document` this module needs; the client's typings are the worker's, without DOM. */
interface PageLike {
  readonly visibilityState: string;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Calls `onHide` when the page becomes hidden (tab switched, minimised, navigating away) and on
 * `pagehide` (unload, back/forward cache): the last moments a page is sure to run code, which
 * mobile browsers may not follow with `unload` (web.dev, "Page Lifecycle API"). Returns the
 * function that stops listening; does nothing outside a page.
 */
export function onPageHide(onHide: () => void): () => void {
  const page = (globalThis as { document?: PageLike }).document;
  const target = globalThis as unknown as Partial<PageLike>;
  if (!page || !target.addEventListener || !target.removeEventListener) return () => undefined;
  const visibility = () => {
    if (page.visibilityState === 'hidden') onHide();
  };
  page.addEventListener('visibilitychange', visibility);
  target.addEventListener('pagehide', onHide);
  return () => {
    page.removeEventListener('visibilitychange', visibility);
    target.removeEventListener?.('pagehide', onHide);
  };
}
