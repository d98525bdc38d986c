import { findCfnLint, runCfnLint } from '../../../local/assembly/deploy-checks/cfn-lint-runner';

/** Where cfn-lint is missing, the runner says so instead of failing (synthesized-stacks.test.ts then skips its cfn-lint test with the reason). */
describe('the cfn-lint runner without cfn-lint', () => {
  it('finds no executable on a PATH without it', () => {
    expect(findCfnLint('/nonexistent-a:/nonexistent-b')).toBeUndefined();
  });

  it('reports that it did not run, and why', async () => {
    const result = await runCfnLint([{ stack: 'S', path: '/nonexistent/S.template.json', region: 'eu-west-1' }], { ignore: [], executable: '/nonexistent/cfn-lint' });
    expect(result).toEqual({ ran: false, reason: expect.stringMatching(/^cfn-lint is not installed \(pip install cfn-lint, or pipx install cfn-lint\)/) });
  });
});
