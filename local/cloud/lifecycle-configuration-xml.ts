import { S3_XMLNS, S3Failure } from './s3-xml-reply';

/**
 * The `<LifecycleConfiguration>` of a PutBucketLifecycleConfiguration, read as S3 reads it far enough that what the
 * local S3 keeps is what an SDK's Get can parse again (review rF F3): a well-formed document (every element closed in
 * order), each `<Rule>` with a `<Status>` of Enabled or Disabled and at least one action (S3: InvalidRequest). Read by
 * one pass over its tags, never a backtracking expression over the whole body, whose cost grew with the square of a
 * repeated tag; the body is capped (MAX_LIFECYCLE_BYTES) before it is read.
 */
// S3 keeps up to 1,000 rules a bucket (the SDK's body for 1,000 simple rules is ~140 KB); the cap only protects the
// reader (review rZ1: 64 KiB refused 500 rules S3 accepts).
export const MAX_LIFECYCLE_BYTES = 1024 * 1024;
const MAX_LIFECYCLE_RULES = 1000;

type XmlElement = { name: string; children: (XmlElement | string)[] };

const MALFORMED = 'The XML you provided was not well-formed or did not validate against our published schema';
const ACTIONS = new Set(['Expiration', 'Transition', 'NoncurrentVersionExpiration', 'NoncurrentVersionTransition', 'AbortIncompleteMultipartUpload']);
// One token at a time from where the last ended: a tag (its name, whether it closes or is empty), or text up to the next tag.
const TOKEN = /<(\/?)([A-Za-z_][\w.-]*)(?:\s[^<>]*?)?(\/?)>|<\?[^<>]*\?>|([^<]+)/y;

const malformed = (): S3Failure => new S3Failure(400, 'MalformedXML', MALFORMED);

function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '', children: [] };
  const open: XmlElement[] = [root];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const token = TOKEN.exec(xml);
    if (token === null) throw malformed();
    const [, closing, name, empty, text] = token;
    const parent = open.at(-1) ?? root;
    if (text !== undefined) {
      // Kept as sent: a leaf's text is a value (a Prefix ' reports/ ', a tag's Value ' '), which S3 keeps whitespace and all.
      if (parent !== root || text.trim() !== '') parent.children.push(text);
    } else if (name === undefined) {
      continue; // the XML declaration
    } else if (closing === '/') {
      if (empty === '/' || open.length === 1 || parent.name !== name) throw malformed();
      open.pop();
    } else {
      const element: XmlElement = { name, children: [] };
      parent.children.push(element);
      if (empty !== '/') open.push(element);
    }
  }
  const [document] = root.children;
  if (open.length !== 1 || root.children.length !== 1 || typeof document !== 'object') throw malformed();
  return document;
}

const elements = (element: XmlElement): XmlElement[] => element.children.filter((child): child is XmlElement => typeof child === 'object');
const textOf = (element: XmlElement | undefined): string => element?.children.filter((child) => typeof child === 'string').join('') ?? '';

function serialise(element: XmlElement): string {
  const inner = elements(element).length > 0 ? elements(element).map(serialise).join('') : textOf(element);
  return `<${element.name}>${inner}</${element.name}>`;
}

/** The configuration to keep, re-serialised from what was read; throws S3's 400 for what S3 refuses. */
export function parseLifecycleConfiguration(xml: string): string {
  const document = parseXml(xml);
  const rules = elements(document);
  if (document.name !== 'LifecycleConfiguration' || rules.length === 0 || rules.some((rule) => rule.name !== 'Rule')) throw malformed();
  if (rules.length > MAX_LIFECYCLE_RULES) throw new S3Failure(400, 'InvalidRequest', `A lifecycle configuration holds at most ${MAX_LIFECYCLE_RULES} rules`);
  for (const rule of rules) {
    const fields = elements(rule);
    const status = textOf(fields.find((field) => field.name === 'Status')).trim();
    if (status !== 'Enabled' && status !== 'Disabled') throw malformed();
    if (!fields.some((field) => ACTIONS.has(field.name))) throw new S3Failure(400, 'InvalidRequest', 'At least one action needs to be specified in a rule');
  }
  return `<LifecycleConfiguration xmlns="${S3_XMLNS}">${rules.map(serialise).join('')}</LifecycleConfiguration>`;
}
