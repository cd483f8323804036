/** Types of server-bundle.js (plain JavaScript, since `npm start` imports it before tsx could run). */
export declare function ensureServerBundle(root: string): Promise<string>;
export declare function ensureIngestWorkerBundle(root: string): Promise<string>;
export declare function ensureModelWorkBundle(root: string): Promise<string>;
