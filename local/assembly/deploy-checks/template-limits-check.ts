import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding, WHOLE_TEMPLATE } from './deploy-check-finding';

// AWS CloudFormation User Guide, "CloudFormation quotas": 500 resources, 200 outputs and 200
// parameters per template; a template body in S3 (where the CDK puts it) of at most 1 MB;
// logical ids alphanumeric (A-Za-z0-9), at most 255 characters.
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;
const MAX_PARAMETERS = 200;
const MAX_TEMPLATE_BYTES = 1_000_000;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
// Same page: stack description at most 1,024 bytes.
const MAX_DESCRIPTION_BYTES = 1024;

/** The quotas CloudFormation checks on a template as a whole before it creates anything. */
export function checkTemplateLimits(stacks: readonly SynthesizedStack[]): DeployCheckFinding[] {
  return stacks.flatMap((stack) => {
    const findings: DeployCheckFinding[] = [];
    const report = (logicalId: string, path: string, message: string) => findings.push({ stack: stack.stackName, logicalId, path, message });
    const { template } = stack;
    const count = (section: Record<string, unknown> | undefined) => Object.keys(section ?? {}).length;
    if (count(template.Resources) > MAX_RESOURCES) report(WHOLE_TEMPLATE, 'Resources', `has ${count(template.Resources)} resources; a template may have ${MAX_RESOURCES}: split the stack`);
    if (count(template.Outputs) > MAX_OUTPUTS) report(WHOLE_TEMPLATE, 'Outputs', `has ${count(template.Outputs)} outputs; a template may have ${MAX_OUTPUTS}`);
    if (count(template.Parameters) > MAX_PARAMETERS) report(WHOLE_TEMPLATE, 'Parameters', `has ${count(template.Parameters)} parameters; a template may have ${MAX_PARAMETERS}`);
    const bytes = Buffer.byteLength(JSON.stringify(template));
    if (bytes > MAX_TEMPLATE_BYTES) report(WHOLE_TEMPLATE, '', `is ${bytes} bytes; CloudFormation takes templates of at most ${MAX_TEMPLATE_BYTES} bytes`);
    const description = (template as { Description?: unknown }).Description;
    if (typeof description === 'string' && Buffer.byteLength(description) > MAX_DESCRIPTION_BYTES) report(WHOLE_TEMPLATE, 'Description', `is ${Buffer.byteLength(description)} bytes; at most ${MAX_DESCRIPTION_BYTES}`);
    for (const section of ['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings'] as const) {
      for (const id of Object.keys((template as Record<string, Record<string, unknown> | undefined>)[section] ?? {})) {
        if (!LOGICAL_ID.test(id)) report(id, section, `logical id "${id}" must be 1 to 255 letters and digits`);
      }
    }
    return findings;
  });
}
