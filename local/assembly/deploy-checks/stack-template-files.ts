import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const assemblyManifest = z.object({
  artifacts: z
    .record(
      z.string(),
      z.object({
        type: z.string(),
        displayName: z.string().optional(),
        properties: z.object({ templateFile: z.string().optional(), stackName: z.string().optional(), directoryName: z.string().optional() }).loose().optional(),
      }),
    )
    .optional(),
});

/**
 * Where a cloud assembly (cdk.out) wrote each stack's template, by stack name, read from its
 * manifest.json; stages' nested assemblies included. Tools that take files (cfn-lint) get these.
 */
export function stackTemplateFiles(assemblyDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const manifest = assemblyManifest.parse(JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')));
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const props = artifact.properties;
    if (artifact.type === 'aws:cloudformation:stack' && props?.templateFile) files.set(props.stackName ?? id, path.join(assemblyDir, props.templateFile));
    if (artifact.type === 'cdk:cloud-assembly' && props?.directoryName) {
      for (const [stack, file] of stackTemplateFiles(path.join(assemblyDir, props.directoryName))) files.set(stack, file);
    }
  }
  return files;
}
