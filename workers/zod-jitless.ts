import { config } from 'zod';

// zod compiles a parser with `new Function` for each object schema on its first parse, and
// decides whether it will when the schema is built. A worker parses each schema a handful of
// times per life (its options, control documents, manifests), so those compiles cost more than
// they save: on a warm load they were most of zod's time on the worker thread, ahead of
// onnxruntime. Imported before anything that builds a schema. Also keeps the worker free of
// eval, which strict Content-Security-Policy pages refuse.
config({ jitless: true });
