export { EMBEDDED_DEFAULT_SPEC } from './defaults.js';
export { closest, editDistance, formatSpecIssue, SpecError, type SpecIssue } from './errors.js';
export {
  DEFAULT_SPEC_FILE,
  DEFAULT_SPEC_FILES,
  decodeSpecBytes,
  type LoadedSpec,
  loadSpec,
  parseSpec,
  parseSpecYaml,
  type SpecOverrides,
} from './load.js';
export { type Spec, type SpecInput, specSchema } from './schema.js';
