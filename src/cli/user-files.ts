/**
 * Files and directories the user names on the command line (--diagram, -o, --out, --prices, --ca).
 * A missing directory or a directory where a file was meant is the user's to fix: each failure
 * becomes a UserError (exit 2) naming the flag, the path and what to do. Files gitlab-aws reads of
 * its own are not read here, so a failure there stays a bug.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.js';

/** What to do about an fs error code on a path the user named. */
function reason(code: string | undefined, use: 'read' | 'write'): string {
  switch (code) {
    case 'ENOENT':
      return use === 'read'
        ? 'no such file; check the path'
        : 'its directory does not exist; create it first';
    case 'EISDIR':
      return use === 'read' ? 'is a directory; name a file' : 'is a directory; name a file inside it';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory; check the path';
    case 'EACCES':
    case 'EPERM':
      return `permission denied; choose a path you can ${use}`;
    case 'EROFS':
      return 'is on a read-only file system; choose another path';
    default:
      return `cannot be ${use === 'read' ? 'read' : 'written'} (${code ?? 'unknown error'})`;
  }
}

/** The UserError for an fs error on a user-named path; anything that is not an fs error is rethrown. */
export function userFileError(flag: string, file: string, error: unknown, use: 'read' | 'write'): UserError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') throw error;
  return new UserError(`${flag} ${file}: ${reason(code, use)}`, 2);
}

/** Reads a text file the user named with `flag`. */
export function readUserFile(flag: string, file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw userFileError(flag, file, error, 'read');
  }
}

/** Reads and parses a JSON file the user named with `flag`. */
export function readUserJson(flag: string, file: string, cwd: string): unknown {
  const text = readUserFile(flag, file, cwd);
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser quotes the text it stopped at, line breaks and all: keep the message to one line.
    const why = (error as Error).message.replace(/\s+/g, ' ');
    throw new UserError(`${flag} ${file}: not JSON (${why}); name a JSON file`, 2);
  }
}

/**
 * Checks that a file can be written where the user asked (its directory exists, the path is not a
 * directory) before any work is done for it, and returns its absolute path.
 */
export function userOutputFile(flag: string, file: string, cwd: string): string {
  if (file === '') throw new UserError(`${flag} needs a file name`, 2);
  const path = resolve(cwd, file);
  const target = statIfPresent(flag, file, path);
  if (target?.isDirectory()) throw new UserError(`${flag} ${file}: ${reason('EISDIR', 'write')}`, 2);
  const parent = statIfPresent(flag, file, dirname(path));
  if (!parent) throw new UserError(`${flag} ${file}: ${reason('ENOENT', 'write')}`, 2);
  if (!parent.isDirectory()) throw new UserError(`${flag} ${file}: ${reason('ENOTDIR', 'write')}`, 2);
  return path;
}

/** Writes a file the user named with `flag`; returns its absolute path. */
export function writeUserFile(flag: string, file: string, cwd: string, content: string | Buffer): string {
  const path = userOutputFile(flag, file, cwd);
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw userFileError(flag, file, error, 'write');
  }
  return path;
}

/**
 * Checks a directory the user named for output: it may not exist yet (it is created), but it may
 * not be a file, nor empty (which would mean the working directory). Returns its absolute path.
 */
export function userOutputDirectory(flag: string, dir: string, cwd: string): string {
  if (dir.trim() === '') throw new UserError(`${flag} needs a directory name, e.g. ${flag} cdk.out`, 2);
  const path = resolve(cwd, dir);
  const target = statIfPresent(flag, dir, path);
  if (target && !target.isDirectory()) {
    throw new UserError(
      `${flag} ${dir}: is a file, not a directory; name a directory (it is created if missing)`,
      2,
    );
  }
  return path;
}

function statIfPresent(flag: string, file: string, path: string) {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw userFileError(flag, file, error, 'write');
  }
}
