import { randomBytes, scrypt } from 'node:crypto';
import { type KeyProvider, VAULT_KEY_BYTES, type WrappedVaultKey } from './key-provider';
import { unwrapKey, wrapKey } from '../crypto/key-wrap';
import { KeyUnwrapError } from '../vault-errors';
import { DamagedKeyObjectError } from './damaged-key-object-error';

/** scrypt cost parameters (RFC 7914). They are stored with each wrapped key, so a vault opens with the cost it was created with. */
export type ScryptCost = { readonly N: number; readonly r: number; readonly p: number };
/**
 * The cost of new passphrase key objects: N = 2^17, r = 8, p = 1, OWASP's recommended minimum for
 * scrypt (about 0.3 s and 128 MiB per derivation; a vault is opened once per command). Key objects
 * written before with N = 2^15 keep opening: unwrapping uses the stored parameters. Tests that make
 * many vaults pass a lower cost explicitly to the constructor.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 1 << 17, r: 8, p: 1 };

/**
 * The costliest parameters a reader derives with at all (docs/FORMAT.md §2): beyond them a key object is damaged or
 * forged. These are the bounds FORMAT.md has always stated, and `new PassphraseKeyProvider(passphrase, cost)` of the
 * library could write any cost within them, so a key object within them may be a user's own and must keep opening
 * (review r2-1 of 2df6e2e5 undid a cap that called such objects damaged).
 */
export const SCRYPT_COST_LIMIT: ScryptCost = { N: 1 << 22, r: 32, p: 16 };

/**
 * The most a reader spends on a key object before it has tried every cheaper one (docs/FORMAT.md §2). A key object
 * chooses its own cost, anyone who may create objects under keys/ can plant one, and a reader tries key objects one
 * after another: one within SCRYPT_COST_LIMIT may take 16 GiB and minutes (audit d5-2). A costlier one is therefore
 * tried last, so that it can only slow an open that no cheaper key object could make. Twice the default's memory and
 * four times its work (about 1 s): every key object a Lifeboat command writes (N = 2^15 or 2^17, r = 8, p = 1) is within.
 */
export const SCRYPT_PROMPT_COST = {
  /** scrypt's memory, 128·r·(N + p) bytes (its V array and B buffer): the default takes 128 MiB. */
  memoryBytes: 256 * 2 ** 20,
  /** scrypt's work, N·r·p (block mixes of 128 bytes): the default does 2^20. */
  work: 4 * 2 ** 20,
} as const;

/** The bytes scrypt allocates for `cost`. */
function scryptMemoryBytes({ N, r, p }: ScryptCost): number {
  return 128 * r * (N + p);
}

/**
 * The stored parameters of a passphrase-wrapped key, or why they cannot be those of a key object this
 * provider wrote. Checked before deriving: scrypt itself would reject some (N not a power of two) with
 * a bare RangeError, and accept others (N at its maximum) only after allocating gigabytes.
 */
export function readScryptParams(params: Readonly<Record<string, string | number>>): { salt: string; nonce: string; cost: ScryptCost } | { problem: string } {
  const { salt, N, r, p, nonce } = params;
  if (typeof salt !== 'string' || typeof nonce !== 'string' || typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') {
    return { problem: 'the wrapped key lacks its scrypt parameters (salt, N, r, p, nonce)' };
  }
  // N < 2^31 before the bit test: `&` works on 32-bit integers.
  const powerOfTwo = Number.isInteger(N) && N >= 2 && N < 2 ** 31 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1) {
    return { problem: `impossible scrypt parameters N=${N} r=${r} p=${p} (N must be a power of two above 1, r and p positive integers)` };
  }
  const refused = scryptRuleProblem({ N, r, p });
  if (refused !== undefined) return { problem: `impossible scrypt parameters N=${N} r=${r} p=${p} (${refused})` };
  const tooCostly = scryptCostProblem({ N, r, p });
  if (tooCostly !== undefined) return { problem: `refusing scrypt parameters N=${N} r=${r} p=${p}: ${tooCostly}` };
  return { salt, nonce, cost: { N, r, p } };
}

/**
 * Why scrypt itself (RFC 7914: N < 2^(128·r/8)) refuses `cost` although it is within SCRYPT_COST_LIMIT, or undefined.
 * Node (OpenSSL) refuses it with a bare "Invalid scrypt params … memory limit exceeded"; checked here so that list,
 * verify, open and the writer all call such a cost impossible (review r6-F2), not costly in one place and damaged in another.
 */
function scryptRuleProblem({ N, r }: ScryptCost): string | undefined {
  return N < 2 ** (16 * r) ? undefined : `scrypt needs N < 2^(16·r): with r=${r}, N is at most ${2 ** (16 * r - 1)}`;
}

