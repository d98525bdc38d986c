/**
 * Whether the `vaultKey` of a rebuild's markerOptions names the key the function itself opens the primary vault with
 * (VAULT_KEY_ARN): the line it goes into is printed to every operator of the catalog, and the runbook never uses it, so
 * unchecked any well-formed key passed (review r58C F1: a console user made every operator's line name another
 * account's key, and a wrong `--vault-key` with `--runbook` succeeded). The function resolves nothing (it has no
 * kms:DescribeKey and an alias is resolved in the caller's account): it takes its own key's id or ARN, an alias name
 * (which resolves in the account and region the line is run in, never another account's), or an alias ARN of its own
 * key's account and region. Any other key id, key ARN or alias ARN is refused.
 */
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;
const ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)\/(.+)$/;

type KmsArn = { partition: string; region: string; account: string; kind: 'key' | 'alias'; name: string };

function kmsArn(text: string): KmsArn | undefined {
  const match = ARN.exec(text);
  if (match === null) return undefined;
  const [, partition = '', region = '', account = '', kind = '', name = ''] = match;
  return { partition, region, account, kind: kind === 'key' ? 'key' : 'alias', name };
}

function sameKeyId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether `given` names `own`: its id or ARN, or an alias ARN of its account and region (what an alias names there is
 * not known without KMS; an alias name is taken before this is asked).
 */
function namesOwnKey(given: string, own: string): boolean {
  if (given === own) return true;
  const ownArn = kmsArn(own);
  if (ownArn === undefined || ownArn.kind !== 'key') return false;
  if (KEY_ID.test(given)) return sameKeyId(given, ownArn.name);
  const givenArn = kmsArn(given);
  if (givenArn === undefined || givenArn.partition !== ownArn.partition || givenArn.region !== ownArn.region || givenArn.account !== ownArn.account) return false;
  return givenArn.kind === 'alias' || sameKeyId(givenArn.name, ownArn.name);
}

/** Why `given` is not the function's primary vault key `own` (its VAULT_KEY_ARN, undefined when unset), or undefined when it is. */
export function markerVaultKeyMisfit(given: string, own: string | undefined): string | undefined {
  if (given.startsWith('alias/')) return undefined;
  const field = `markerOptions.vaultKey (lifeboat catalog rebuild --vault-key): ${given}`;
  if (own === undefined) return `${field} cannot be checked: this function has no VAULT_KEY_ARN, the key it opens the primary vault with; leave --vault-key out`;
  if (namesOwnKey(given, own)) return undefined;
  return (
    `${field} is not the key this function opens the primary vault with, ${own} (VAULT_KEY_ARN): fix --vault-key (that key's ARN or id, ` +
    'an alias name, or an alias ARN of its account and region: the function resolves no alias), or leave it out'
  );
}
