import { ErrorCode, FerryError, PublishedManifest, type PublishInputRaw, type PublishResult } from '$shared';
import type { FerryQueryable } from '../db/open.ts';
import { changeOf } from '../rollouts/control-document.ts';
import { signControl } from '../rollouts/sign-control.ts';
import { blobs, models, versionFiles, versions } from '../db/schema.ts';
import { signToBody } from '../signing/signer.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceDeps } from './deps.ts';
import { nextMetadataVersion } from './metadata-counter.ts';
import { checkReferenceFiles, parseBundleManifest, resolveFiles } from './publish-validate.ts';
import { registryQueries } from './registry-queries.ts';
import { writeTransaction } from '../db/write-transaction.ts';
import { addCompiledForms, recordCompiledForms } from '../compile/compile-files.ts';
import { examineOnnxFiles } from '../model-work/examine-files.ts';

/** Whether `name@version` is already in the registry (`db` may be a transaction). */
export function isPublished(db: FerryQueryable, name: string, version: string): boolean {
  return registryQueries(db).version.get({ name, version }) !== undefined;
}

function exists(name: string, version: string): FerryError {
  return new FerryError(ErrorCode.VERSION_EXISTS, `version: ${name}@${version} is already published`, {
    details: { name, version },
  });
}

/**
 * Publishes a version whose files were uploaded before. Everything is validated first (schema,
 * uploaded blobs, sizes, ONNX graphs against the declared signature, reference profiles, version
 * not yet taken), and each ONNX file's compiled form made (server/compile/; a blob the manifest
 * names beside the file), onnxruntime's part on the model-work thread (server/model-work/);
 * then one SQLite transaction writes the model, version, files, blob references, audit entry, the
 * signed manifest and the model's re-signed control document (its stable version may follow the
 * new one). A crash at any point leaves the version fully there or absent.
 */
export function publishVersion(
  deps: ServiceDeps,
  input: PublishInputRaw,
  actor: Actor,
): Promise<PublishResult> {
  return publishVersionFor(deps, input, { actor });
}

/**
 * {@link publishVersion} for a request that may go away: once `signal` aborts, its onnxruntime
 * work still queued for the model-work thread is dropped and the publish rejects with the
 * signal's reason, having written nothing.
 */
export async function publishVersionFor(
  deps: ServiceDeps,
  input: PublishInputRaw,
  request: { actor: Actor; signal?: AbortSignal | undefined },
): Promise<PublishResult> {
  const { actor, signal } = request;
  const manifest = parseBundleManifest(input.manifest, 'manifest.');
  if (isPublished(deps.db, manifest.name, manifest.version)) throw exists(manifest.name, manifest.version);
  const resolved = await resolveFiles(deps, manifest, input.files);
  const found = await examineOnnxFiles(deps, manifest, { files: resolved, signal });
  await checkReferenceFiles(deps, manifest, resolved);
  const files = await addCompiledForms(deps, resolved, found);
  const size = files.reduce((sum, file) => sum + file.size, 0);
  const publishedAt = new Date().toISOString();

  const { result, change } = writeTransaction(deps.db, (tx) => {
    // Another publish of the same version may have committed while we validated.
    if (isPublished(tx, manifest.name, manifest.version)) throw exists(manifest.name, manifest.version);
    const model = tx
      .insert(models)
      .values({ name: manifest.name, task: manifest.task, description: manifest.description })
      .onConflictDoUpdate({
        target: models.name,
        set: { task: manifest.task, description: manifest.description },
      })
      .returning({ id: models.id })
      .get();
    const metadataVersion = nextMetadataVersion(tx);
    const signed = PublishedManifest.parse({
      _type: 'ferry/manifest',
      ...manifest,
      files,
      metadataVersion,
      publishedAt,
      status: 'published',
    });
    const row = tx
      .insert(versions)
      .values({
        modelId: model.id,
        version: manifest.version,
        status: 'published',
        publishedAt,
        metadataVersion,
        size,
        ...signToBody(deps.signer, signed),
        publishedBy: actor.tokenId,
      })
      .returning({ id: versions.id })
      .get();
    for (const { compiled: _compiled, ...file } of files) {
      tx.insert(blobs).values({ sha256: file.sha256, size: file.size }).onConflictDoNothing().run();
      tx.insert(versionFiles)
        .values({ versionId: row.id, ...file })
        .run();
    }
    recordCompiledForms(tx, files);
    recordAudit(tx, actor, {
      action: 'version.publish',
      target: `${manifest.name}@${manifest.version}`,
      details: { metadataVersion, size, files: files.length },
    });
    const change = signControl(tx, deps, {
      model: manifest.name,
      lastChange: changeOf('published', manifest.version),
    });
    deps.failpoints.hit('publish.before-commit');
    return {
      result: { name: manifest.name, version: manifest.version, metadataVersion, publishedAt, size },
      change,
    };
  });
  deps.events.publish(change);
  return result;
}
