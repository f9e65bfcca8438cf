// The error type lives at the root so that every layer can raise it; the CLI is where it is caught.
export { UserError } from '../errors.js';
