/**
 * Whether a deployed stack runs the template this checkout synthesizes. Both templates are compared
 * section by section and resource by resource, as JSON values (key order ignored), after removing
 * what differs between a deploy and the doctor's own synthesis without changing the stack:
 * - the `AWS::CDK::Metadata` resource and its `CDKMetadataAvailable` condition, which `cdk deploy`
 *   adds (version reporting) and an in-process synthesis does not;
 * - every resource's `Metadata` (construct paths, asset paths of the machine that synthesized).
 * Everything else counts, asset hashes included: a Lambda whose bundled code changed since the
 * deploy has another `Code.S3Key`, and its stack is not current.
 */
export type TemplateDifference = {
  /** Logical ids of resources only the synthesized template has (a deploy would create them). */
  readonly added: string[];
  /** Logical ids only the deployed stack has (a deploy would delete them). */
  readonly removed: string[];
  /** Logical ids whose type or properties differ. */
  readonly changed: string[];
  /** Other sections that differ: Parameters, Outputs, Rules, Conditions, Mappings, Description... */
  readonly sections: string[];
};

type TemplateJson = Record<string, unknown>;

const CDK_METADATA_TYPE = 'AWS::CDK::Metadata';
const CDK_METADATA_CONDITION = 'CDKMetadataAvailable';

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** JSON with object keys sorted, so equal values give equal strings whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function comparableResources(template: TemplateJson): Map<string, string> {
  const resources = new Map<string, string>();
  for (const [logicalId, value] of Object.entries(asRecord(template.Resources))) {
    const resource = asRecord(value);
    if (resource.Type === CDK_METADATA_TYPE) continue;
    const { Metadata: _metadata, ...rest } = resource;
    resources.set(logicalId, canonical(rest));
  }
  return resources;
}

function comparableSections(template: TemplateJson): Map<string, string> {
  const sections = new Map<string, string>();
  for (const [section, value] of Object.entries(template)) {
    if (section === 'Resources') continue;
    if (section === 'Conditions') {
      const { [CDK_METADATA_CONDITION]: _cdk, ...conditions } = asRecord(value);
      if (Object.keys(conditions).length > 0) sections.set(section, canonical(conditions));
      continue;
    }
    sections.set(section, canonical(value));
  }
  return sections;
}

export function compareTemplates(deployed: unknown, synthesized: unknown): TemplateDifference {
  const before = comparableResources(asRecord(deployed));
  const after = comparableResources(asRecord(synthesized));
  const beforeSections = comparableSections(asRecord(deployed));
  const afterSections = comparableSections(asRecord(synthesized));
  return {
    added: [...after.keys()].filter((id) => !before.has(id)).sort(),
    removed: [...before.keys()].filter((id) => !after.has(id)).sort(),
    changed: [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)).sort(),
    sections: [...new Set([...beforeSections.keys(), ...afterSections.keys()])].filter((s) => beforeSections.get(s) !== afterSections.get(s)).sort(),
  };
}

export function templatesMatch(difference: TemplateDifference): boolean {
  return difference.added.length + difference.removed.length + difference.changed.length + difference.sections.length === 0;
}

/** `changed VaultBucket, BackupFn (+3 more); added X; sections Outputs`, for a check's detail. */
export function describeDifference(difference: TemplateDifference): string {
  const list = (ids: string[]) => (ids.length > 3 ? `${ids.slice(0, 3).join(', ')} (+${ids.length - 3} more)` : ids.join(', '));
  return [
    difference.changed.length ? `changed ${list(difference.changed)}` : '',
    difference.added.length ? `added ${list(difference.added)}` : '',
    difference.removed.length ? `removed ${list(difference.removed)}` : '',
    difference.sections.length ? `sections ${difference.sections.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