/** Why a reader would not derive with `cost` at all (beyond SCRYPT_COST_LIMIT), or undefined. */
function scryptCostProblem({ N, r, p }: ScryptCost): string | undefined {
  if (N <= SCRYPT_COST_LIMIT.N && r <= SCRYPT_COST_LIMIT.r && p <= SCRYPT_COST_LIMIT.p) return undefined;
  return `too costly (at most N=${SCRYPT_COST_LIMIT.N} r=${SCRYPT_COST_LIMIT.r} p=${SCRYPT_COST_LIMIT.p})`;
}

/**
 * Why a reader tries a key object of `cost` only after every cheaper one (beyond SCRYPT_PROMPT_COST, within
 * SCRYPT_COST_LIMIT), or undefined for a cost it derives with in turn.
 */
export function scryptCostlyReason(cost: ScryptCost): string | undefined {
  const memory = scryptMemoryBytes(cost);
  const work = scryptWork(cost);
  if (memory <= SCRYPT_PROMPT_COST.memoryBytes && work <= SCRYPT_PROMPT_COST.work) return undefined;
  return `costly scrypt parameters N=${cost.N} r=${cost.r} p=${cost.p} (${mib(memory)} MiB and N·r·p = ${work}, above the ${mib(SCRYPT_PROMPT_COST.memoryBytes)} MiB and ${SCRYPT_PROMPT_COST.work} a reader spends on each key object in turn): tried after every cheaper key object`;
}

/** scrypt's work for `cost`, in block mixes; what orders the costly key objects a reader tries last. */
export function scryptWork({ N, r, p }: ScryptCost): number {
  return N * r * p;
}

function mib(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20);
}

function deriveKek(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r + 16 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Node's refusal of scrypt parameters (thrown before any memory is taken), as opposed to a failure while deriving. */
export function isScryptParameterError(err: unknown): boolean {
  return err instanceof RangeError || (err as { code?: unknown } | null)?.code === 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS';
}

/** The master key wrapped under scrypt(passphrase) (docs/FORMAT.md §2). Params: salt, N, r, p, nonce. */
export class PassphraseKeyProvider implements KeyProvider {
  readonly kind = 'passphrase' as const;

  constructor(
    private readonly passphrase: string,
    private readonly cost: ScryptCost = DEFAULT_SCRYPT_COST,
  ) {
    if (passphrase.length === 0) throw new KeyUnwrapError('the passphrase is empty');
    // A key object no reader would open must not be written. A cost above SCRYPT_PROMPT_COST is still accepted: the
    // library always took it, and its key objects open, tried after the cheaper ones.
    const refused = scryptRuleProblem(cost);
    if (refused !== undefined) throw new RangeError(`refusing to wrap with scrypt cost N=${cost.N} r=${cost.r} p=${cost.p}, which scrypt refuses: ${refused}; raise r or lower N`);
    const tooCostly = scryptCostProblem(cost);
    if (tooCostly !== undefined) throw new RangeError(`refusing to wrap with scrypt cost N=${cost.N} r=${cost.r} p=${cost.p}, which no reader would derive with: ${tooCostly}`);
  }

  async createVaultKey(): Promise<{ plaintext: Buffer; wrapped: WrappedVaultKey }> {
    const plaintext = randomBytes(VAULT_KEY_BYTES);
    return { plaintext, wrapped: await this.wrapVaultKey(plaintext) };
  }

  async wrapVaultKey(material: Buffer): Promise<WrappedVaultKey> {
    const salt = randomBytes(16);
    const kek = await deriveKek(this.passphrase, salt, this.cost);
    const { ciphertext, nonce } = wrapKey(kek, material, this.kind);
    return { kind: this.kind, ciphertext, params: { salt: salt.toString('base64'), N: this.cost.N, r: this.cost.r, p: this.cost.p, nonce } };
  }

  async unwrapVaultKey(wrapped: WrappedVaultKey): Promise<Buffer> {
    if (wrapped.kind !== this.kind) throw new KeyUnwrapError(`this vault key is of kind ${wrapped.kind}; a passphrase cannot open it`);
    const stored = readScryptParams(wrapped.params);
    if ('problem' in stored) throw new DamagedKeyObjectError(stored.problem);
    const { N, r, p } = stored.cost;
    let kek: Buffer;
    try {
      kek = await deriveKek(this.passphrase, Buffer.from(stored.salt, 'base64'), stored.cost);
    } catch (err) {
      // Parameters scrypt refuses within the limits above are the object's fault; memory it cannot get is the machine's,
      // and a good key object must not be called damaged (the advice would be to delete it; review 42e F3).
      if (!isScryptParameterError(err)) {
        throw new KeyUnwrapError(`cannot derive the key of this passphrase key object (N=${N} r=${r} p=${p} needs ${mib(scryptMemoryBytes(stored.cost))} MiB): ${err instanceof Error ? err.message : String(err)}; run with more memory`, { cause: err });
      }
      throw new DamagedKeyObjectError(`scrypt refused the stored parameters N=${N} r=${r} p=${p}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return unwrapKey(kek, wrapped.ciphertext, stored.nonce, this.kind, 'wrong passphrase for this vault (or the key object was changed)');
  }
}
