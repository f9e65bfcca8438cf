import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.js';
import {
  readUserFile,
  readUserJson,
  userFileError,
  userOutputDirectory,
  userOutputFile,
  writeUserFile,
} from '../../src/cli/user-files.js';
import { tempDir } from './run-cli.js';

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    return (error as UserError).message;
  }
  throw new Error('expected a UserError');
}

describe('user-named files', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = tempDir();
    mkdirSync(join(cwd, 'dir'));
    writeFileSync(join(cwd, 'file.txt'), 'text\n');
    writeFileSync(join(cwd, 'good.json'), '{"a": 1}');
  });

  it('reads and parses what exists, relative to the working directory', () => {
    expect(readUserFile('--ca', 'file.txt', cwd)).toBe('text\n');
    expect(readUserJson('--prices', 'good.json', cwd)).toEqual({ a: 1 });
  });

  it('names the flag, the path and the fix for each way reading fails', () => {
    expect(messageOf(() => readUserFile('--ca', 'missing.pem', cwd))).toBe(
      '--ca missing.pem: no such file; check the path',
    );
    expect(messageOf(() => readUserFile('--ca', 'dir', cwd))).toBe('--ca dir: is a directory; name a file');
    expect(messageOf(() => readUserFile('--ca', 'file.txt/x', cwd))).toBe(
      '--ca file.txt/x: a part of the path is a file, not a directory; check the path',
    );
    expect(messageOf(() => readUserJson('--prices', 'file.txt', cwd))).toMatch(
      /^--prices file\.txt: not JSON \(.+\); name a JSON file$/,
    );
  });

  it('says what to do for permission, read-only and unknown errors, and rethrows what is not an fs error', () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(userFileError('-o', 'x', error('EACCES'), 'write').message).toBe(
      '-o x: permission denied; choose a path you can write',
    );
    expect(userFileError('-o', 'x', error('EPERM'), 'read').message).toBe(
      '-o x: permission denied; choose a path you can read',
    );
    expect(userFileError('-o', 'x', error('EROFS'), 'write').message).toBe(
      '-o x: is on a read-only file system; choose another path',
    );
    expect(userFileError('-o', 'x', error('EIO'), 'write').message).toBe('-o x: cannot be written (EIO)');
    expect(userFileError('-o', 'x', error('EIO'), 'read').message).toBe('-o x: cannot be read (EIO)');
    const bug = new TypeError('not an fs error');
    expect(() => userFileError('-o', 'x', bug, 'write')).toThrow(bug);
  });

  it('writes a file where its directory exists, and refuses a missing directory, a directory or no name', () => {
    const path = writeUserFile('-o', 'out.yaml', cwd, 'a: 1\n');
    expect(path).toBe(join(cwd, 'out.yaml'));
    expect(readFileSync(path, 'utf8')).toBe('a: 1\n');
    expect(userOutputFile('-o', join(cwd, 'new.yaml'), '/')).toBe(join(cwd, 'new.yaml'));
    expect(messageOf(() => writeUserFile('-o', 'nodir/x', cwd, ''))).toBe(
      '-o nodir/x: its directory does not exist; create it first',
    );
    expect(messageOf(() => writeUserFile('-o', 'dir', cwd, ''))).toBe(
      '-o dir: is a directory; name a file inside it',
    );
    expect(messageOf(() => writeUserFile('-o', 'file.txt/x', cwd, ''))).toBe(
      '-o file.txt/x: a part of the path is a file, not a directory; check the path',
    );
    expect(messageOf(() => userOutputFile('-o', '', cwd))).toBe('-o needs a file name');
  });

  it('turns a failed write into the flag and the fix', () => {
    const locked = join(cwd, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'ro.yaml'), '');
    chmodSync(join(locked, 'ro.yaml'), 0o400);
    // root writes through file modes; a directory where the file should be fails for everyone.
    const target = process.getuid?.() === 0 ? 'dir/' : 'locked/ro.yaml';
    expect(messageOf(() => writeUserFile('-o', target, cwd, 'x'))).toMatch(/^-o (dir\/|locked\/ro\.yaml): /);
  });

  it('accepts an output directory that exists or not, and refuses a file or an empty name', () => {
    expect(userOutputDirectory('--out', 'dir', cwd)).toBe(join(cwd, 'dir'));
    expect(userOutputDirectory('--out', 'cdk.out', cwd)).toBe(join(cwd, 'cdk.out'));
    expect(messageOf(() => userOutputDirectory('--out', 'file.txt', cwd))).toBe(
      '--out file.txt: is a file, not a directory; name a directory (it is created if missing)',
    );
    expect(messageOf(() => userOutputDirectory('--out', ' ', cwd))).toBe(
      '--out needs a directory name, e.g. --out cdk.out',
    );
    expect(messageOf(() => userOutputDirectory('--out', 'file.txt/x', cwd))).toMatch(
      /^--out file\.txt\/x: a part of the path/,
    );
  });
});
