import { ESCAPED_KEY_SEGMENT } from '../manifest/escaped-name';
import { type ManifestReader } from '../manifest/manifest-reader';
import { entriesUnder } from './entries-under';

/**
 * Whether an S3 snapshot may hold the folder marker of `include` (the key `<include>/`, an empty folder the S3 console's
 * "Create folder" makes): stored escaped (a key ending in `/` is no path), it is not under `include` in the manifest, so
 * a folder that exists only as its marker selected nothing (review r60M F5: `--include photos/sub` was refused as having
 * no entry). A marker on a page that cannot be read may be there: the include is then taken, and the restore lists the page.
 */
export async function mayHoldFolderMarker(manifest: Pick<ManifestReader, 'entries' | 'pageRefs'>, include: string): Promise<boolean> {
  const stored = `${ESCAPED_KEY_SEGMENT}/${Buffer.from(`${include}/`, 'utf8').toString('base64url')}`;
  return (await entriesUnder(manifest, stored)) !== 'none';
}
