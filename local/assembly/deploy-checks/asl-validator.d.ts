/**
 * Types of asl-validator v4 (it ships JavaScript only): the function its package exports, as its
 * README and dist/src/validator.js define it. Every error, JSON-schema ones included, carries an
 * error code and a message; schema errors also say where in the definition.
 */
declare module 'asl-validator' {
  type AslValidationError = {
    'Error code': string;
    Message: string;
    schemaError?: { instancePath: string; schemaPath: string };
  };
  function validator(
    definition: unknown,
    options?: { readonly checkPaths: boolean; readonly checkArn: boolean },
  ): { isValid: boolean; errors: AslValidationError[]; errorsText: (separator?: string) => string };
  export = validator;
}
