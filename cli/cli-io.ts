/** Where a command writes; injected so tests run commands in-process and read what they printed. */
export type CliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
};

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
