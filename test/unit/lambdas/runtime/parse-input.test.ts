import { z } from 'zod';
import { describeInputIssues } from '../../../../lambdas/runtime/parse-input';

const schema = z.strictObject({
  source: z.string({ error: 'is required: the name of the source' }).min(1),
  samples: z.number().int().min(0).optional(),
  overwrite: z.boolean().default(false),
  target: z.strictObject({ bucket: z.string() }).optional(),
  tags: z.array(z.string()).optional(),
});

/** What describeInputIssues says of `input`, given the input as the runbooks give it. */
function issuesOf(input: unknown): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return describeInputIssues(parsed.error, input);
}

describe('describeInputIssues', () => {
  it.each([
    // Absent: "is required", with the schema's own hint when its message gives one.
    [{}, 'source: is required: the name of the source'],
    [{ source: 'a', target: {} }, 'target.bucket: is required'],
    // Present but of the wrong type: what it must be and what it is, never "is required".
    [{ source: 5 }, 'source: must be a string, got a number'],
    [{ source: null }, 'source: must be a string, got null'],
    [{ source: 'a', overwrite: 'true' }, 'overwrite: must be true or false, got a string'],
    [{ source: 'a', samples: '3' }, 'samples: must be a number, got a string'],
    [{ source: 'a', samples: 1.5 }, 'samples: must be a whole number'],
    [{ source: 'a', target: [] }, 'target: must be an object, got an array'],
    [{ source: 'a', target: 'x' }, 'target: must be an object, got a string'],
    [{ source: 'a', target: { bucket: false } }, 'target.bucket: must be a string, got false'],
    [{ source: 'a', tags: {} }, 'tags: must be an array, got an object'],
    [{ source: 'a', tags: ['x', 2] }, 'tags.1: must be a string, got a number'],
    [5, '(input): must be an object, got a number'],
    // Other issues keep zod's message, or the schema's, which stands for its checks without their own.
    [{ source: 'a', samples: -1 }, 'samples: Too small: expected number to be >=0'],
    [{ source: '' }, 'source: is required: the name of the source'],
  ])('describes %j as %j', (input, message) => {
    expect(issuesOf(input)).toBe(message);
  });

  it('joins the problems of several fields', () => {
    expect(issuesOf({ source: 5, samples: 1.5, overwrite: 1 })).toBe('source: must be a string, got a number; samples: must be a whole number; overwrite: must be true or false, got a number');
  });
});
