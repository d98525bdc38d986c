import { type KeyProvider, type KeyUnwrapError } from '../../vault';

/** The key file provider of a local vault whose key file is missing: every use fails, saying so. */
export class MissingLocalKeyFile implements KeyProvider {
  readonly kind = 'key-file' as const;
  constructor(
    private readonly missing: KeyUnwrapError,
    private readonly notCreated: KeyUnwrapError,
  ) {}
  createVaultKey(): Promise<never> {
    return Promise.reject(this.notCreated);
  }
  unwrapVaultKey(): Promise<never> {
    return Promise.reject(this.missing);
  }
  wrapVaultKey(): Promise<never> {
    return Promise.reject(this.missing);
  }
}
