/** The SDK's version as batches report it; sdk-version.test.ts keeps it equal to package.json's. */
export const SDK_VERSION = '0.1.0';
