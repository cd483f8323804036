import { redirect } from '@sveltejs/kit';

/** The front door is the demo. */
export function load(): never {
  redirect(307, '/demo');
}
