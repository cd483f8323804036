import { probeUpload, receiveUpload } from '$server/http/uploads.ts';
import { initFerry } from '$server/runtime.ts';
import type { RequestHandler } from './$types';

/** Uploads a blob before publishing (scope `publish`; docs/http-api.md). */
export const PUT: RequestHandler = async ({ request, params }) =>
  receiveUpload(request, await initFerry(), params.sha256);

/** Whether a blob is already stored, so a client can skip its upload (scope `publish`). */
export const HEAD: RequestHandler = async ({ request, params }) =>
  probeUpload(request, await initFerry(), params.sha256);
