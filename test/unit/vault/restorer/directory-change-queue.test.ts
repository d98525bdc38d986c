import { DirectoryChangeQueue } from '../../../../vault/restorer/directory-change-queue';

/** A change whose end the test decides, recording when it started. */
function gate(log: string[], name: string): { change: () => Promise<string>; finish: () => void; fail: (err: Error) => void } {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => resolve(name);
    fail = reject;
  });
  return {
    change: () => {
      log.push(`start ${name}`);
      return done;
    },
    finish,
    fail,
  };
}

/** Lets every pending promise reaction run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

it('runs the changes of one directory one at a time, in the order they were queued', async () => {
  const queue = new DirectoryChangeQueue();
  const log: string[] = [];
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  const c = gate(log, 'c');
  const results = [queue.run('/t/d', a.change), queue.run('/t/d', b.change), queue.run('/t/d', c.change)];
  await settle();
  expect(log).toEqual(['start a']);
  a.finish();
  await settle();
  expect(log).toEqual(['start a', 'start b']);
  b.finish();
  await settle();
  c.finish();
  await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c']);
  expect(log).toEqual(['start a', 'start b', 'start c']);
});

it('a failed change fails only its own caller; the next change in the directory still runs', async () => {
  const queue = new DirectoryChangeQueue();
  const log: string[] = [];
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  const first = queue.run('/t/d', a.change);
  const second = queue.run('/t/d', b.change);
  a.fail(new Error('EEXIST: the name is taken'));
  await expect(first).rejects.toThrow('EEXIST: the name is taken');
  await settle();
  expect(log).toEqual(['start a', 'start b']);
  b.finish();
  await expect(second).resolves.toBe('b');
});

it('runs changes of different directories side by side, and forgets a directory once it is idle', async () => {
  const queue = new DirectoryChangeQueue();
  const log: string[] = [];
  const a = gate(log, 'a');
  const b = gate(log, 'b');
  // A name that is not UTF-8 (a Buffer path) is a directory of its own, not the string form's.
  const c = gate(log, 'c');
  const results = [queue.run('/t/d1', a.change), queue.run('/t/d2', b.change), queue.run(Buffer.from([0x2f, 0x74, 0x2f, 0xff]), c.change)];
  await settle();
  expect(log).toEqual(['start a', 'start b', 'start c']);
  expect(queue.busyDirectories).toBe(3);
  a.finish();
  b.finish();
  c.finish();
  await Promise.all(results);
  await settle();
  expect(queue.busyDirectories).toBe(0);
});
