/**
 * The vault engine's public face: everything outside vault/ imports from here (or from ./aws for the
 * S3 backend and the KMS key provider, which load the AWS SDK). eslint keeps the internals internal.
 */
export * from './archiver/block-source';
export * from './archiver/directory-source';
export * from './archiver/snapshot-writer';
export * from './archiver/tree-walker';
export * from './backend/file/file-vault-store';
export * from './backend/memory/memory-vault-store';
export * from './backend/open-local-vault-store';
export * from './backend/vault-store';
export * from './blob-index/index-object';
export * from './blob-index/index-writer';
export * from './blob-index/vault-index';
export * from './checker/verify';
export * from './checker/verify-snapshot';
export * from './chunker/chunker';
export * from './crypto/key-wrap';
export * from './crypto/sealed-codec';
export * from './crypto/sealed-object';
export * from './crypto/vault-keys';
export * from './keys/key-file-key-provider';
export * from './keys/key-object';
export * from './keys/key-provider';
export * from './keys/passphrase-key-provider';
export * from './manifest/manifest-entry';
export * from './manifest/manifest-format';
export * from './manifest/manifest-merge';
export * from './manifest/manifest-pages';
export * from './manifest/manifest-reader';
export * from './manifest/snapshot-record';
export * from './pack/pack-format';
export * from './pack/pack-reader';
export * from './pack/pack-writer';
export * from './repository/snapshot-listing';
export * from './repository/vault-config';
export * from './repository/vault-layout';
export * from './repository/vault';
export * from './restorer/blob-fetcher';
export * from './restorer/restore';
export * from './restorer/restore-target';
export * from './restorer/safe-target-path';
export * from './vault-errors';
export * from './workers/byte-budget';
export * from './workers/codec';
export * from './workers/codec-pool';
export * from './workers/bounded-concurrency';
