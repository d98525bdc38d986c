import { catalogRebuildSide } from '../../../../lambdas/catalog/catalog-rebuild-side';

/** Which vault the catalog-rebuild runbook reads: the request's, else the function's home vault; the DR region's has no primary vault. */
it.each([
  [undefined, 'primary', 'primary'],
  ['dr', 'primary', 'dr'],
  ['primary', 'primary', 'primary'],
  [undefined, 'dr', 'dr'],
  ['dr', 'dr', 'dr'],
] as const)('vault %s in a function whose home is %s reads the %s vault', (requested, home, expected) => {
  expect(catalogRebuildSide(requested, home)).toBe(expected);
});

it('refuses the primary vault in the DR region\'s runbook with an InvalidInputError naming vault', () => {
  expect(() => catalogRebuildSide('primary', 'dr')).toThrow(
    expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(/^Invalid catalog rebuild request: vault: this is the DR region's catalog-rebuild runbook/) }),
  );
});
